//! Joining like kubeadm (a bootstrap-token join): the bootstrap token's Secret, the bindings that
//! let its group ask for node client certificates (and have them approved and renewed), and
//! `approve-serving-csrs.sh`, which approves a kubelet's serving CSR only when it asks for exactly
//! its worker's name and address.

use std::net::IpAddr;

use super::addons::AddonManifest;
use super::k8s::{cluster_role_binding, meta, rbac_subject, Manifest, Object, OrderedMap, SecretData};
use super::shell::Script;
use super::shell::Word::{Arg, Sh};
use crate::identity::{
    node_user, BOOTSTRAPPERS_GROUP, KUBELET_SERVING_SIGNER, NODES_GROUP, NODE_BOOTSTRAPPER_ROLE, NODE_CLIENT_APPROVAL_ROLE,
    SELF_NODE_CLIENT_APPROVAL_ROLE,
};
use crate::pki::{rfc3339, BootstrapToken};
use crate::plan::CurrentWorker;
use crate::profile::history::Topic;
use crate::spec::BootstrapJoin;

/// The file the approval script is written to.
pub const APPROVE_SCRIPT: &str = "approve-serving-csrs.sh";

/// The token's Secret (`bootstrap-token-<id>` in kube-system) and the three bindings.
pub fn addons(join: &BootstrapJoin, token: &BootstrapToken, now: i64, workers: usize) -> Vec<AddonManifest> {
    let description = if join.description.is_empty() {
        format!("Worker Studio: joins {workers} worker(s) by TLS bootstrapping")
    } else {
        join.description.clone()
    };
    let expiration = rfc3339(now + i64::from(join.ttl_seconds));
    let secret = Manifest::Secret(Object {
        api_version: "v1",
        kind: "Secret",
        metadata: meta(&format!("bootstrap-token-{}", token.id()), true, OrderedMap::default()),
        body: SecretData {
            kind: "bootstrap.kubernetes.io/token",
            string_data: OrderedMap::of([
                ("description", description.as_str()),
                ("token-id", token.id()),
                ("token-secret", token.secret()),
                ("expiration", expiration.as_str()),
                ("usage-bootstrap-authentication", "true"),
                ("auth-extra-groups", BOOTSTRAPPERS_GROUP),
            ]),
        },
    });
    let group = |name: &str| rbac_subject("Group", name);
    vec![
        AddonManifest {
            file_name: "bootstrap-token-secret.yaml",
            topic: Some(Topic::NodeIdentity),
            secret: true,
            note: "The bootstrap token (a secret that expires): workers authenticate with it to ask for their certificates",
            manifest: secret,
        },
        AddonManifest {
            file_name: "bootstrap-clusterrolebinding.yaml",
            topic: Some(Topic::NodeIdentity),
            secret: false,
            note: "Lets the token's group create CertificateSigningRequests (system:node-bootstrapper)",
            manifest: cluster_role_binding("worker-studio:kubelet-bootstrap", NODE_BOOTSTRAPPER_ROLE, group(BOOTSTRAPPERS_GROUP)),
        },
        AddonManifest {
            file_name: "bootstrap-autoapprove-clusterrolebinding.yaml",
            topic: Some(Topic::NodeIdentity),
            secret: false,
            note: "Has the controller manager approve the token's node client CSRs (nodeclient)",
            manifest: cluster_role_binding("worker-studio:node-autoapprove-bootstrap", NODE_CLIENT_APPROVAL_ROLE, group(BOOTSTRAPPERS_GROUP)),
        },
        AddonManifest {
            file_name: "node-renewal-clusterrolebinding.yaml",
            topic: Some(Topic::NodeIdentity),
            secret: false,
            note: "Has nodes' renewals of their own client certificate approved (selfnodeclient), so rotation keeps working",
            manifest: cluster_role_binding(
                "worker-studio:node-autoapprove-certificate-rotation",
                SELF_NODE_CLIENT_APPROVAL_ROLE,
                group(NODES_GROUP),
            ),
        },
    ]
}

/// `approve-serving-csrs.sh`: approves each pending kubelet-serving CSR whose requester is a
/// worker of the bundle and whose subject and SANs are exactly that worker's; prints and leaves
/// pending every other.
pub fn approve_serving_csrs(workers: &[CurrentWorker]) -> String {
    let mut s = Script::new(&[
        "approve-serving-csrs.sh: approves the kubelets' serving certificate requests, as Kubernetes does not by itself.",
        "Run where kubectl reaches the cluster as admin, after install.sh ran on the workers; run it again for late nodes.",
        "It approves a pending kubernetes.io/kubelet-serving CSR only when its requester is system:node:<name> of a worker",
        "in this bundle and it asks for exactly CN=system:node:<name>, O=system:nodes and that worker's name and IP;",
        "any other is printed and left pending (deny it with kubectl certificate deny if it should not be there).",
    ]);
    s.blank()
        .raw("set -u")
        .raw("for tool in kubectl openssl base64; do")
        .raw("  command -v \"$tool\" > /dev/null || { echo \"approve-serving-csrs.sh: $tool is not installed\" >&2; exit 1; }")
        .raw("done");
    s.blank().comment("What each worker may ask for: its subject and its SANs, sorted.");
    s.raw("expected() {").raw("  case \"$1\" in");
    for worker in workers {
        let name = worker.node.name.as_str();
        let sans = sorted_sans(name, worker.node.ip);
        let user = node_user(name);
        s.line(&[Sh("    "), Arg(&user), Sh(") echo"), Arg(&sans), Sh(";;")]);
    }
    s.raw("    *) return 1 ;;").raw("  esac").raw("}");
    s.blank();
    s.line(&[
        Sh("pending=$(kubectl get csr -o go-template --template"),
        Arg(&format!(
            "{{{{range .items}}}}{{{{if and (eq .spec.signerName \"{KUBELET_SERVING_SIGNER}\") (not .status.conditions)}}}}{{{{.metadata.name}}}} {{{{.spec.username}}}}{{{{\"\\n\"}}}}{{{{end}}}}{{{{end}}}}"
        )),
        Sh(") || exit 1"),
    ]);
    s.raw("approved=0")
        .raw("refused=0")
        .raw("while read -r csr requester; do")
        .raw("  [ -n \"$csr\" ] || continue")
        .raw("  if ! want=$(expected \"$requester\"); then")
        .raw("    echo \"refused $csr: requested by $requester, not a worker of this bundle\"")
        .raw("    refused=$((refused + 1)); continue")
        .raw("  fi")
        .raw("  request=$(kubectl get csr \"$csr\" -o jsonpath='{.spec.request}' | base64 -d) || exit 1")
        .raw("  subject=$(printf '%s\\n' \"$request\" | openssl req -noout -subject -nameopt RFC2253)")
        .raw("  sans=$(printf '%s\\n' \"$request\" | openssl req -noout -text | sed -n '/Subject Alternative Name/{n;p;}' | tr -d ' ' | tr ',' '\\n' | sed 's/^IPAddress:/IP:/' | LC_ALL=C sort | paste -sd, -)")
        .raw("  if [ \"$subject\" != \"subject=CN=$requester,O=system:nodes\" ]; then")
        .raw("    echo \"refused $csr: it asks for $subject, not CN=$requester,O=system:nodes\"")
        .raw("    refused=$((refused + 1)); continue")
        .raw("  fi")
        .raw("  if [ \"$sans\" != \"$want\" ]; then")
        .raw("    echo \"refused $csr: it asks for the names $sans, not $want\"")
        .raw("    refused=$((refused + 1)); continue")
        .raw("  fi")
        .raw("  kubectl certificate approve \"$csr\" || exit 1")
        .raw("  approved=$((approved + 1))")
        .raw("done <<< \"$pending\"")
        .raw("echo \"approve-serving-csrs.sh: $approved approved, $refused left pending\"");
    s.finish()
}

/// A worker's SANs as the script compares them: `DNS:<name>,IP:<ip>`, sorted (as `LC_ALL=C sort`),
/// the address as openssl prints it (IPv6 uncompressed, in capitals).
fn sorted_sans(name: &str, ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6.segments().iter().map(|s| format!("{s:X}")).collect::<Vec<_>>().join(":"),
    };
    let mut sans = [format!("DNS:{name}"), format!("IP:{ip}")];
    sans.sort();
    sans.join(",")
}
