//! README.txt: what goes where, and in which order.

use crate::bundle::{layout, Artifact, Machine};
use crate::plan::{Plan, ProfilePlan};
use crate::profile::history;
use crate::spec::{CaSpec, Target};

pub fn render(plan: &Plan, artifacts: &[Artifact], generated_at: &str, ca_key_included: bool) -> String {
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
        spec.cluster.api_server
    ));
    line("");
    let example = match &plan.profile {
        ProfilePlan::Guide2016 { layout, .. } => layout.cert.as_str(),
        ProfilePlan::Current { layout, .. } => layout.client.cert.as_str(),
    };
    line(&format!("Each folder mirrors one machine's filesystem: workers/<name>{example}"));
    line(&format!("goes to {example} on that worker, and HOME/ stands for your home directory."));
    line("Private keys are mode 0600; keep this bundle as secret as the keys in it.");
    line("");
    line("In this order:");
    let ca_line = match (&spec.ca, ca_key_included) {
        (CaSpec::Import { .. }, _) => "1. CA host (ca-host/): your imported CA signed every certificate; its key was not copied.",
        (CaSpec::Generate { .. }, true) => "1. CA host (ca-host/): keep HOME/ca.crt and HOME/ca.key there; the key never goes on a worker.",
        (CaSpec::Generate { .. }, false) => {
            "1. CA host (ca-host/): the CA key was not exported; to sign more certificates later, import a CA you keep."
        }
    };
    line(ca_line);
    line("   The API servers must trust this CA (ca.crt) for client certificates.");
    match &spec.target {
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
