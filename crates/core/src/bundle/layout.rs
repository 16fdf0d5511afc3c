//! The bundle's format, named once: the machine folders, the top-level file names, and the README's
//! first line (written by the renderer and read back by the checks with the same code), so a zip or
//! a directory made by hand is read the way the studio writes it.

use crate::plan::names::CA_CERT;
use crate::release::{KubeVersion, ProfileId};
use crate::spec::HttpsUrl;

/// The CA host's folder: the CA certificate (and key, if exported) and the signing scripts.
pub const CA_HOST: &str = "ca-host";
/// Each worker's folder is `workers/<name>`.
pub const WORKERS: &str = "workers";
/// The admin's machine with kubectl.
pub const WORKSTATION: &str = "workstation";
/// Each LB host's folder is `lb-hosts/<name>`.
pub const LB_HOSTS: &str = "lb-hosts";
/// What the control-plane nodes need to fit the front: kubeadm's settings and a certificate check.
pub const CONTROL_PLANE: &str = "control-plane";
/// Objects created in the cluster with kubectl.
pub const CLUSTER_ADDONS: &str = "cluster-addons";
/// Stands for the user's home directory inside a machine's folder.
pub const HOME: &str = "HOME";

/// What goes where, and in which order (the bundle's first file).
pub const README: &str = "README.txt";
/// The check report.
pub const CHECKS: &str = "CHECKS.md";
/// A worker's installer.
pub const INSTALL: &str = "install.sh";
/// A worker's keys-stay-on-the-node alternative.
pub const KEYS_ON_NODE: &str = "keys-on-node.sh";
/// The workstation's kubectl installer.
pub const SETUP_KUBECTL: &str = "setup-kubectl.sh";
/// The workstation's keys-stay-on-the-workstation alternative (the guide's profile).
pub const KEYS_ON_WORKSTATION: &str = "keys-on-workstation.sh";
/// The CA host's signing script for the kubectl CSR (the guide's profile).
pub const SIGN_KUBECTL: &str = "sign-kubectl.sh";
/// An LB host's installer.
pub const INSTALL_LB: &str = "install-lb.sh";
/// The variable `install-lb.sh` holds its host's address in (`readonly LB_IP=...`), read back
/// by the checks.
pub const LB_IP_VARIABLE: &str = "LB_IP";
/// A file an install script stages next to its target, checks, then renames over it.
pub const STAGED_SUFFIX: &str = ".worker-studio-new";
/// The control plane's kubeadm ClusterConfiguration for the front.
pub const KUBEADM_CONFIG: &str = "kubeadm-config.yaml";
/// The control plane's check of an API server's serving certificate against the front.
pub const CHECK_APISERVER_CERT: &str = "check-apiserver-cert.sh";
/// The add-ons' script: the guide's `kubectl create`.
pub const CREATE_DNS: &str = "create-dns.sh";
/// The add-ons' script: the current profile's `kubectl apply`.
pub const APPLY_ADDONS: &str = "apply-addons.sh";

/// A worker's folder: `workers/<name>`.
pub fn worker_dir(name: &str) -> String {
    format!("{WORKERS}/{name}")
}

/// An LB host's folder: `lb-hosts/<name>`.
pub fn lb_host_dir(name: &str) -> String {
    format!("{LB_HOSTS}/{name}")
}

/// The machine folder a bundle path belongs to: `workers/<name>` and `lb-hosts/<name>`, the other
/// machines' single folder (`ca-host`, `workstation`, ...), or `""` for the bundle's own files.
pub fn machine_dir(path: &str) -> &str {
    let mut parts = path.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(group @ (WORKERS | LB_HOSTS)), Some(name), Some(_)) => &path[..group.len() + 1 + name.len()],
        (Some(first), Some(_), _) => first,
        _ => "",
    }
}

/// A machine folder as people name the machine: `Worker worker01`, `CA host`.
pub fn machine_label(dir: &str) -> String {
    if let Some(name) = dir.strip_prefix(WORKERS).and_then(|r| r.strip_prefix('/')) {
        return format!("Worker {name}");
    }
    if let Some(name) = dir.strip_prefix(LB_HOSTS).and_then(|r| r.strip_prefix('/')) {
        return format!("LB host {name}");
    }
    match dir {
        "" => "Bundle".into(),
        CA_HOST => "CA host".into(),
        CONTROL_PLANE => "Control plane".into(),
        WORKSTATION => "Workstation".into(),
        CLUSTER_ADDONS => "Cluster add-ons".into(),
        other => other.into(),
    }
}

/// A bundle path as its machine knows it: `/etc/...` for a node path, `~/...` below `HOME/`,
/// the bare name of a script or document.
pub fn path_on_machine(path: &str) -> String {
    let dir = machine_dir(path);
    let rel = path[dir.len()..].trim_start_matches('/');
    match rel.strip_prefix(HOME).and_then(|r| r.strip_prefix('/')) {
        Some(home) => format!("~/{home}"),
        None if rel.contains('/') => format!("/{rel}"),
        None => rel.to_owned(),
    }
}

/// The CA host's signing script for a worker: `sign-<name>.sh`.
pub fn sign_worker(name: &str) -> String {
    format!("sign-{name}.sh")
}

/// The CA certificate's path in a bundle: `ca-host/HOME/ca.crt`.
pub fn ca_cert_path() -> String {
    format!("{CA_HOST}/{HOME}/{CA_CERT}")
}

/// README.txt's first line: which profile and Kubernetes release the bundle is for.
pub fn readme_header(profile: ProfileId, version: &str) -> String {
    format!("Worker Studio bundle, profile {profile} for Kubernetes {version} ({})", profile.summary())
}

/// What [`readme_header`] wrote: the profile and the release, or `None` for a README that is not
/// the studio's (a hand-written bundle).
pub fn read_readme_header(first_line: &str) -> Option<(ProfileId, KubeVersion)> {
    let rest = first_line.strip_prefix("Worker Studio bundle, profile ")?;
    let (profile, rest) = rest.split_once(" for Kubernetes ")?;
    let version = rest.split_whitespace().next()?;
    Some((ProfileId::parse(profile)?, KubeVersion::read(version)?))
}

/// The first line of every `haproxy.cfg` the studio writes: the URL the workers use to reach the
/// API servers through it, read back by the checks with [`read_front_header`].
pub fn front_header(endpoint: &HttpsUrl) -> String {
    format!("# Worker Studio API front: workers reach the API servers at {endpoint} through HAProxy")
}

/// The URL [`front_header`] wrote, or `None` for a configuration that is not the studio's.
pub fn read_front_header(first_line: &str) -> Option<&str> {
    let rest = first_line.strip_prefix("# Worker Studio API front: workers reach the API servers at ")?;
    rest.strip_suffix(" through HAProxy")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_front_header_reads_back() {
        let url = HttpsUrl::parse("https://192.168.2.20:6443").unwrap();
        assert_eq!(read_front_header(&front_header(&url)), Some("https://192.168.2.20:6443"));
        assert_eq!(read_front_header("global"), None);
    }

    #[test]
    fn paths_name_their_machine() {
        let cases = [
            ("workers/worker01/etc/kubernetes/kubelet.conf", "workers/worker01", "Worker worker01", "/etc/kubernetes/kubelet.conf"),
            ("workers/worker01/install.sh", "workers/worker01", "Worker worker01", "install.sh"),
            ("lb-hosts/lb01/etc/haproxy/haproxy.cfg", "lb-hosts/lb01", "LB host lb01", "/etc/haproxy/haproxy.cfg"),
            ("ca-host/HOME/ca.crt", "ca-host", "CA host", "~/ca.crt"),
            ("workstation/HOME/.kube/kubectl.crt", "workstation", "Workstation", "~/.kube/kubectl.crt"),
            ("cluster-addons/kube-dns-svc.yaml", "cluster-addons", "Cluster add-ons", "kube-dns-svc.yaml"),
            ("README.txt", "", "Bundle", "README.txt"),
        ];
        for (path, dir, label, on_machine) in cases {
            assert_eq!(machine_dir(path), dir, "{path}");
            assert_eq!(machine_label(machine_dir(path)), label, "{path}");
            assert_eq!(path_on_machine(path), on_machine, "{path}");
        }
    }

    #[test]
    fn the_readme_header_reads_back() {
        for (profile, version) in [(ProfileId::Guide2016, "1.2"), (ProfileId::Current, "1.37.2"), (ProfileId::Current, "1.33")] {
            let line = readme_header(profile, version);
            assert_eq!(read_readme_header(&line), Some((profile, KubeVersion::read(version).unwrap())), "{line}");
        }
        assert_eq!(read_readme_header("My own notes"), None);
    }
}
