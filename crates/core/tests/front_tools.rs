//! The API front's files handed to the tools an operator has: the static pods to the official
//! schemas (kubernetes-validate), every script to bash -n and shellcheck, the kubelet unit that
//! waits for the local proxy to systemd-analyze, install-lb.sh's ROOT run staging exactly the LB
//! host's files, and check-apiserver-cert.sh to certificates made with openssl.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{files_below, mode, run, run_env};
use studio::input::SpecFile;
use studio::release::ProfileId;
use studio::spec::FrontMode;
use studio::{Bundle, ClusterSpec};

fn spec(profile: ProfileId, mode: FrontMode, edit: impl FnOnce(&mut SpecFile)) -> ClusterSpec {
    let mut file = SpecFile::defaults(profile).switch_front(mode);
    file.keys.algorithm = "ecdsa-p256".into();
    edit(&mut file);
    file.validate(common::now()).unwrap_or_else(|e| panic!("{e:?}"))
}

fn unpacked(spec: &ClusterSpec) -> (tempfile::TempDir, PathBuf, Bundle) {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = common::generate(spec, true);
    let root = common::unpack(&bundle, tmp.path());
    (tmp, root, bundle)
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scripts(root: &Path) -> Vec<PathBuf> {
    files_below(root).into_iter().filter(|p| p.to_string_lossy().ends_with(".sh")).collect()
}

#[test]
fn the_static_pods_on_the_control_plane_pass_the_official_schemas() {
    let (_tmp, root, _) = unpacked(&spec(ProfileId::Current, FrontMode::KeepalivedHaproxy, |f| f.api_front.set_on_control_plane(true)));
    let pods: Vec<PathBuf> = files_below(&root.join("lb-hosts")).into_iter().filter(|p| p.to_string_lossy().contains("/etc/kubernetes/manifests/")).collect();
    assert_eq!(pods.len(), 4, "haproxy and keepalived on both control-plane nodes: {pods:?}");
    let mut args = vec!["--strict".to_owned(), "--kubernetes-version".into(), "1.37.0".into()];
    args.extend(pods.iter().map(|p| path_str(p).to_owned()));
    let out = Command::new("kubernetes-validate").args(&args).current_dir(&root).output().expect("kubernetes-validate runs (scripts/setup.sh)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("Couldn't find schema"), "{text}");
}

#[test]
fn every_script_of_every_front_passes_bash_and_shellcheck() {
    for (profile, front, on_control_plane) in [
        (ProfileId::Current, FrontMode::KeepalivedHaproxy, false),
        (ProfileId::Current, FrontMode::KeepalivedHaproxy, true),
        (ProfileId::Current, FrontMode::LocalProxy, false),
        (ProfileId::Guide2016, FrontMode::KeepalivedHaproxy, false),
        (ProfileId::Guide2016, FrontMode::LocalProxy, false),
    ] {
        let (_tmp, root, _) = unpacked(&spec(profile, front, |f| f.api_front.set_on_control_plane(on_control_plane)));
        let scripts = scripts(&root);
        for script in &scripts {
            let shell = if fs::read_to_string(script).unwrap().starts_with("#!/bin/sh") { "sh" } else { "bash" };
            run(shell, &["-n", path_str(script)], &root);
            run("shellcheck", &["-S", "style", &format!("--shell={shell}"), path_str(script)], &root);
        }
        if front == FrontMode::KeepalivedHaproxy {
            for host in fs::read_dir(root.join("lb-hosts")).unwrap() {
                let script = host.unwrap().path().join("etc/keepalived/check_apiserver.sh");
                assert_eq!(common::mode(&script), 0o755, "keepalived runs a check script root alone may change");
            }
        }
    }
}

#[test]
fn the_kubelet_waits_for_its_local_proxy_and_systemd_reads_the_unit() {
    let (tmp, root, _) = unpacked(&spec(ProfileId::Current, FrontMode::LocalProxy, |_| {}));
    let units = tmp.path().join("units");
    fs::create_dir_all(&units).unwrap();
    for stub in ["containerd.service", "network-online.target", "haproxy.service"] {
        fs::write(units.join(stub), "[Service]\nExecStart=/bin/true\n").unwrap();
    }
    let text = fs::read_to_string(root.join("workers/worker01/etc/systemd/system/kubelet.service")).unwrap();
    assert!(text.contains("After=network-online.target containerd.service haproxy.service"), "{text}");
    fs::write(units.join("kubelet.service"), text.replace("ExecStart=/usr/bin/kubelet", "ExecStart=/bin/true")).unwrap();
    run_env(
        "systemd-analyze",
        &["verify", "--man=no", path_str(&units.join("kubelet.service"))],
        tmp.path(),
        &[("SYSTEMD_UNIT_PATH", &format!("{}:", units.display()))],
    );
}

#[test]
fn install_lb_stages_exactly_the_lb_hosts_files() {
    for on_control_plane in [false, true] {
        let (tmp, root, bundle) = unpacked(&spec(ProfileId::Current, FrontMode::KeepalivedHaproxy, |f| f.api_front.set_on_control_plane(on_control_plane)));
        let host = if on_control_plane { "master02" } else { "lb02" };
        let target = tmp.path().join(format!("{host}-root"));
        run_env("bash", &[path_str(&root.join(format!("lb-hosts/{host}/install-lb.sh")))], &root, &[("ROOT", path_str(&target))]);
        let prefix = format!("lb-hosts/{host}/");
        let delivered: Vec<_> = bundle.artifacts.iter().filter(|a| a.zip_path().starts_with(&prefix) && !a.zip_path().ends_with("install-lb.sh")).collect();
        assert_eq!(delivered.len(), if on_control_plane { 5 } else { 3 });
        for artifact in delivered {
            let rel = artifact.zip_path().trim_start_matches(&prefix).to_owned();
            assert_eq!(fs::read_to_string(target.join(&rel)).unwrap(), artifact.content, "{rel}");
            assert_eq!(mode(&target.join(&rel)), artifact.mode, "{rel}");
        }
        let written: Vec<PathBuf> = files_below(&target);
        assert!(written.iter().all(|p| !p.to_string_lossy().ends_with(".worker-studio-new")), "nothing staged is left: {written:?}");
    }
}

/// A serving certificate for `sans`, signed by the bundle's CA.
fn serving_certificate(root: &Path, dir: &Path, name: &str, sans: &str) -> PathBuf {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    let cert = dir.join(format!("{name}.crt"));
    let ext = dir.join(format!("{name}.ext"));
    fs::write(&ext, format!("extendedKeyUsage=serverAuth\nsubjectAltName={sans}\n")).unwrap();
    run("openssl", &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path_str(&key)], dir);
    run("openssl", &["req", "-new", "-key", path_str(&key), "-subj", "/CN=kube-apiserver", "-out", path_str(&csr)], dir);
    let ca = root.join("ca-host/HOME");
    run(
        "openssl",
        &["x509", "-req", "-in", path_str(&csr), "-CA", path_str(&ca.join("ca.crt")), "-CAkey", path_str(&ca.join("ca.key")), "-set_serial", "9", "-days", "2", "-extfile", path_str(&ext), "-out", path_str(&cert)],
        dir,
    );
    cert
}

#[test]
fn check_apiserver_cert_names_what_a_certificate_lacks() {
    let (tmp, root, _) = unpacked(&spec(ProfileId::Current, FrontMode::KeepalivedHaproxy, |f| f.api_front.dns_name = "api.example.com".into()));
    let script = root.join("control-plane/check-apiserver-cert.sh");
    let good = serving_certificate(&root, tmp.path(), "good", "DNS:kubernetes,DNS:api.example.com,IP:192.168.2.20,IP:192.168.2.11");
    let out = Command::new("bash").args([path_str(&script), path_str(&good)]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lacking = serving_certificate(&root, tmp.path(), "lacking", "DNS:kubernetes,IP:192.168.2.200,IP:192.168.2.11");
    let out = Command::new("bash").args([path_str(&script), path_str(&lacking)]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("MISSING  IP Address:192.168.2.20") && text.contains("MISSING  DNS:api.example.com"), "{text}");
    assert!(!text.contains("MISSING  IP Address:192.168.2.200"), "a longer address is no match: {text}");
}
