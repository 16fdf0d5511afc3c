//! README.txt: what goes where, and in which order.

use crate::bundle::{Artifact, Machine};
use crate::plan::Plan;
use crate::spec::CaSpec;

pub fn render(plan: &Plan, artifacts: &[Artifact], generated_at: &str, ca_key_included: bool) -> String {
    let spec = plan.spec;
    let profile = spec.profile.profile();
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push('\n');
    };
    line(&format!("Worker Studio bundle, profile {} ({})", spec.profile, profile.summary()));
    line(&format!(
        "Generated {generated_at} for {} worker(s) behind {}.",
        spec.workers.len(),
        spec.cluster.api_server
    ));
    line("");
    line("Each folder mirrors one machine's filesystem: workers/<name>/etc/kubernetes/ssl/worker.crt");
    line("goes to /etc/kubernetes/ssl/worker.crt on that worker, and HOME/ stands for your home directory.");
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
    line("2. Workers: copy workers/<name>/install.sh to each worker and run it as root.");
    line("   To keep private keys on the nodes instead: run keys-on-node.sh on the worker, ca-host/sign-<name>.sh");
    line("   on the CA host, copy worker.crt back, then run KEYS_ON_NODE=1 bash install.sh.");
    line("3. Workstation: bash workstation/setup-kubectl.sh installs ~/.kube and configures kubectl.");
    line("4. Cluster add-ons: bash cluster-addons/create-dns.sh creates the cluster DNS from the workstation.");
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
    out
}
