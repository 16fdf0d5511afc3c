//! The `worker-studio` binary as a user runs it: init, generate, and clear failures.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn studio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worker-studio")).args(args).current_dir(cwd).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_prints_the_guide_defaults_that_generate_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let init = studio(&["init"], tmp.path());
    assert!(init.status.success());
    let yaml = text(&init.stdout);
    assert!(yaml.contains("apiServer: https://loadbalancer.example.com") && yaml.contains("dnsIP: 10.3.0.2"), "{yaml}");
    fs::write(tmp.path().join("cluster.yaml"), &yaml).unwrap();

    let out = studio(&["generate", "--spec", "cluster.yaml", "--out", "bundle.zip"], tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("3 worker(s)"));
    let listing = Command::new("unzip").args(["-Z", "-l", "bundle.zip"]).current_dir(tmp.path()).output().unwrap();
    let listing = text(&listing.stdout);
    assert!(listing.contains("-rw-------") && listing.contains("workers/worker01/etc/kubernetes/ssl/worker.key"), "{listing}");
    assert!(!listing.contains("ca.key"), "the CA key is only exported on request");

    let out = studio(&["generate", "--spec", "cluster.yaml", "--out", "tree", "--include-ca-key"], tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = tmp.path().join("tree/ca-host/HOME/ca.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::metadata(tmp.path().join("tree/workers/worker03/install.sh")).unwrap().permissions().mode() & 0o777, 0o700);

    let again = studio(&["generate", "--spec", "cluster.yaml", "--out", "tree"], tmp.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--force"));
    assert!(studio(&["generate", "--spec", "cluster.yaml", "--out", "tree", "--force"], tmp.path()).status.success());
    assert!(!tmp.path().join("tree/ca-host/HOME/ca.key").exists(), "--force replaced the whole directory");
}

#[test]
fn a_bad_spec_names_each_field_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("bad.yaml"),
        "workers:\n- name: Worker01\n  ip: 192.168.2.1\n- name: worker02\n  ip: 192.168.2.300\ncluster:\n  dnsIP: 10.9.0.2\n",
    )
    .unwrap();
    let out = studio(&["generate", "--spec", "bad.yaml", "--out", "bundle.zip"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for field in ["workers[0].name", "workers[1].ip", "cluster.dnsIP"] {
        assert!(stderr.contains(field), "{field} missing from: {stderr}");
    }
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "nothing but the spec is left");

    fs::write(tmp.path().join("typo.yaml"), "cluster:\n  dnsIp: 10.3.0.2\n").unwrap();
    let out = studio(&["generate", "--spec", "typo.yaml", "--out", "x.zip"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cluster.dnsIp") && text(&out.stderr).contains("unknown field"), "{}", text(&out.stderr));

    fs::write(tmp.path().join("garbage.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = studio(&["generate", "--spec", "garbage.yaml", "--out", "x.zip"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = studio(&["generate", "--spec", "missing.yaml", "--out", "x.zip"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing.yaml"));
    let out = studio(&["init", "--profile", "v0.1"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("guide-2016"));
    assert!(!tmp.path().join("x.zip").exists());
}

#[test]
fn an_imported_ca_comes_from_files_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let openssl = |args: &[&str]| assert!(Command::new("openssl").args(args).current_dir(tmp.path()).output().unwrap().status.success());
    openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
    openssl(&["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=etcd-ca", "-days", "3650", "-out", "ca.crt"]);
    fs::write(tmp.path().join("cluster.yaml"), text(&studio(&["init"], tmp.path()).stdout)).unwrap();
    let out = studio(&["generate", "--spec", "cluster.yaml", "--out", "tree", "--ca-cert", "ca.crt", "--ca-key", "ca.key"], tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    openssl(&["verify", "-CAfile", "ca.crt", "tree/workers/worker02/etc/kubernetes/ssl/worker.crt", "tree/workstation/HOME/.kube/kubectl.crt"]);

    let out = studio(&["generate", "--spec", "cluster.yaml", "--out", "other", "--ca-cert", "ca.crt", "--ca-key", "cluster.yaml"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ca.key:"), "{}", text(&out.stderr));
    assert!(!tmp.path().join("other").exists());
}
