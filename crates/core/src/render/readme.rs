//! README.txt: what goes where, and in which order.

use crate::bundle::{layout, Artifact, Machine};
use crate::pki::BootstrapToken;
use crate::plan::{FrontPlan, Plan, ProfilePlan};
use crate::profile::history;
use crate::spec::{CaSpec, Target};

/// `token`: the bootstrap token workers join with, and when it expires (a bootstrap-token join).
pub fn render(plan: &Plan, artifacts: &[Artifact], generated_at: &str, ca_key_included: bool, token: Option<(&BootstrapToken, String)>) -> String {
    let spec = plan.spec;
    let profile = spec.profile();
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    let version = match &spec.target {
        Target::Guide2016(_) => format!("{}", spec.kubernetes_version()),
        Target::Current(current) => current.version.to_string(),
    };
    line(&layout::readme_header(profile, &version));
    line(&format!(
        "Generated {generated_at} for {} worker(s) behind {}.",
        spec.workers.len(),
        plan.api_server()
    ));
    line("");
    let example = match &plan.profile {
        ProfilePlan::Guide2016 { layout, .. } => layout.cert.as_str(),
        ProfilePlan::Current { layout, .. } if token.is_some() => layout.bootstrap_kubeconfig.as_str(),
        ProfilePlan::Current { layout, .. } => layout.client.cert.as_str(),
    };
    line(&format!("Each folder mirrors one machine's filesystem: workers/<name>{example}"));
    line(&format!("goes to {example} on that worker, and HOME/ stands for your home directory."));
    if let Some((token, expires)) = &token {
        line("No node key or certificate is in this bundle: each kubelet makes its own key and asks the CSR API for");
        line(&format!("its certificates with the bootstrap token {}.<secret>, a secret that expires {expires}.", token.id()));
        line("Keep this bundle private until then, and delete the token once the workers are in:");
        line(&format!("  kubectl -n kube-system delete secret bootstrap-token-{}", token.id()));
        line("");
        line("In this order:");
        front_steps(plan, &mut line);
        line("1. Cluster add-ons, with the cluster's admin credential (KUBECONFIG=/etc/kubernetes/admin.conf on a kubeadm");
        line("   control plane): bash cluster-addons/apply-addons.sh creates the token's Secret and its bindings, the RBAC,");
        line("   kube-proxy (a DaemonSet) and CoreDNS. The API servers need --enable-bootstrap-token-auth, and");
        line("   kube-controller-manager must sign with the cluster CA (--cluster-signing-cert-file/-key-file) and run its");
        line("   csrapproving controller; kubeadm sets all three. The API servers also need --authorization-mode=Node,RBAC,");
        line("   NodeRestriction and --kubelet-certificate-authority=<this ca.crt>.");
        if let Target::Current(current) = &spec.target {
            line(&format!("2. Workers: install containerd and the kubelet {} (see the top of install.sh), then copy", current.version));
        }
        line("   workers/<name>/install.sh to each worker and run it as root: the kubelet joins with the token, gets its");
        line("   client certificate approved and signed by the controller manager, and renews it (rotateCertificates).");
        line("3. Workstation: bash workstation/approve-serving-csrs.sh approves each worker's serving certificate request,");
        line("   which Kubernetes never approves by itself (only one asking for exactly that worker's name and IP).");
        line("   Run it again for workers that join later.");
    } else {
        line("Private keys are mode 0600; keep this bundle as secret as the keys in it.");
        line("");
        line("In this order:");
        front_steps(plan, &mut line);
    }
    let ca_line = match (&spec.ca, ca_key_included) {
        (CaSpec::Trust { .. }, _) => "",
        (CaSpec::Import { .. }, _) => "1. CA host (ca-host/): your imported CA signed every certificate; its key was not copied.",
        (CaSpec::Generate { .. }, true) => "1. CA host (ca-host/): keep HOME/ca.crt and HOME/ca.key there; the key never goes on a worker.",
        (CaSpec::Generate { .. }, false) => {
            "1. CA host (ca-host/): the CA key was not exported; to sign more certificates later, import a CA you keep."
        }
    };
    if token.is_none() {
        line(ca_line);
        line("   The API servers must trust this CA (ca.crt) for client certificates.");
    }
    match &spec.target {
        Target::Current(_) if token.is_some() => {}
        Target::Guide2016(_) => {
            line("2. Workers: copy workers/<name>/install.sh to each worker and run it as root.");
            line("   To keep private keys on the nodes instead: run keys-on-node.sh on the worker, ca-host/sign-<name>.sh");
            line("   on the CA host, copy worker.crt back, then run KEYS_ON_NODE=1 bash install.sh.");
            line("3. Workstation: bash workstation/setup-kubectl.sh installs ~/.kube and configures kubectl.");
            line("4. Cluster add-ons: bash cluster-addons/create-dns.sh creates the cluster DNS from the workstation.");
        }
        Target::Current(current) => {
            line("   The API servers need --authorization-mode=Node,RBAC, --enable-admission-plugins=NodeRestriction,");
            line("   --kubelet-certificate-authority=<this ca.crt>, and a --kubelet-client-certificate whose CN is");
            line(&format!("   {} (the user the add-ons' RBAC grants access to kubelets).", current.apiserver_kubelet_client));
            line(&format!(
                "2. Workers: install containerd and the kubelet {} (see the top of install.sh), then copy",
                current.version
            ));
            line("   workers/<name>/install.sh to each worker and run it as root.");
            line("   To keep private keys on the nodes instead: run keys-on-node.sh on the worker, ca-host/sign-<name>.sh");
            line("   on the CA host with its CSRs, copy the certificates back, then run KEYS_ON_NODE=1 bash install.sh.");
            line("3. Workstation: bash workstation/setup-kubectl.sh installs ~/.kube and configures kubectl.");
            line("4. Cluster add-ons: bash cluster-addons/apply-addons.sh applies RBAC, CoreDNS (and kube-proxy if a DaemonSet).");
        }
    }
    line("");
    line("Files:");
    let mut current: Option<&Machine> = None;
    for artifact in artifacts {
        if current != Some(&artifact.machine) {
            current = Some(&artifact.machine);
            line("");
            line(&format!("{} ({}/)", artifact.machine.label(), artifact.machine.dir()));
        }
        line(&format!("  {:04o}  {}", artifact.mode, artifact.location.display()));
        line(&format!("        {}", artifact.note));
    }
    if matches!(spec.target, Target::Current(_)) {
        line("");
        line("Since 2016 (what the guide wrote, what this bundle writes instead, and why):");
        for change in history::CHANGES {
            line("");
            line(&format!("  {} (Kubernetes {})", change.topic.title(), change.since));
            line(&format!("    then: {}", change.then));
            line(&format!("    now:  {}", change.now));
            line(&format!("    why:  {}", change.why));
        }
    }
    out
}

/// Step 0: the API front, before anything that needs the API servers.
fn front_steps(plan: &Plan, line: &mut impl FnMut(&str)) {
    let kubeadm = matches!(plan.spec.target, Target::Current(_));
    let certificates = if kubeadm {
        "   control-plane/kubeadm-config.yaml holds them for kubeadm init (controlPlaneEndpoint, certSANs), and"
    } else {
        "   the guide's API servers are set up by hand: add them to their certificates, and"
    };
    match &plan.front {
        FrontPlan::External => return,
        FrontPlan::Vip(vip) if vip.front.on_control_plane => {
            line("0. API front (lb-hosts/, control-plane/): first run lb-hosts/<name>/install-lb.sh as root on each control-plane");
            line(&format!("   node: the kubelet runs HAProxy on port {} and keepalived as static pods, and the VIP", vip.front.port));
            line(&format!("   {} settles on {}. VRRP (IP protocol 112) must pass between the nodes.", vip.front.vip, vip.hosts[0].host.name));
        }
        FrontPlan::Vip(vip) => {
            line("0. API front (lb-hosts/, control-plane/): run lb-hosts/<name>/install-lb.sh as root on each LB host; it");
            line(&format!("   installs haproxy and keepalived, and the VIP {} settles on {}. VRRP (IP protocol 112) must pass", vip.front.vip, vip.hosts[0].host.name));
            line(&format!("   between the LB hosts, and port {} reach them.", vip.front.port));
        }
        FrontPlan::LocalProxy(local) => {
            line(&format!("0. API front: each worker's install.sh installs HAProxy on 127.0.0.1:{} to every API server.", local.port));
        }
    }
    line("   The API servers' serving certificates must carry the names the workers use for the front:");
    line(certificates);
    line("   bash control-plane/check-apiserver-cert.sh on each control-plane node says whether its certificate does.");
}
