//! Hostile values: what validation lets through (quotes, `$()`, `;`) stays inert in every script,
//! unit and manifest; what could inject a flag or a line is refused with a field-level error.

mod common;

use std::fs;
use std::path::Path;

use common::{files_below, run, run_env, stdout};
use studio::input::SpecFile;

const CN: &str = "kubectl'; touch pwned1; echo \"$(touch pwned2)` touch pwned3 `";
const SSL_DIR: &str = "/etc/k$(touch${IFS}pwned4)'x\"%n/ssl";
const KUBECONFIG: &str = "/etc/kube;touch${IFS}pwned5;.yaml";

fn hostile_file(kubelet_binary: &str) -> SpecFile {
    let mut file = SpecFile::default();
    file.kubectl.admin_common_name = CN.into();
    file.paths.ssl_dir = SSL_DIR.into();
    file.paths.kubeconfig = KUBECONFIG.into();
    file.paths.kubelet_binary = kubelet_binary.into();
    file.keys.algorithm = "ecdsa-p256".into();
    file
}

fn no_pwned_files(dir: &Path) {
    let pwned: Vec<_> = files_below(dir).into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pwned")).collect();
    assert!(pwned.is_empty(), "a value was executed: {pwned:?}");
}

#[test]
fn hostile_values_stay_inert_in_scripts_units_and_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let kubelet = bin.join("kubelet");
    fs::write(&kubelet, "#!/bin/sh\n").unwrap();
    run("chmod", &["755", kubelet.to_str().unwrap()], tmp.path());

    let spec = hostile_file(kubelet.to_str().unwrap()).validate(common::now()).expect("quotes and $() are valid path characters");
    let bundle = common::generate(&spec, true);
    let root = common::unpack(&bundle, tmp.path());

    let scripts: Vec<String> =
        files_below(&root).into_iter().filter(|p| p.extension().is_some_and(|e| e == "sh")).map(|p| p.to_string_lossy().into_owned()).collect();
    // SC2016 notes that `$(...)` inside single quotes does not expand: exactly what quoting is for.
    let mut args = vec!["--shell=bash", "--exclude=SC2016"];
    args.extend(scripts.iter().map(String::as_str));
    run("shellcheck", &args, tmp.path());

    // install.sh writes to the literal hostile paths and runs nothing it was given.
    let node = tmp.path().join("node");
    run_env("bash", &[root.join("workers/worker01/install.sh").to_str().unwrap()], tmp.path(), &[("ROOT", node.to_str().unwrap())]);
    assert!(node.join(SSL_DIR.trim_start_matches('/')).join("worker.key").is_file());
    assert!(node.join(KUBECONFIG.trim_start_matches('/')).is_file());

    // keys-on-node.sh and keys-on-workstation.sh, too; the hostile CN arrives intact in the CSR.
    let node2 = tmp.path().join("node2");
    run_env("bash", &[root.join("workers/worker02/keys-on-node.sh").to_str().unwrap()], tmp.path(), &[("ROOT", node2.to_str().unwrap())]);
    assert!(node2.join(SSL_DIR.trim_start_matches('/')).join("worker.csr").is_file());
    let kube = tmp.path().join("kube");
    run_env("bash", &[root.join("workstation/keys-on-workstation.sh").to_str().unwrap()], tmp.path(), &[("KUBE_DIR", kube.to_str().unwrap())]);
    let subject = |csr: &Path| stdout(&run("openssl", &["req", "-in", csr.to_str().unwrap(), "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus,esc_ctrl"], tmp.path()));
    assert_eq!(subject(&kube.join("kubectl.csr")), subject(&root.join("workstation/HOME/.kube/kubectl.csr")));
    assert!(subject(&kube.join("kubectl.csr")).contains("touch pwned1"), "the CN is kept verbatim");
    no_pwned_files(tmp.path());

    // systemd parses the unit (stub units stand in for the network and docker services).
    let units = tmp.path().join("units");
    fs::create_dir_all(&units).unwrap();
    for stub in ["networking.service", "docker.service"] {
        fs::write(units.join(stub), "[Service]\nExecStart=/bin/true\n").unwrap();
    }
    let unit = units.join("kubelet.service");
    fs::copy(root.join("workers/worker01/etc/systemd/system/kubelet.service"), &unit).unwrap();
    let unit_path = format!("{}:", units.display());
    run_env("systemd-analyze", &["verify", "--man=no", unit.to_str().unwrap()], tmp.path(), &[("SYSTEMD_UNIT_PATH", &unit_path)]);

    // The manifest carries the exact path as one argument.
    let proxy = bundle.find("workers/worker01/etc/kubernetes/manifests/kube-proxy").unwrap();
    let value = studio::yaml::parse_value(&proxy.content).unwrap();
    let command = &value["spec"]["containers"][0]["command"];
    assert_eq!(command[3].as_str().unwrap(), format!("--kubeconfig={KUBECONFIG}"));
}

#[test]
fn values_that_could_inject_flags_or_lines_are_refused() {
    let cases: [(&str, fn(&mut SpecFile)); 8] = [
        ("kubectl.cluster", |f| f.kubectl.cluster = "--server=https://evil".into()),
        ("kubectl.user", |f| f.kubectl.user = "admin user".into()),
        ("workers[0].name", |f| f.workers[0].name = "$(reboot)".into()),
        ("workers[1].ip", |f| f.workers[1].ip = "192.168.2.2 --flag".into()),
        ("paths.sslDir", |f| f.paths.ssl_dir = "/etc/ssl\nExecStartPre=/bin/rm".into()),
        ("paths.kubeconfig", |f| f.paths.kubeconfig = "--kubeconfig=/x".into()),
        ("cluster.apiServer", |f| f.cluster.api_server = "https://lb.example.com --insecure".into()),
        ("kubectl.adminCommonName", |f| f.kubectl.admin_common_name = "admin/O=system:masters".into()),
    ];
    for (field, break_it) in cases {
        let mut file = SpecFile::default();
        break_it(&mut file);
        let errors = file.validate(common::now()).expect_err(field);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, field, "{errors:?}");
    }
}
