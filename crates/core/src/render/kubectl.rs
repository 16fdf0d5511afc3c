//! The workstation: kubectl admin credentials in `~/.kube` and the guide's four `kubectl config` commands.

use super::shell::Script;
use super::shell::Word::{Arg, Sh};
use crate::bundle::{Artifact, Location};
use crate::plan::Plan;

/// The guide's four commands, as argument vectors.
pub fn config_commands(plan: &Plan) -> [Vec<String>; 4] {
    let spec = plan.spec;
    let ws = &plan.workstation;
    let names = &spec.kubectl;
    let owned = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    [
        owned(&[
            "kubectl",
            "config",
            "set-cluster",
            names.cluster.as_str(),
            &format!("--server={}", plan.api_server()),
            &format!("--certificate-authority={}", ws.ca_cert),
        ]),
        owned(&[
            "kubectl",
            "config",
            "set-credentials",
            names.user.as_str(),
            &format!("--certificate-authority={}", ws.ca_cert),
            &format!("--client-certificate={}", ws.cert),
            &format!("--client-key={}", ws.key),
        ]),
        owned(&[
            "kubectl",
            "config",
            "set-context",
            names.context.as_str(),
            &format!("--cluster={}", names.cluster),
            &format!("--user={}", names.user),
        ]),
        owned(&["kubectl", "config", "use-context", names.context.as_str()]),
    ]
}

/// `setup-kubectl.sh`: writes the admin key, certificate and CA into `~/.kube`, then configures kubectl.
pub fn setup_script(plan: &Plan, files: &[Artifact]) -> String {
    let ws = &plan.workstation;
    let mut s = Script::new(&[
        "setup-kubectl.sh: installs the kubectl admin credentials and configures kubectl as in the guide.",
        "Run as yourself on the workstation. KUBE_DIR=/some/dir works there instead of ~/.kube.",
        "kubectl keeps the relative file names, resolved next to the kubeconfig it writes.",
    ]);
    s.blank()
        .raw("KUBE_DIR=\"${KUBE_DIR:-$HOME/.kube}\"")
        .raw("mkdir -p -- \"$KUBE_DIR\"")
        .raw("cd -- \"$KUBE_DIR\"")
        .raw("export KUBECONFIG=\"$KUBE_DIR/config\"")
        .raw("command -v kubectl > /dev/null || { echo \"setup-kubectl.sh: kubectl is not installed\" >&2; exit 1; }")
        .raw("write_file() {")
        .raw("  local tmp")
        .raw("  tmp=$(mktemp -- \"$1.XXXXXX\")")
        .raw("  cat > \"$tmp\"")
        .raw("  chmod -- \"$2\" \"$tmp\"")
        .raw("  mv -f -- \"$tmp\" \"$1\"")
        .raw("}");
    let prefix = format!("{}/", ws.dir);
    for file in files {
        let Location::Home(rel) = &file.location else { continue };
        let name = rel.strip_prefix(&prefix).unwrap_or(rel);
        s.blank().comment(&format!("~/{rel}: {}", file.note));
        s.line_with_input(&[Sh("write_file"), Arg(name), Arg(&format!("{:04o}", file.mode))], &file.content);
    }
    s.blank();
    for command in config_commands(plan) {
        s.command(&command);
    }
    s.finish()
}
