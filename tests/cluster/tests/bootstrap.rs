//! Joining like kubeadm, on a real control plane: a bundle with `join.method: bootstrap-token`
//! carries only the cluster CA's certificate and a bootstrap token; a real kubelet gets its client
//! certificate through the CSR API (approved and signed by the real kube-controller-manager),
//! registers, and asks for its serving certificate, which the bundle's approve-serving-csrs.sh
//! approves while refusing forged requests; then the API server reaches the kubelet. Unknown and
//! expired tokens are refused.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use worker_studio_cluster::admin_pki::{self, KeyType};
use worker_studio_cluster::bundle::{self, CaSource};
use worker_studio_cluster::claims::{apply_addons, kubelet_reached, kubelet_registers, kubelet_unit, refused, shown, unit_flag, write};
use worker_studio_cluster::control_plane::{ControlPlane, ControlPlaneSpec};
use worker_studio_cluster::netns::{self, Netns};
use worker_studio_cluster::node::Node;
use worker_studio_cluster::process::{must, run, wait_until, words};
use worker_studio_cluster::tools;

const SERVICE_CIDR: &str = "10.96.0.0/12";

/// The CSRs of the cluster as JSON items.
fn csrs(plane: &ControlPlane) -> Vec<Value> {
    let out = plane.admin(&["get", "csr", "-o", "json"]);
    serde_json::from_str::<Value>(&out).ok().and_then(|v| v["items"].as_array().cloned()).unwrap_or_default()
}

fn condition(csr: &Value) -> Option<String> {
    csr["status"]["conditions"].as_array().and_then(|c| c.first()).and_then(|c| c["type"].as_str()).map(str::to_owned)
}

#[test]
fn a_bootstrap_token_bundle_joins_through_the_csr_api() {
    netns::remove_stale();
    let tmp = tempfile::Builder::new().prefix("wstest-").tempdir().expect("a temporary directory");
    let dir = tmp.path();
    let (api_ip, w1, w2) = (Ipv4Addr::new(10, 250, 6, 1), Ipv4Addr::new(10, 250, 6, 11), Ipv4Addr::new(10, 250, 6, 12));
    // The cluster already runs with its CA; the studio gets its certificate only.
    let cluster_ca = admin_pki::new_ca(dir, "cluster-ca", "kubernetes", KeyType::EcdsaP256);
    let project = format!(
        "apiVersion: worker-studio/v1alpha1\nprofile: current\ncluster: {{apiServer: 'https://{api_ip}:6443', dnsIP: 10.96.0.10, serviceCIDR: {SERVICE_CIDR}}}\n\
         kubeProxy: {{delivery: daemonset}}\njoin: {{method: bootstrap-token, tokenTTL: 1h}}\n\
         workers:\n- {{name: worker01, ip: {w1}}}\n- {{name: worker02, ip: {w2}}}\n"
    );
    let bundle = bundle::generate(&project, CaSource::Trust(cluster_ca.clone()), dir);
    let keys = run(&words(&["grep", "-rl", "PRIVATE KEY", &bundle.dir.to_string_lossy()]), &[], Duration::from_secs(10));
    assert!(keys.stdout.is_empty(), "the bundle holds no private key: {}", keys.stdout);
    shown("the bundle holds no private key", "grep -rl 'PRIVATE KEY' found nothing");

    let (cp_ns, w1_ns) = (Netns::create("boot-cp"), Netns::create("boot-worker01"));
    netns::link(&cp_ns, api_ip, &w1_ns, w1);
    let plane = ControlPlane::start(
        &ControlPlaneSpec {
            release: "1.37",
            ip: api_ip,
            more_apiservers: &[],
            front_names: &[],
            shutdown_delay: Duration::ZERO,
            ca: cluster_ca,
            service_cidr: SERVICE_CIDR,
            kubelet_client: "kube-apiserver-kubelet-client",
        },
        cp_ns,
        &dir.join("control-plane"),
    );
    let mut node = Node::install(w1_ns, "worker01", w1, &bundle.worker("worker01"), &dir.join("worker01"));
    let (unit_path, unit) = kubelet_unit(&bundle, "worker01");
    let bootstrap_kubeconfig = unit_flag(&unit, "--bootstrap-kubeconfig");
    let kubeconfig = unit_flag(&unit, "--kubeconfig");

    // With the cluster's admin credential, as README says: the token's Secret and bindings first.
    apply_addons(&plane, &bundle, &plane.super_admin);
    let (user, _) = worker_studio_cluster::claims::whoami(&node.kubectl(&bootstrap_kubeconfig, &["auth", "whoami", "-o", "json"]), "the bootstrap token");
    assert!(user.starts_with("system:bootstrap:"), "{user}");
    shown("the bundle's bootstrap token authenticates", &user);

    node.start_kubelet("1.37", &unit_path);
    kubelet_registers(&plane, &node, w1);
    let watched = [plane.processes(), node.processes()].concat();
    let client_csr = wait_until("worker01's client CSR, approved and issued", Duration::from_secs(60), &watched, || {
        let found = csrs(&plane).into_iter().find(|c| {
            c["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet" && c["spec"]["username"].as_str().is_some_and(|u| u.starts_with("system:bootstrap:"))
        });
        match found {
            Some(csr) if condition(&csr).as_deref() == Some("Approved") && csr["status"]["certificate"].is_string() => Ok(csr),
            other => Err(format!("{other:?}")),
        }
    });
    shown("the controller manager approved and signed worker01's client CSR", client_csr["metadata"]["name"].as_str().unwrap_or_default());
    // A symlink the kubelet points at its newest certificate, by its node path.
    let link = node.file(Path::new("/var/lib/kubelet/pki/kubelet-client-current.pem"));
    let current = std::fs::read_link(&link).map(|target| node.file(&target)).unwrap_or(link);
    let subject = must(&words(&["openssl", "x509", "-in", &current.to_string_lossy(), "-noout", "-subject", "-issuer"]));
    assert!(subject.contains("O = system:nodes, CN = system:node:worker01") && subject.contains("issuer=CN = kubernetes"), "{subject}");
    must(&words(&["openssl", "verify", "-CAfile", &plane.ca.cert.to_string_lossy(), &current.to_string_lossy()]));
    shown("the kubelet's own key and certificate, signed by the cluster CA", &subject.replace('\n', "; "));

    // Its serving CSR waits for approval; forged ones wait beside it.
    let serving = wait_until("worker01's serving CSR", Duration::from_secs(60), &watched, || {
        csrs(&plane)
            .into_iter()
            .find(|c| c["spec"]["signerName"] == "kubernetes.io/kubelet-serving" && c["spec"]["username"] == "system:node:worker01")
            .ok_or_else(|| "not yet".to_owned())
    });
    let serving_name = serving["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    assert_eq!(condition(&serving), None, "Kubernetes does not approve serving CSRs by itself");
    let forge = |name: &str, sans: &str| -> String {
        let key = dir.join(format!("{name}.key"));
        must(&words(&["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key.to_string_lossy()]));
        let request = must(&words(&[
            "openssl", "req", "-new", "-key", &key.to_string_lossy(), "-subj", "/O=system:nodes/CN=system:node:worker01", "-addext", &format!("subjectAltName={sans}"),
        ]));
        let encoded = must(&words(&["bash", "-c", &format!("printf '%s' '{request}' | base64 -w0")]));
        let manifest = format!(
            r#"{{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{{"name":"{name}"}},"spec":{{"signerName":"kubernetes.io/kubelet-serving","usages":["digital signature","server auth"],"request":"{encoded}"}}}}"#
        );
        write(dir, &format!("{name}.json"), &manifest)
    };
    // worker01 itself asks for worker02's address; the administrator asks in worker01's name.
    let by_node = node.kubectl(&kubeconfig, &["create", "-f", &forge("forged-by-node", &format!("DNS:worker01,IP:{w2}"))]);
    assert!(by_node.success(), "worker01 may file a CSR: {}", by_node.text());
    plane.admin(&["create", "-f", &forge("forged-by-admin", &format!("DNS:worker01,IP:{w1}"))]);

    let path = format!("{}:{}", tools::components_dir(), std::env::var("PATH").unwrap_or_default());
    let script = bundle.path("workstation/approve-serving-csrs.sh").to_string_lossy().into_owned();
    let approve = plane.run_script(&["bash".into(), script], &[("KUBECONFIG", &plane.super_admin.to_string_lossy()), ("PATH", &path)]);
    assert!(approve.success(), "approve-serving-csrs.sh: {}", approve.text());
    let said = approve.stdout.clone();
    assert!(said.contains(&format!("{serving_name} approved")) || said.contains(&format!("certificatesigningrequest.certificates.k8s.io/{serving_name} approved")), "{said}");
    assert!(said.contains(&format!("refused forged-by-node: it asks for the names DNS:worker01,IP:{w2}")), "{said}");
    assert!(said.contains("refused forged-by-admin: requested by worker-studio-test-super-admin, not a worker of this bundle"), "{said}");
    shown("approve-serving-csrs.sh", &said.replace('\n', "; "));
    for forged in ["forged-by-node", "forged-by-admin"] {
        let csr: Value = serde_json::from_str(&plane.admin(&["get", "csr", forged, "-o", "json"])).unwrap_or_default();
        assert_eq!(condition(&csr), None, "{forged} stays pending");
    }

    kubelet_reached(&plane, &node);

    // A token the cluster does not hold, and one that expired, are refused.
    let unknown = admin_pki::token_kubeconfig(dir, "unknown-token", &plane.url, &plane.ca.cert, "abcdef.0123456789abcdef");
    refused(&plane.kubectl(&unknown, &["get", "--raw", "/api"]), "Unauthorized", "an unknown bootstrap token");
    let expired = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"bootstrap-token-old000","namespace":"kube-system"},"type":"bootstrap.kubernetes.io/token","stringData":{"token-id":"old000","token-secret":"0123456789abcdef","expiration":"2020-01-01T00:00:00Z","usage-bootstrap-authentication":"true"}}"#;
    plane.admin(&["create", "-f", &write(dir, "expired.json", expired)]);
    let old = admin_pki::token_kubeconfig(dir, "expired-token", &plane.url, &plane.ca.cert, "old000.0123456789abcdef");
    refused(&plane.kubectl(&old, &["get", "--raw", "/api"]), "Unauthorized", "an expired bootstrap token");
}
