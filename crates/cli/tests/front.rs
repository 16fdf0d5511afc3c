//! The API front through the CLI: bundles of every front pass `validate`; a broken HAProxy,
//! keepalived or kubeconfig fails for its own reason; a real API server certificate is checked
//! against the names the nodes dial (`--apiserver-cert`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn studio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worker-studio")).args(args).current_dir(cwd).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Generates `project` (YAML) into `dir/name`, keeping the CA key for signing test certificates.
fn generate(dir: &Path, name: &str, project: &str) -> PathBuf {
    let spec = dir.join(format!("{name}.yaml"));
    fs::write(&spec, project).unwrap();
    let out = studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", name, "--include-ca-key"], dir);
    assert!(out.status.success(), "{name}: {}", text(&out.stderr));
    dir.join(name)
}

fn validate(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate", path.to_str().unwrap()];
    args.extend(extra);
    studio(&args, path.parent().unwrap())
}

fn failed_checks(out: &Output) -> Vec<String> {
    let mut ids: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL  [")?.split_once(']').map(|(id, _)| id.to_owned()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

const CURRENT: &str = "apiVersion: worker-studio/v1alpha1\nprofile: current\nkeys: {algorithm: ecdsa-p256}\n";
const GUIDE: &str = "apiVersion: worker-studio/v1alpha1\nprofile: guide-2016\nkeys: {algorithm: ecdsa-p256}\n";

#[test]
fn every_front_passes_and_its_breakages_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let fronts = [
        ("vip", format!("{CURRENT}apiFront: {{mode: keepalived-haproxy}}\n")),
        ("vip-three-unicast", format!("{CURRENT}apiFront:\n  mode: keepalived-haproxy\n  unicast: true\n  dnsName: api.example.com\n  lbHosts:\n  - {{name: lb01, ip: 192.168.2.21, interface: eth0}}\n  - {{name: lb02, ip: 192.168.2.22, interface: eth0}}\n  - {{name: lb03, ip: 192.168.2.23, interface: eth1}}\n")),
        ("on-control-plane", format!("{CURRENT}apiFront: {{mode: keepalived-haproxy, onControlPlane: true}}\n")),
        ("local", format!("{CURRENT}apiFront: {{mode: local-proxy}}\n")),
        ("guide-vip", format!("{GUIDE}apiFront: {{mode: keepalived-haproxy}}\n")),
        ("guide-local", format!("{GUIDE}apiFront: {{mode: local-proxy}}\n")),
    ];
    for (name, project) in &fronts {
        let dir = generate(tmp.path(), name, project);
        let out = validate(&dir, &[]);
        assert!(out.status.success(), "{name}:\n{}", text(&out.stdout));
        assert!(text(&out.stdout).trim_end().ends_with("0 warnings, 0 failed"), "{name}:\n{}", text(&out.stdout));
    }
    let good = tmp.path().join("vip");
    let copy = |name: &str| -> PathBuf {
        let dir = tmp.path().join(name);
        assert!(Command::new("cp").args(["-a", good.to_str().unwrap(), dir.to_str().unwrap()]).status().unwrap().success());
        dir
    };
    let edit = |path: PathBuf, from: &str, to: &str| {
        let content = fs::read_to_string(&path).unwrap();
        assert!(content.contains(from), "{} lacks {from:?}", path.display());
        fs::write(&path, content.replace(from, to)).unwrap();
    };
    let mut cases: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();

    let dir = copy("missing-backend");
    edit(dir.join("lb-hosts/lb02/etc/haproxy/haproxy.cfg"), "    server master02 192.168.2.12:6443 check check-ssl verify none\n", "");
    cases.push(("an LB host without one API server", dir, vec!["front-backends", "install-script"]));

    let dir = copy("unchecked-backend");
    edit(dir.join("lb-hosts/lb01/etc/haproxy/haproxy.cfg"), "192.168.2.12:6443 check check-ssl", "192.168.2.12:6443");
    cases.push(("an API server without a health check", dir, vec!["front-backends", "install-script"]));

    let dir = copy("two-masters");
    edit(dir.join("lb-hosts/lb02/etc/keepalived/keepalived.conf"), "state BACKUP", "state MASTER");
    cases.push(("two MASTERs", dir, vec!["front-vrrp", "install-script"]));

    let dir = copy("equal-priorities");
    edit(dir.join("lb-hosts/lb02/etc/keepalived/keepalived.conf"), "priority 100", "priority 110");
    cases.push(("equal priorities", dir, vec!["front-vrrp", "install-script"]));

    let dir = copy("weak-check");
    edit(dir.join("lb-hosts/lb01/etc/keepalived/keepalived.conf"), "weight -20", "weight -5");
    cases.push(("a check weight below the priorities' spread", dir, vec!["front-vrrp", "install-script"]));

    let dir = copy("writable-check");
    let script = dir.join("lb-hosts/lb01/etc/keepalived/check_apiserver.sh");
    assert!(Command::new("chmod").args(["0777", script.to_str().unwrap()]).status().unwrap().success());
    cases.push(("a check script anyone may change", dir, vec!["front-vrrp", "install-script"]));

    let dir = copy("other-vip");
    edit(dir.join("lb-hosts/lb02/etc/keepalived/keepalived.conf"), "192.168.2.20/24", "192.168.2.30/24");
    cases.push(("LB hosts with different VIPs", dir, vec!["front-endpoint", "front-vrrp", "install-script"]));

    let dir = copy("bypass");
    edit(dir.join("workers/worker02/etc/kubernetes/kubelet.conf"), "https://192.168.2.20:6443", "https://192.168.2.11:6443");
    cases.push(("a kubelet that bypasses the front", dir, vec!["front-endpoint", "install-script"]));

    let dir = copy("port-clash");
    edit(dir.join("lb-hosts/lb01/install-lb.sh"), "readonly LB_IP=192.168.2.21", "readonly LB_IP=192.168.2.11");
    cases.push(("HAProxy on an API server's own address and port", dir, vec!["front-ports"]));

    for (what, dir, expected) in cases {
        let out = validate(&dir, &[]);
        assert_eq!(out.status.code(), Some(1), "{what} should fail:\n{}", text(&out.stdout));
        assert_eq!(failed_checks(&out), expected, "{what}:\n{}", text(&out.stdout));
    }
}

/// Signs a serving certificate for `sans` with the bundle's CA (or self-signs it).
fn serving_certificate(bundle: &Path, name: &str, sans: &str, by_ca: bool) -> PathBuf {
    let dir = bundle.parent().unwrap();
    let (key, csr, cert) = (format!("{name}.key"), format!("{name}.csr"), format!("{name}.crt"));
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out.stderr));
    };
    run(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key]);
    let ext = format!("{name}.ext");
    fs::write(dir.join(&ext), format!("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName={sans}\n")).unwrap();
    run(&["req", "-new", "-key", &key, "-subj", "/CN=kube-apiserver", "-out", &csr]);
    let ca = bundle.join("ca-host/HOME/ca");
    let (ca_cert, ca_key) = (format!("{}.crt", ca.display()), format!("{}.key", ca.display()));
    if by_ca {
        run(&["x509", "-req", "-in", &csr, "-CA", &ca_cert, "-CAkey", &ca_key, "-set_serial", "7", "-days", "30", "-extfile", &ext, "-out", &cert]);
    } else {
        run(&["x509", "-req", "-in", &csr, "-key", &key, "-days", "30", "-extfile", &ext, "-out", &cert]);
    }
    dir.join(cert)
}

#[test]
fn an_api_server_certificate_is_checked_against_the_names_the_nodes_dial() {
    let tmp = tempfile::tempdir().unwrap();
    let named = format!("{CURRENT}apiFront: {{mode: keepalived-haproxy, dnsName: api.example.com}}\n");
    let cases = [
        ("vip", format!("{CURRENT}apiFront: {{mode: keepalived-haproxy}}\n"), "DNS:kubernetes,IP:10.3.0.1,IP:192.168.2.11,IP:192.168.2.20", "IP:192.168.2.11", "192.168.2.20"),
        ("named", named, "DNS:kubernetes,DNS:*.example.com,IP:192.168.2.11", "DNS:api.example.org,IP:192.168.2.20", "api.example.com"),
        ("local", format!("{CURRENT}apiFront: {{mode: local-proxy}}\n"), "DNS:localhost,IP:127.0.0.1,IP:192.168.2.11", "DNS:localhost,IP:192.168.2.11", "127.0.0.1"),
    ];
    for (name, project, good_sans, bad_sans, needed) in cases {
        let bundle = generate(tmp.path(), name, &project);
        let good = serving_certificate(&bundle, &format!("{name}-good"), good_sans, true);
        let out = validate(&bundle, &["--apiserver-cert", good.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: a certificate with {good_sans}:\n{}", text(&out.stdout));

        let bad = serving_certificate(&bundle, &format!("{name}-bad"), bad_sans, true);
        let out = validate(&bundle, &["--apiserver-cert", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: a certificate with {bad_sans} should fail:\n{}", text(&out.stdout));
        assert_eq!(failed_checks(&out), ["apiserver-cert"]);
        assert!(text(&out.stdout).contains(&format!("carries {needed}, which")), "{name}: the missing name is named:\n{}", text(&out.stdout));

        let foreign = serving_certificate(&bundle, &format!("{name}-foreign"), good_sans, false);
        let out = validate(&bundle, &["--apiserver-cert", foreign.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}: a self-signed certificate should fail:\n{}", text(&out.stdout));
        assert!(text(&out.stdout).contains("nodes that trust ca-host/HOME/ca.crt would refuse it"), "{}", text(&out.stdout));
    }
    let out = validate(&tmp.path().join("vip"), &["--apiserver-cert", "no-such.crt"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
