//! Every current-profile bundle variant joins a real control plane (etcd 3.6, kube-apiserver,
//! kube-controller-manager) and a real kubelet, each claim with a negative control:
//! the node's identity and NodeRestriction, kube-proxy's identity (static pod and DaemonSet), the
//! admin credential (both admin groups; another CA refused), the add-ons applied for real, and a
//! kubelet that registers, runs the kube-proxy static pod and is reached through its serving
//! certificate, which the API server verifies with the bundle's CA.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use worker_studio_cluster::admin_pki::{self, KeyType, Usage};
use worker_studio_cluster::bundle::{self, CaSource, GeneratedBundle};
use worker_studio_cluster::control_plane::{ControlPlane, ControlPlaneSpec};
use worker_studio_cluster::netns::{self, Netns};
use worker_studio_cluster::node::Node;
use worker_studio_cluster::claims::{apply_addons, kubelet_reached, kubelet_registers, kubelet_unit, refused, shown, unit_flag, whoami, write};
use worker_studio_cluster::process::{wait_until, Output};
use worker_studio_cluster::tools;

const SERVICE_CIDR: &str = "10.96.0.0/12";
const DNS_IP: &str = "10.96.0.10";
const KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";

#[derive(Clone, Copy)]
enum CaChoice {
    Generate,
    Import(KeyType),
}

struct Variant {
    tag: &'static str,
    /// The Kubernetes release of the bundle and of the components.
    release: &'static str,
    keys: &'static str,
    delivery: &'static str,
    admin_group: &'static str,
    ca: CaChoice,
    /// The third octet of the variant's 10.250.x.0/24.
    subnet: u8,
}

#[test]
fn rsa_static_pod_generated_ca_kubeadm_admins() {
    join(&Variant { tag: "rsa-sp", release: "1.37", keys: "rsa-2048", delivery: "static-pod", admin_group: "kubeadm:cluster-admins", ca: CaChoice::Generate, subnet: 1 });
}

#[test]
fn ecdsa_daemonset_imported_ecdsa_ca_system_masters() {
    join(&Variant {
        tag: "ec-ds",
        release: "1.37",
        keys: "ecdsa-p256",
        delivery: "daemonset",
        admin_group: "system:masters",
        ca: CaChoice::Import(KeyType::EcdsaP256),
        subnet: 2,
    });
}

#[test]
fn ecdsa_static_pod_imported_rsa_ca_kubeadm_admins() {
    join(&Variant {
        tag: "ec-sp",
        release: "1.37",
        keys: "ecdsa-p256",
        delivery: "static-pod",
        admin_group: "kubeadm:cluster-admins",
        ca: CaChoice::Import(KeyType::Rsa2048),
        subnet: 3,
    });
}

#[test]
fn rsa_daemonset_generated_ca_system_masters() {
    join(&Variant { tag: "rsa-ds", release: "1.37", keys: "rsa-2048", delivery: "daemonset", admin_group: "system:masters", ca: CaChoice::Generate, subnet: 4 });
}

/// The oldest supported release: its own components, the bundle for it.
#[test]
fn oldest_release_rsa_static_pod_generated_ca_kubeadm_admins() {
    join(&Variant { tag: "old-sp", release: "1.33", keys: "rsa-2048", delivery: "static-pod", admin_group: "kubeadm:cluster-admins", ca: CaChoice::Generate, subnet: 5 });
}

/// The guide's files cannot run on a current server, and `validate` says so for their own reasons.
#[test]
fn the_guide_profile_is_refused_for_a_current_server() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let bundle = bundle::generate("apiVersion: worker-studio/v1alpha1\nprofile: guide-2016\n", CaSource::Generate, tmp.path());
    let argv = [tools::worker_studio(), "validate".into(), bundle.dir.to_string_lossy().into_owned(), "--kubernetes-version".into(), "1.37".into()];
    let out = worker_studio_cluster::process::run(&argv, &[], Duration::from_secs(120));
    assert_eq!(out.status, Some(1), "validate should fail the guide's bundle for 1.37: {}", out.text());
    for check in ["[version-fit]", "[node-identity]", "[kubelet-files]"] {
        assert!(out.stdout.contains(check), "validate does not name {check}: {}", out.stdout);
    }
    shown("refused: the guide's bundle for Kubernetes 1.37", &out.stdout.lines().filter(|l| l.starts_with("FAIL")).collect::<Vec<_>>().join("; "));
}

fn project(v: &Variant, api: Ipv4Addr, workers: &[(&str, Ipv4Addr)]) -> String {
    let workers: String = workers.iter().map(|(name, ip)| format!("- {{name: {name}, ip: {ip}}}\n")).collect();
    format!(
        "apiVersion: worker-studio/v1alpha1\nprofile: current\nkubernetesVersion: '{}'\n\
         cluster: {{apiServer: 'https://{api}:6443', dnsIP: {DNS_IP}, serviceCIDR: {SERVICE_CIDR}}}\n\
         kubeProxy: {{delivery: {}}}\nkeys: {{algorithm: {}}}\n\
         kubectl: {{adminGroup: '{}', apiserverKubeletClient: {KUBELET_CLIENT}}}\nworkers:\n{workers}",
        v.release, v.delivery, v.keys, v.admin_group
    )
}

/// The value of a top-level `key:` or nested `key:` line in a small YAML document.
fn yaml_value(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")).map(|v| v.trim().trim_matches('\'').trim_matches('"').to_owned()))
        .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
}

fn join(v: &Variant) {
    netns::remove_stale();
    let tmp = tempfile::Builder::new().prefix("wstest-").tempdir().expect("a temporary directory");
    let dir = tmp.path();
    let api_ip = Ipv4Addr::new(10, 250, v.subnet, 1);
    let (w1, w2) = (Ipv4Addr::new(10, 250, v.subnet, 11), Ipv4Addr::new(10, 250, v.subnet, 12));
    let ca = match v.ca {
        CaChoice::Generate => CaSource::Generate,
        CaChoice::Import(kind) => CaSource::Import(admin_pki::new_ca(dir, "imported-ca", "worker-studio-test-ca", kind)),
    };
    let bundle = bundle::generate(&project(v, api_ip, &[("worker01", w1), ("worker02", w2)]), ca, dir);
    let (cp_ns, w1_ns) = (Netns::create(&format!("{}-cp", v.tag)), Netns::create(&format!("{}-worker01", v.tag)));
    netns::link(&cp_ns, api_ip, &w1_ns, w1);
    let plane = ControlPlane::start(
        &ControlPlaneSpec {
            release: v.release,
            ip: api_ip,
            more_apiservers: &[],
            front_names: &[],
            shutdown_delay: Duration::ZERO,
            ca: bundle.ca.clone(),
            service_cidr: SERVICE_CIDR,
            kubelet_client: KUBELET_CLIENT,
        },
        cp_ns,
        &dir.join("control-plane"),
    );
    let mut node = Node::install(w1_ns, "worker01", w1, &bundle.worker("worker01"), &dir.join("worker01"));
    let (unit_path, unit) = kubelet_unit(&bundle, "worker01");
    let kubeconfig = unit_flag(&unit, "--kubeconfig");

    node_identity(&plane, &node, &kubeconfig, dir);
    if v.delivery == "static-pod" {
        let proxy_config = bundle.text(&format!("workers/worker01{}", "/var/lib/kube-proxy/config.conf"));
        let proxy_kubeconfig = yaml_value(&proxy_config, "kubeconfig");
        let check = |args: &[&str]| node.kubectl(&proxy_kubeconfig, args);
        kube_proxy_identity(check, "system:kube-proxy", dir);
    }
    let admin = workstation(&plane, &bundle, dir);
    let grants_without_binding = v.admin_group == "system:masters";
    admin_before_addons(&plane, &admin, v.admin_group, grants_without_binding);
    other_ca_refused(&plane, v.admin_group, dir);

    node.start_kubelet(v.release, &unit_path);
    kubelet_registers(&plane, &node, w1);
    if v.delivery == "static-pod" {
        mirror_pod_appears(&plane, &node);
    }
    // Before the bundle's RBAC is applied the kubelet refuses the API server (webhook authz).
    let metrics = plane.kubectl(&plane.super_admin, &["get", "--raw", "/api/v1/nodes/worker01/proxy/metrics"]);
    refused(&metrics, "Forbidden", "the API server on the kubelet before the apiserver-to-kubelet binding");

    let applier = if grants_without_binding { admin.clone() } else { plane.super_admin.clone() };
    apply_addons(&plane, &bundle, &applier);
    admin_after_addons(&plane, &admin, v.admin_group);
    addons_work(&plane);
    if v.delivery == "daemonset" {
        daemonset_identity(&plane, &node);
    }
    kubelet_reached(&plane, &node);
    serving_certificate_checked(&plane, &mut node, &bundle, w1);
}

/// 1. The kubelet's kubeconfig is `system:node:worker01` in `system:nodes`; it writes its own Node
/// and NodeRestriction refuses it another node's.
fn node_identity(plane: &ControlPlane, node: &Node, kubeconfig: &str, dir: &Path) {
    let (user, groups) = whoami(&node.kubectl(kubeconfig, &["auth", "whoami", "-o", "json"]), "the kubelet's kubeconfig: whoami");
    assert_eq!(user, "system:node:worker01");
    assert!(groups.iter().any(|g| g == "system:nodes"), "groups {groups:?}");
    shown("the kubelet's kubeconfig authenticates", &format!("{user} in {groups:?}"));
    let node_manifest = |name: &str| write(dir, &format!("node-{name}.json"), &format!(r#"{{"apiVersion":"v1","kind":"Node","metadata":{{"name":"{name}"}}}}"#));
    let created = node.kubectl(kubeconfig, &["create", "-f", &node_manifest("worker01")]);
    assert!(created.success(), "worker01 creating its own Node: {}", created.text());
    let updated = node.kubectl(kubeconfig, &["annotate", "node", "worker01", "worker-studio.test/written-by=worker01"]);
    assert!(updated.success(), "worker01 updating its own Node: {}", updated.text());
    shown("worker01 created and updated Node worker01", &updated.stdout);
    let other = node.kubectl(kubeconfig, &["create", "-f", &node_manifest("worker02")]);
    refused(&other, "is not allowed to modify node \"worker02\"", "worker01 creating Node worker02");
    plane.admin(&["create", "-f", &node_manifest("worker02")]);
    // The Node authorizer (since 1.32 with selectors) already refuses reading another Node; a
    // patch that got past it would meet NodeRestriction.
    let other = node.kubectl(kubeconfig, &["annotate", "node", "worker02", "worker-studio.test/written-by=worker01"]);
    refused(&other, "Forbidden", "worker01 updating Node worker02");
    assert!(
        other.stderr.contains("cannot read 'worker02', only its own Node object") || other.stderr.contains("is not allowed to modify node \"worker02\""),
        "worker01 updating Node worker02 was refused for another reason: {}",
        other.text()
    );
    plane.admin(&["delete", "node", "worker01", "worker02"]);
}

/// 2. kube-proxy's identity may list and watch Services and EndpointSlices, and may not create Pods.
fn kube_proxy_identity(kubectl: impl Fn(&[&str]) -> Output, user: &str, dir: &Path) {
    let (name, groups) = whoami(&kubectl(&["auth", "whoami", "-o", "json"]), "kube-proxy's kubeconfig: whoami");
    assert_eq!(name, user);
    shown("kube-proxy's credential authenticates", &format!("{name} in {groups:?}"));
    for resource in ["services", "endpointslices.discovery.k8s.io"] {
        let listed = kubectl(&["get", resource, "--all-namespaces"]);
        assert!(listed.success(), "{user} listing {resource}: {}", listed.text());
        let watch = kubectl(&["auth", "can-i", "watch", resource, "--all-namespaces"]);
        assert_eq!(watch.stdout.trim(), "yes", "{user} may watch {resource}: {}", watch.text());
        shown(&format!("{user} lists and may watch {resource}"), &listed.stdout);
    }
    let pod = write(
        dir,
        "pod.json",
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"not-allowed","namespace":"default"},"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.10"}]}}"#,
    );
    refused(&kubectl(&["create", "-f", &pod]), "Forbidden", &format!("{user} creating a Pod"));
}

/// The workstation's kubectl set up by the bundle's own setup-kubectl.sh in a fresh HOME.
fn workstation(plane: &ControlPlane, bundle: &GeneratedBundle, dir: &Path) -> std::path::PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).expect("HOME");
    let path = format!("{}:{}", tools::components_dir(), std::env::var("PATH").unwrap_or_default());
    let script = bundle.path("workstation/setup-kubectl.sh").to_string_lossy().into_owned();
    let out = plane.run_script(&["bash".into(), script], &[("HOME", &home.to_string_lossy()), ("PATH", &path), ("KUBECONFIG", "")]);
    assert!(out.success(), "setup-kubectl.sh: {}", out.text());
    home.join(".kube/config")
}

/// 3. The admin credential: its group is in the certificate; `system:masters` needs no binding,
/// `kubeadm:cluster-admins` nothing until the bundle's binding is applied.
fn admin_before_addons(plane: &ControlPlane, admin: &Path, group: &str, grants_without_binding: bool) {
    let (_, groups) = whoami(&plane.kubectl(admin, &["auth", "whoami", "-o", "json"]), "the admin credential: whoami");
    assert!(groups.iter().any(|g| g == group), "groups {groups:?} lack {group}");
    shown("the admin credential from setup-kubectl.sh authenticates", &format!("{groups:?}"));
    let nodes = plane.kubectl(admin, &["get", "nodes"]);
    if grants_without_binding {
        assert!(nodes.success(), "system:masters before any binding: {}", nodes.text());
        shown("system:masters works before any binding", &format!("{}{}", nodes.stdout, nodes.stderr));
    } else {
        refused(&nodes, "Forbidden", "kubeadm:cluster-admins before the bundle's binding");
    }
}

fn admin_after_addons(plane: &ControlPlane, admin: &Path, group: &str) {
    let created = plane.kubectl(admin, &["create", "namespace", "worker-studio-test"]);
    assert!(created.success(), "{group} creating a namespace: {}", created.text());
    let deleted = plane.kubectl(admin, &["delete", "namespace", "worker-studio-test", "--wait=false"]);
    assert!(deleted.success(), "{group} deleting a namespace: {}", deleted.text());
    shown(&format!("the {group} admin writes"), &created.stdout);
}

/// The same subject from another CA is no admin at all.
fn other_ca_refused(plane: &ControlPlane, group: &str, dir: &Path) {
    let other = admin_pki::new_ca(dir, "other-ca", "kube-ca", KeyType::EcdsaP256);
    let leaf = admin_pki::issue(&other, dir, "forged-admin", &format!("/O={group}/CN=kubernetes-admin"), Usage::Client);
    let kubeconfig = admin_pki::kubeconfig(dir, "forged-admin", &plane.url, &plane.ca.cert, &leaf);
    refused(&plane.kubectl(&kubeconfig, &["get", "nodes"]), "Unauthorized", "an admin certificate from another CA");
}

fn addons_work(plane: &ControlPlane) {
    let ip = plane.admin(&["get", "service", "kube-dns", "-n", "kube-system", "-o", "jsonpath={.spec.clusterIP}"]);
    assert_eq!(ip.trim(), DNS_IP, "the DNS Service's cluster IP");
    shown("the DNS Service has the spec's cluster IP", &ip);
    let coredns = "--as=system:serviceaccount:kube-system:coredns";
    for resource in ["endpoints", "services", "pods", "namespaces", "endpointslices.discovery.k8s.io"] {
        for verb in ["list", "watch"] {
            let out = plane.kubectl(&plane.super_admin, &["auth", "can-i", verb, resource, "--all-namespaces", coredns]);
            assert_eq!(out.stdout.trim(), "yes", "CoreDNS may {verb} {resource}: {}", out.text());
        }
    }
    for (verb, resource) in [("create", "pods"), ("list", "secrets"), ("update", "services")] {
        let out = plane.kubectl(&plane.super_admin, &["auth", "can-i", verb, resource, "--all-namespaces", coredns]);
        assert_eq!(out.stdout.trim(), "no", "CoreDNS may not {verb} {resource}: {}", out.text());
    }
    shown("CoreDNS's ServiceAccount may list/watch what it reads, and no more", "impersonated");
}

/// 2, DaemonSet delivery: the kubeconfig from the bundle's ConfigMap, with a real ServiceAccount
/// token and the cluster's published CA where the pod would have them.
fn daemonset_identity(plane: &ControlPlane, node: &Node) {
    let kubeconfig = plane.admin(&["get", "configmap", "kube-proxy", "-n", "kube-system", "-o", "jsonpath={.data.kubeconfig\\.conf}"]);
    let token = plane.admin(&["create", "token", "kube-proxy", "-n", "kube-system", "--duration=10m"]);
    let ca = wait_until("the kube-root-ca.crt ConfigMap", Duration::from_secs(60), &plane.processes(), || {
        let out = plane.kubectl(&plane.super_admin, &["get", "configmap", "kube-root-ca.crt", "-n", "kube-system", "-o", "jsonpath={.data.ca\\.crt}"]);
        if out.success() && out.stdout.contains("BEGIN CERTIFICATE") {
            Ok(out.stdout)
        } else {
            Err(out.text())
        }
    });
    let token_file = yaml_value(&kubeconfig, "tokenFile");
    let account = Path::new(&token_file).parent().expect("the token's directory").to_owned();
    node.put(&account.join("token"), token.trim());
    node.put(&account.join("ca.crt"), &ca);
    let file = node.dir.join("kube-proxy-daemonset.kubeconfig");
    std::fs::write(&file, &kubeconfig).expect("kubeconfig");
    let file = file.to_string_lossy().into_owned();
    kube_proxy_identity(|args| node.kubectl(&file, args), "system:serviceaccount:kube-system:kube-proxy", &node.dir);
}

fn mirror_pod_appears(plane: &ControlPlane, node: &Node) {
    let watched = [plane.processes(), node.processes()].concat();
    wait_until("the kube-proxy static pod's mirror pod", Duration::from_secs(120), &watched, || {
        let out = plane.kubectl(&plane.super_admin, &["get", "pod", "kube-proxy-worker01", "-n", "kube-system", "-o", "json"]);
        if !out.success() {
            return Err(out.text());
        }
        let pod: Value = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
        let mirror = pod["metadata"]["annotations"]["kubernetes.io/config.mirror"].is_string();
        let on_node = pod["spec"]["nodeName"] == "worker01";
        if mirror && on_node {
            Ok(())
        } else {
            Err(format!("mirror annotation {mirror}, nodeName {}", pod["spec"]["nodeName"]))
        }
    });
    shown("the kube-proxy static pod's mirror pod", "kube-system/kube-proxy-worker01 on worker01");
}

/// A kubelet presenting worker02's serving certificate at worker01's address is refused; the
/// same TLS server with worker01's own certificate is accepted (the control).
fn serving_certificate_checked(plane: &ControlPlane, node: &mut Node, bundle: &GeneratedBundle, ip: Ipv4Addr) {
    node.stop_kubelet();
    let serve = |node: &mut Node, worker: &str| {
        let pki = bundle.worker(worker).join("var/lib/kubelet/pki");
        let argv = vec![
            "openssl".to_owned(),
            "s_server".into(),
            "-accept".into(),
            format!("{ip}:10250"),
            "-cert".into(),
            pki.join("kubelet.crt").to_string_lossy().into_owned(),
            "-key".into(),
            pki.join("kubelet.key").to_string_lossy().into_owned(),
            "-www".into(),
        ];
        let probe = node.netns.exec(&["bash", "-c", &format!("exec 3<>/dev/tcp/{ip}/10250")]);
        let server = node.start(&format!("s_server-{worker}"), &argv);
        wait_until("a TLS server on worker01's kubelet port", Duration::from_secs(20), &[server], || {
            let out = worker_studio_cluster::process::run(&probe, &[], Duration::from_secs(5));
            if out.success() {
                Ok(())
            } else {
                Err(out.text())
            }
        });
    };
    serve(node, "worker01");
    let own = plane.kubectl(&plane.super_admin, &["get", "--raw", "/api/v1/nodes/worker01/proxy/"]);
    assert!(own.success(), "worker01's own serving certificate (the control): {}", own.text());
    shown("worker01's own serving certificate is accepted (the control)", &own.stdout);
    node.stop_kubelet();
    serve(node, "worker02");
    let forged = plane.kubectl(&plane.super_admin, &["get", "--raw", "/api/v1/nodes/worker01/proxy/"]);
    assert!(!forged.success(), "worker02's serving certificate at worker01's address was accepted: {}", forged.text());
    assert!(forged.stderr.contains("x509") || forged.stderr.contains("certificate"), "refused, but not for the certificate: {}", forged.text());
    shown("refused: worker02's serving certificate at worker01's address", &forged.stderr);
}
