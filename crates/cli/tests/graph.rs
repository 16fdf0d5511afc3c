//! `worker-studio graph`: the bundle's references as DOT that graphviz draws, and as JSON with
//! each reference's check; a broken bundle's failing reference is there, with its reason.

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
fn graph_prints_dot_for_graphviz_and_json_for_tools() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("cluster.yaml");
    let init = studio(&["init"], dir.path());
    fs::write(&spec, text(&init.stdout).replace("algorithm: rsa-2048", "algorithm: ecdsa-p256")).unwrap();
    assert!(studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", "bundle.zip"], dir.path()).status.success());

    let dot = studio(&["graph", "bundle.zip"], dir.path());
    assert!(dot.status.success(), "{}", text(&dot.stderr));
    let dot_path = dir.path().join("bundle.dot");
    fs::write(&dot_path, &dot.stdout).unwrap();
    let svg = Command::new("dot").args(["-Tsvg", dot_path.to_str().unwrap()]).output().expect("graphviz (scripts/setup.sh installs it)");
    assert!(svg.status.success() && svg.stderr.is_empty(), "{}", text(&svg.stderr));
    assert!(text(&svg.stdout).contains("worker&#45;kubeconfig.yaml") || text(&svg.stdout).contains("worker-kubeconfig.yaml"));

    let json = studio(&["graph", "bundle.zip", "--format", "json"], dir.path());
    assert!(json.status.success(), "{}", text(&json.stderr));
    let graph: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let edges = graph["edges"].as_array().unwrap();
    let edge = edges
        .iter()
        .find(|e| e["from"] == "workers/worker01/etc/systemd/system/kubelet.service" && e["kind"] == "--kubeconfig")
        .expect("the unit's kubeconfig reference");
    assert_eq!(edge["to"], "workers/worker01/etc/kubernetes/worker-kubeconfig.yaml");
    assert_eq!(edge["status"], "pass");
    assert_eq!(edge["check"], "kubelet-files");
    assert!(edges.iter().all(|e| e["status"] == "pass"));
    assert!(graph["nodes"].as_array().unwrap().iter().any(|n| n["id"] == "https://loadbalancer.example.com" && n["kind"] == "endpoint"));

    // A hand-edited unit: its DNS reference fails, with the reason.
    let tree = dir.path().join("tree");
    assert!(studio(&["generate", "--spec", spec.to_str().unwrap(), "--out", "tree"], dir.path()).status.success());
    let unit = tree.join("workers/worker01/etc/systemd/system/kubelet.service");
    fs::write(&unit, fs::read_to_string(&unit).unwrap().replace("--cluster-dns=10.3.0.2", "--cluster-dns=10.3.0.10")).unwrap();
    let json = studio(&["graph", "tree", "--format", "json"], dir.path());
    let graph: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let failing: Vec<&serde_json::Value> = graph["edges"].as_array().unwrap().iter().filter(|e| e["status"] == "fail").collect();
    let dns = failing.iter().find(|e| e["kind"] == "--cluster-dns = clusterIP").expect("the DNS reference fails");
    assert!(dns["detail"].as_str().unwrap().contains("10.3.0.10"), "{dns}");
    assert!(failing.iter().all(|e| e["from"].as_str().unwrap().starts_with("workers/worker01/")), "{failing:?}");

    let missing = studio(&["graph", "nowhere.zip"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
}
