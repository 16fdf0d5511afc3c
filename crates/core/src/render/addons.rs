//! The cluster add-ons: a manifest and its file name, and the scripts that create them from the
//! workstation: the guide's `create-dns.sh` and the current profile's `apply-addons.sh`.

use super::shell::Script;
use super::shell::Word::Sh;
use super::k8s::Manifest;
use crate::bundle::Artifact;
use crate::profile::history::Topic;

/// A named add-on manifest (file name and object).
pub struct AddonManifest {
    pub file_name: &'static str,
    pub note: &'static str,
    /// What changed here since the 2016 guide (the current profile's add-ons).
    pub topic: Option<Topic>,
    /// It carries a secret (the bootstrap token), so its file is mode 0600.
    pub secret: bool,
    pub manifest: Manifest,
}

/// `create-dns.sh`: `kubectl create -f -` for each manifest, as the guide pipes them in.
pub fn create_script(manifests: &[Artifact]) -> String {
    let mut s = Script::new(&[
        "create-dns.sh: creates the cluster DNS add-on, as the guide does from the workstation.",
        "Run where kubectl reaches the cluster as admin (after setup-kubectl.sh).",
    ]);
    for manifest in manifests {
        s.blank().comment(&manifest.note);
        s.line_with_input(&[Sh("kubectl create -f -")], &manifest.content);
    }
    s.finish()
}

/// `apply-addons.sh` (current profile): `kubectl apply` for each manifest, so running it again updates them.
/// `with_admin`: the bundle carries an admin certificate (set up by setup-kubectl.sh); without one
/// (a bootstrap-token join), the script runs with the admin credential the cluster already has.
pub fn apply_script(manifests: &[Artifact], with_admin: bool) -> String {
    let header: &[&str] = if with_admin {
        &[
            "apply-addons.sh: applies the cluster add-ons (RBAC, kube-proxy if a DaemonSet, CoreDNS) from the workstation.",
            "Run where kubectl reaches the cluster as admin (after setup-kubectl.sh). Running it again updates them.",
            "The first time on a cluster without the kubeadm:cluster-admins binding, run it with an existing admin",
            "credential (KUBECONFIG=/etc/kubernetes/admin.conf, say): the new admin certificate is only bound by it.",
        ]
    } else {
        &[
            "apply-addons.sh: applies the bootstrap token's Secret and bindings, the RBAC, kube-proxy and CoreDNS.",
            "Run with the cluster's existing admin credential (KUBECONFIG=/etc/kubernetes/admin.conf on a kubeadm",
            "control plane), before install.sh runs on the workers. It carries the bootstrap token, a secret that",
            "expires: keep this file as private as a key. Running it again updates the add-ons.",
        ]
    };
    let mut s = Script::new(header);
    s.blank().raw("command -v kubectl > /dev/null || { echo \"apply-addons.sh: kubectl is not installed\" >&2; exit 1; }");
    for manifest in manifests {
        s.blank().comment(&manifest.note);
        s.line_with_input(&[Sh("kubectl apply -f -")], &manifest.content);
    }
    s.finish()
}
