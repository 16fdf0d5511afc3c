//! The same keys, spec and `now` give the same bundle, byte for byte: every artifact (content,
//! note, mode, kind, path) and the zip of a handful of specs of both profiles, against snapshots
//! recorded in `fixtures/snapshots/`. RSA signatures (PKCS#1 v1.5) and serial numbers (keyed by
//! the CA) are deterministic, so any change to a byte of output shows here; ECDSA signatures are
//! randomized, which is why these specs use the fixture's RSA keys.
//!
//! A change that is meant to alter output: `WORKER_STUDIO_UPDATE_SNAPSHOTS=1 cargo test --test
//! snapshots`, then read the diff of the snapshot files before committing it.

use std::fmt::Write as _;
use std::path::PathBuf;

use studio::pki::{BootstrapToken, KeySet, PrivateKey};
use studio::{key_requests, RenderOptions, SpecFile};

/// 2027-01-15, inside the fixture CA's validity.
const NOW: i64 = 1_800_000_000;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Test-only RSA-2048 keys (never use them anywhere), handed out in key-request order.
fn keys_for(file: &SpecFile) -> KeySet {
    let spec = file.validate(NOW).unwrap_or_else(|e| panic!("snapshot spec is invalid: {e:?}"));
    let pool: Vec<PrivateKey> = pem::parse_many(fixture("keys.pem"))
        .expect("keys.pem")
        .iter()
        .map(|block| PrivateKey::from_pkcs8_der(block.contents()).expect("a PKCS#8 key"))
        .collect();
    let requests = key_requests(&spec);
    assert!(requests.len() <= pool.len(), "the spec needs {} keys; keys.pem has {}", requests.len(), pool.len());
    let mut keys = KeySet::default();
    for (request, key) in requests.into_iter().zip(pool) {
        keys.insert(request.id, key);
    }
    if spec.bootstrap().is_some() {
        keys.set_token(BootstrapToken::parse("snapsh.0t0ken0f0fixture").expect("a token"));
    }
    keys
}

fn imported_ca(yaml: &str) -> String {
    let indent = |text: String| text.lines().map(|l| format!("    {l}\n")).collect::<String>();
    format!(
        "{yaml}ca:\n  source: import\n  certificate: |\n{}  key: |\n{}",
        indent(fixture("imported-ca.crt")),
        indent(fixture("imported-ca.key"))
    )
}

/// The specs: both profiles, generated and imported CAs, both kube-proxy deliveries, IPv6, the
/// oldest and newest supported releases, custom paths, a bootstrap-token join, and each API front
/// (a VIP on LB hosts, one on the control plane with unicast VRRP, a local proxy per worker).
fn specs() -> Vec<(&'static str, String, bool)> {
    let guide = "apiVersion: worker-studio/v1alpha1\nprofile: guide-2016\nkeys: {algorithm: rsa-2048}\n";
    let current = "apiVersion: worker-studio/v1alpha1\nprofile: current\nkeys: {algorithm: rsa-2048}\n";
    vec![
        ("guide-default", guide.to_owned(), false),
        (
            "guide-imported-ipv6",
            imported_ca(&format!(
                "{guide}workers:\n- {{name: worker01, ip: 192.168.2.1}}\n- {{name: node-b, ip: 'fd00::b'}}\n\
                 paths: {{sslDir: /opt/k8s/ssl, kubeconfig: /opt/k8s/kubeconfig.yaml}}\n"
            )),
            false,
        ),
        ("current-default-with-ca-key", current.to_owned(), true),
        (
            "current-daemonset-masters-133",
            format!(
                "{current}kubernetesVersion: '1.33'\nkubeProxy: {{mode: nftables, delivery: daemonset}}\n\
                 kubectl: {{adminGroup: 'system:masters'}}\nworkers:\n- {{name: w1, ip: 10.0.0.1}}\n- {{name: w2, ip: 10.0.0.2}}\n"
            ),
            false,
        ),
        (
            "current-imported-1372-paths",
            imported_ca(&format!(
                "{current}kubernetesVersion: '1.37.2'\ncluster: {{apiServer: 'https://10.250.1.1:6443', dnsIP: 10.96.0.10, serviceCIDR: 10.96.0.0/12}}\n\
                 kubelet: {{resolvConf: /run/systemd/resolve/resolv.conf}}\n\
                 paths: {{kubeletConfig: /etc/kubernetes/kubelet-config.yaml, kubeProxyDir: /etc/kubernetes/kube-proxy}}\n\
                 workers:\n- {{name: worker01, ip: 10.250.1.11}}\n"
            )),
            false,
        ),
        (
            "current-bootstrap-token",
            format!(
                "{current}kubeProxy: {{delivery: daemonset}}\njoin: {{method: bootstrap-token, tokenTTL: 2h30m}}\n\
                 workers:\n- {{name: worker01, ip: 10.0.0.1}}\n- {{name: node-b, ip: 'fd00::b'}}\n\
                 ca:\n  source: import\n  certificate: |\n{}",
                fixture("imported-ca.crt").lines().map(|l| format!("    {l}\n")).collect::<String>()
            ),
            false,
        ),
        ("current-vip-front", format!("{current}apiFront: {{mode: keepalived-haproxy}}\n"), true),
        (
            "guide-local-proxy",
            format!("{guide}apiFront:\n  mode: local-proxy\n  balance: leastconn\n  apiServers:\n  - {{name: master01, ip: 192.168.1.11}}\n  - {{name: master02, ip: 'fd00::12', port: 443}}\n"),
            false,
        ),
        (
            "current-bootstrap-front-on-control-plane",
            format!(
                "{current}kubeProxy: {{delivery: daemonset}}\njoin: {{method: bootstrap-token}}\n\
                 apiFront:\n  mode: keepalived-haproxy\n  onControlPlane: true\n  unicast: true\n  dnsName: api.example.com\n  virtualRouterId: 7\n\
                 \x20 apiServers:\n  - {{name: cp1, ip: 10.0.0.11}}\n  - {{name: cp2, ip: 10.0.0.12}}\n  - {{name: cp3, ip: 10.0.0.13}}\n\
                 \x20 lbHosts:\n  - {{name: cp1, ip: 10.0.0.11, interface: ens18}}\n  - {{name: cp2, ip: 10.0.0.12, interface: ens18}}\n  - {{name: cp3, ip: 10.0.0.13, interface: ens18}}\n\
                 \x20 vip: 10.0.0.10\n  prefixLength: 24\n\
                 workers:\n- {{name: worker01, ip: 10.0.0.21}}\n\
                 ca:\n  source: import\n  certificate: |\n{}",
                fixture("imported-ca.crt").lines().map(|l| format!("    {l}\n")).collect::<String>()
            ),
            false,
        ),
    ]
}

fn digest(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// One line per artifact and one for the zip.
fn snapshot(yaml: &str, include_ca_key: bool) -> String {
    let file = SpecFile::from_yaml(yaml).expect("snapshot spec parses");
    let spec = file.validate(NOW).expect("snapshot spec validates");
    let (bundle, report) = studio::generate_checked(&spec, &keys_for(&file), RenderOptions { now: NOW, include_ca_key }).expect("generates");
    assert!(!report.has_failures(), "a snapshot bundle fails its checks:\n{}", report.to_text());
    let mut out = String::new();
    for a in &bundle.artifacts {
        let _ = writeln!(out, "{} {} {:04o} {:?} {}", digest(a.content.as_bytes()), &digest(a.note.as_bytes())[..12], a.mode, a.kind, a.zip_path());
    }
    let _ = writeln!(out, "{} zip", digest(&bundle.to_zip(NOW).expect("zips")));
    out
}

#[test]
fn bundles_are_byte_identical_to_their_snapshots() {
    let update = std::env::var_os("WORKER_STUDIO_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for (name, yaml, include_ca_key) in specs() {
        let got = snapshot(&yaml, include_ca_key);
        assert_eq!(got, snapshot(&yaml, include_ca_key), "{name}: two runs with the same inputs differ");
        let path = fixtures().join(format!("{name}.txt"));
        if update {
            std::fs::write(&path, &got).expect("writing the snapshot");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let changed: Vec<&str> = got.lines().filter(|l| !want.lines().any(|w| w == *l)).collect();
            let gone: Vec<&str> = want.lines().filter(|l| !got.lines().any(|g| g == *l)).collect();
            failures.push(format!("{name}:\n  now:\n    {}\n  was:\n    {}", changed.join("\n    "), gone.join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "bundles differ from their snapshots:\n{}", failures.join("\n"));
}
