//! `worker-studio validate`: the studio's own bundles pass for every key type; broken bundles and
//! hand-written directories are judged file by file, each failure for its own reason.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn studio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worker-studio")).args(args).current_dir(cwd).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes a project with `edit` applied to the default, generates it into `out`, returns its path.
fn bundle(dir: &Path, name: &str, algorithm: &str, workers: usize) -> PathBuf {
    let init = text(&studio(&["init"], dir).stdout);
    let mut yaml = init.replace("algorithm: rsa-2048", &format!("algorithm: {algorithm}"));
    if workers == 1 {
        yaml = yaml.replace("- name: worker02\n  ip: 192.168.2.2\n- name: worker03\n  ip: 192.168.2.3\n", "");
    }
    let spec = dir.join(format!("{name}.yaml"));
    fs::write(&spec, yaml).unwrap();
    let out = studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", name, "--include-ca-key"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join(name)
}

/// The check ids that failed, from the `FAIL  [id] ...` lines.
fn failed_checks(out: &Output) -> Vec<String> {
    let mut ids: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL  [")?.split_once(']').map(|(id, _)| id.to_owned()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn validate(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["validate", path.to_str().unwrap()];
    args.extend(extra);
    studio(&args, path.parent().unwrap())
}

#[test]
fn the_studios_own_bundles_pass_for_every_key_type() {
    let tmp = tempfile::tempdir().unwrap();
    for (algorithm, workers) in [("rsa-2048", 3), ("rsa-3072", 1), ("rsa-4096", 1), ("ecdsa-p256", 3), ("ecdsa-p384", 3)] {
        let dir = bundle(tmp.path(), algorithm, algorithm, workers);
        let out = validate(&dir, &[]);
        assert!(out.status.success(), "{algorithm}:\n{}", text(&out.stdout));
        let summary = text(&out.stdout).lines().last().unwrap_or_default().to_owned();
        assert!(summary.ends_with("0 warnings, 0 failed"), "{algorithm}: {summary}");
        let checks = fs::read_to_string(dir.join("CHECKS.md")).unwrap();
        assert!(checks.contains(" 0 failed."), "{algorithm}: CHECKS.md says {checks}");
    }
}

#[test]
fn a_zip_and_a_hand_written_directory_are_checked_too() {
    let tmp = tempfile::tempdir().unwrap();
    let spec_text = text(&studio(&["init"], tmp.path()).stdout);
    fs::write(tmp.path().join("cluster.yaml"), &spec_text).unwrap();
    assert!(studio(&["generate", "--spec", "cluster.yaml", "--out", "bundle.zip"], tmp.path()).status.success());
    let out = validate(&tmp.path().join("bundle.zip"), &[]);
    assert!(out.status.success(), "{}", text(&out.stdout));

    // Files as an admin might keep them: no scripts, no README, no CHECKS.md, no CA host scripts.
    let dir = bundle(tmp.path(), "hand", "ecdsa-p256", 3);
    for file in ["README.txt", "CHECKS.md", "workers/worker01/install.sh", "workers/worker01/keys-on-node.sh", "ca-host/sign-worker01.sh"] {
        fs::remove_file(dir.join(file)).unwrap();
    }
    let out = validate(&dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = validate(&dir, &["--spec", tmp.path().join("hand.yaml").to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn broken_bundles_fail_for_their_own_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let good = bundle(tmp.path(), "good", "ecdsa-p256", 3);
    let other = bundle(tmp.path(), "other", "ecdsa-p256", 3);
    let ssl = "workers/worker01/etc/kubernetes/ssl";
    let copy = |name: &str| -> PathBuf {
        let dir = tmp.path().join(name);
        assert!(Command::new("cp").args(["-a", good.to_str().unwrap(), dir.to_str().unwrap()]).status().unwrap().success());
        dir
    };
    let edit = |path: PathBuf, from: &str, to: &str| {
        let content = fs::read_to_string(&path).unwrap();
        assert!(content.contains(from), "{} lacks {from:?}", path.display());
        fs::write(&path, content.replacen(from, to, 1)).unwrap();
    };
    let openssl = |args: &[&str], cwd: &Path| assert!(Command::new("openssl").args(args).current_dir(cwd).status().unwrap().success());

    let mut cases: Vec<(&str, PathBuf, Vec<&str>, Vec<&str>)> = Vec::new();

    let dir = copy("wrong-ca");
    fs::copy(other.join(format!("{ssl}/worker.crt")), dir.join(format!("{ssl}/worker.crt"))).unwrap();
    cases.push(("a certificate signed by another CA", dir, vec![], vec!["chain", "client-cert", "csr", "install-script", "key-match"]));

    let dir = copy("mismatch");
    fs::copy(other.join(format!("{ssl}/worker.key")), dir.join(format!("{ssl}/worker.key"))).unwrap();
    cases.push(("a key that does not match its certificate", dir, vec![], vec!["client-cert", "csr", "install-script", "key-match"]));

    let dir = copy("no-san");
    let ssl_dir = dir.join(ssl);
    openssl(&["x509", "-req", "-in", "worker.csr", "-CA", "../../../../../ca-host/HOME/ca.crt", "-CAkey", "../../../../../ca-host/HOME/ca.key", "-CAcreateserial", "-out", "worker.crt", "-days", "30"], &ssl_dir);
    fs::remove_file(dir.join("ca-host/HOME/ca.srl")).ok();
    cases.push(("a worker certificate without its IP SAN", dir, vec![], vec!["identity", "install-script"]));

    let dir = copy("dns-ip");
    edit(dir.join("cluster-addons/kube-dns-svc.yaml"), "clusterIP: 10.3.0.2", "clusterIP: 10.3.0.10");
    cases.push(("a DNS Service IP that differs from --cluster-dns", dir, vec![], vec!["cluster-dns"]));

    let dir = copy("bad-yaml");
    edit(dir.join("workers/worker02/etc/kubernetes/worker-kubeconfig.yaml"), "clusters:\n", "clusters: [\n");
    cases.push(("a malformed kubeconfig", dir, vec![], vec!["install-script", "yaml"]));

    let dir = copy("syntax");
    edit(dir.join("workers/worker03/keys-on-node.sh"), "set -euo pipefail\n", "set -euo pipefail\nif then\n");
    cases.push(("a script with a syntax error", dir, vec![], vec!["script-syntax"]));

    let dir = copy("open-key");
    fs::set_permissions(dir.join(format!("{ssl}/worker.key")), std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    cases.push(("a 0644 private key", dir, vec![], vec!["install-script", "key-modes"]));

    let dir = copy("ca-key");
    fs::copy(good.join("ca-host/HOME/ca.key"), dir.join(format!("{ssl}/ca.key"))).unwrap();
    cases.push(("the CA key on a worker", dir, vec![], vec!["ca-key"]));

    // A file whose other PEM block is broken (a BEGIN without its END) still shows the CA key it holds.
    let dir = copy("ca-key-among-broken-pem");
    let ca_key = fs::read_to_string(good.join("ca-host/HOME/ca.key")).unwrap();
    let held = dir.join(format!("{ssl}/everything.pem"));
    fs::write(&held, format!("-----BEGIN CERTIFICATE-----\nnot base64 at all\n{ca_key}")).unwrap();
    fs::set_permissions(&held, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    cases.push(("the CA key on a worker beside a broken PEM block", dir, vec![], vec!["ca-key", "key-match"]));

    let dir = copy("stale-script");
    edit(dir.join("workers/worker02/etc/systemd/system/kubelet.service"), "RestartSec=10", "RestartSec=5");
    cases.push(("an install.sh whose copy of a file is stale", dir, vec![], vec!["install-script"]));

    let dir = copy("no-proxy");
    fs::remove_file(dir.join("workers/worker03/etc/kubernetes/manifests/kube-proxy")).unwrap();
    cases.push(("no kube-proxy static pod", dir, vec![], vec!["install-script", "static-pod"]));

    cases.push(("the guide's flags on Kubernetes 1.15", good.clone(), vec!["--kubernetes-version", "1.15"], vec!["kubelet-files", "node-identity", "version-fit"]));

    for (what, dir, extra, expected) in cases {
        let out = validate(&dir, &extra);
        assert_eq!(out.status.code(), Some(1), "{what} should fail:\n{}", text(&out.stdout));
        assert_eq!(failed_checks(&out), expected, "{what}:\n{}", text(&out.stdout));
    }
}

#[test]
fn validate_reports_unreadable_input_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("junk.zip"), b"not a zip").unwrap();
    let out = studio(&["validate", "junk.zip"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a readable zip"), "{}", text(&out.stderr));
    let out = studio(&["validate", "missing-dir"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let out = studio(&["validate", ".", "--kubernetes-version", "one.two"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("MAJOR.MINOR"), "{}", text(&out.stderr));
}

/// A current-profile bundle from `init --profile current`, edited by `edit`.
fn current_bundle(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let init = studio(&["init", "--profile", "current"], dir);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let spec = dir.join(format!("{name}.yaml"));
    fs::write(&spec, edit(text(&init.stdout).replace("algorithm: rsa-2048", "algorithm: ecdsa-p256"))).unwrap();
    let out = studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", name, "--include-ca-key"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join(name)
}

#[test]
fn current_profile_bundles_pass_and_their_breakages_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, edit) in [
        ("static", Box::new(|t: String| t) as Box<dyn Fn(String) -> String>),
        ("daemonset", Box::new(|t: String| t.replace("delivery: static-pod", "delivery: daemonset"))),
        ("oldest", Box::new(|t: String| t.replace("kubernetesVersion: '1.37'", "kubernetesVersion: '1.33'").replace("mode: iptables", "mode: nftables"))),
    ] {
        let dir = current_bundle(tmp.path(), name, edit);
        let out = validate(&dir, &[]);
        assert!(out.status.success(), "{name}:\n{}", text(&out.stdout));
        assert!(text(&out.stdout).trim_end().ends_with("0 warnings, 0 failed"), "{name}:\n{}", text(&out.stdout));
        let readme = fs::read_to_string(dir.join("README.txt")).unwrap();
        assert!(readme.contains("Since 2016"), "{name}: the README explains what changed");
    }

    let good = tmp.path().join("static");
    let copy = |name: &str| -> PathBuf {
        let dir = tmp.path().join(name);
        assert!(Command::new("cp").args(["-a", good.to_str().unwrap(), dir.to_str().unwrap()]).status().unwrap().success());
        dir
    };
    let openssl = |args: &[&str], cwd: &Path| assert!(Command::new("openssl").args(args).current_dir(cwd).status().unwrap().success());
    let mut cases: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();

    // The guide's identity with the current key: the Node authorizer would refuse this kubelet.
    let dir = copy("cn-hostname");
    let pki = dir.join("workers/worker01/var/lib/kubelet/pki");
    let ca = "../../../../../../ca-host/HOME/ca";
    openssl(&["req", "-new", "-key", "kubelet-client.key", "-subj", "/CN=worker01", "-out", "guide.csr"], &pki);
    openssl(&["x509", "-req", "-in", "guide.csr", "-CA", &format!("{ca}.crt"), "-CAkey", &format!("{ca}.key"), "-CAcreateserial", "-out", "kubelet-client.crt", "-days", "30"], &pki);
    fs::remove_file(pki.join("guide.csr")).unwrap();
    fs::remove_file(dir.join("ca-host/HOME/ca.srl")).ok();
    cases.push(("a kubelet client certificate with the guide's CN", dir, vec!["install-script", "node-identity"]));

    let dir = copy("no-config");
    fs::remove_file(dir.join("workers/worker02/var/lib/kubelet/config.yaml")).unwrap();
    cases.push(("a missing KubeletConfiguration", dir, vec!["install-script", "kubelet-files"]));

    let dir = copy("future-field");
    let config = dir.join("workers/worker03/var/lib/kubelet/config.yaml");
    let content = fs::read_to_string(&config).unwrap();
    fs::write(&config, content.replace("kind: KubeletConfiguration", "kind: KubeletConfig")).unwrap();
    cases.push(("a KubeletConfiguration of the wrong kind", dir, vec!["install-script", "kubelet-config"]));

    let dir = copy("proxy-as-node");
    let proxy = dir.join("workers/worker02/var/lib/kube-proxy");
    fs::copy(dir.join("workers/worker02/var/lib/kubelet/pki/kubelet-client.crt"), proxy.join("kube-proxy.crt")).unwrap();
    fs::copy(dir.join("workers/worker02/var/lib/kubelet/pki/kubelet-client.key"), proxy.join("kube-proxy.key")).unwrap();
    cases.push(("kube-proxy running on the kubelet's credentials", dir, vec!["install-script", "proxy-identity"]));

    let dir = copy("no-proxy");
    fs::remove_file(dir.join("workers/worker03/etc/kubernetes/manifests/kube-proxy.yaml")).unwrap();
    cases.push(("no kube-proxy at all", dir, vec!["install-script", "static-pod"]));

    for (what, dir, expected) in cases {
        let out = validate(&dir, &[]);
        assert_eq!(out.status.code(), Some(1), "{what} should fail:\n{}", text(&out.stdout));
        assert_eq!(failed_checks(&out), expected, "{what}:\n{}", text(&out.stdout));
    }
}

/// A bootstrap-token bundle: only the cluster CA's certificate goes in, no node key comes out.
fn bootstrap_bundle(dir: &Path) -> PathBuf {
    let openssl = |args: &[&str]| assert!(Command::new("openssl").args(args).current_dir(dir).status().unwrap().success());
    openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "cluster-ca.key"]);
    openssl(&[
        "req", "-x509", "-new", "-key", "cluster-ca.key", "-subj", "/CN=kubernetes", "-days", "3650", "-out", "cluster-ca.crt",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    let certificate: String = fs::read_to_string(dir.join("cluster-ca.crt")).unwrap().lines().map(|l| format!("    {l}\n")).collect();
    let init = text(&studio(&["init", "--profile", "current"], dir).stdout);
    let yaml = init.replace("delivery: static-pod", "delivery: daemonset").replace("method: certificates", "method: bootstrap-token")
        + &format!("ca:\n  source: import\n  certificate: |\n{certificate}");
    let yaml = yaml.replacen("ca:\n  source: generate\n  commonName: kube-ca\n  validityDays: 3650\n", "", 1);
    let spec = dir.join("bootstrap.yaml");
    fs::write(&spec, yaml).unwrap();
    let out = studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", "bootstrap"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir.join("bootstrap")
}

#[test]
fn bootstrap_token_bundles_pass_and_their_breakages_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let good = bootstrap_bundle(tmp.path());
    let out = validate(&good, &[]);
    assert!(out.status.success() && text(&out.stdout).trim_end().ends_with("0 warnings, 0 failed"), "{}", text(&out.stdout));
    let keys = Command::new("grep").args(["-rl", "PRIVATE KEY", good.to_str().unwrap()]).output().unwrap();
    assert!(keys.stdout.is_empty(), "no private key anywhere in the bundle: {}", text(&keys.stdout));

    let copy = |name: &str| -> PathBuf {
        let dir = tmp.path().join(name);
        assert!(Command::new("cp").args(["-a", good.to_str().unwrap(), dir.to_str().unwrap()]).status().unwrap().success());
        dir
    };
    let edit = |path: &Path, from: &str, to: &str| {
        let content = fs::read_to_string(path).unwrap();
        assert!(content.contains(from), "{} lacks {from}", path.display());
        fs::write(path, content.replace(from, to)).unwrap();
    };
    let secret_of = |dir: &Path| dir.join("cluster-addons/bootstrap-token-secret.yaml");
    let secret_text = fs::read_to_string(secret_of(&good)).unwrap();
    // The value as the file spells it (quoted or not).
    let field = |name: &str| secret_text.lines().find_map(|l| l.trim().strip_prefix(&format!("{name}: "))).unwrap().to_owned();
    let mut cases: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();

    let dir = copy("wrong-token");
    edit(&secret_of(&dir), &format!("token-secret: {}", field("token-secret")), "token-secret: 0000000000000000");
    cases.push(("a token the Secret does not hold", dir, vec!["bootstrap-token"]));

    let dir = copy("expired");
    edit(&secret_of(&dir), &format!("expiration: {}", field("expiration")), "expiration: '2020-01-01T00:00:00Z'");
    cases.push(("an expired token", dir, vec!["bootstrap-token"]));

    let dir = copy("no-approval");
    fs::remove_file(dir.join("cluster-addons/bootstrap-autoapprove-clusterrolebinding.yaml")).unwrap();
    cases.push(("no binding that approves node client CSRs", dir, vec!["bootstrap-rbac"]));

    let dir = copy("no-serving-bootstrap");
    edit(&dir.join("workers/worker02/var/lib/kubelet/config.yaml"), "serverTLSBootstrap: true\n", "");
    cases.push(("a kubelet that serves a self-signed certificate", dir, vec!["install-script", "rotation"]));

    let dir = copy("node-key");
    let key = dir.join("workers/worker03/etc/kubernetes/pki/node.key");
    assert!(Command::new("openssl").args(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"]).arg(&key).status().unwrap().success());
    cases.push(("a private key on a worker", dir, vec!["key-match", "no-node-key"]));

    for (what, dir, expected) in cases {
        let out = validate(&dir, &[]);
        assert_eq!(out.status.code(), Some(1), "{what} should fail:\n{}", text(&out.stdout));
        assert_eq!(failed_checks(&out), expected, "{what}:\n{}", text(&out.stdout));
        if what == "an expired token" {
            assert!(text(&out.stdout).contains("the token expired 2020-01-01"), "{}", text(&out.stdout));
        }
    }
}
