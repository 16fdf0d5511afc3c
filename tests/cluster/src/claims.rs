//! Claims the cluster tests share: running the bundle's scripts, waiting for a kubelet to register
//! and to be reached, and saying what each claim was shown by.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::bundle::GeneratedBundle;
use crate::control_plane::ControlPlane;
use crate::node::Node;
use crate::process::{wait_until, Output};
use crate::tools;

pub fn json(out: &Output, what: &str) -> Value {
    assert!(out.success(), "{what}: {}", out.text());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", out.stdout))
}

/// `kubectl auth whoami`: the user name and groups.
pub fn whoami(out: &Output, what: &str) -> (String, Vec<String>) {
    let review = json(out, what);
    let info = &review["status"]["userInfo"];
    let groups = info["groups"].as_array().map(|g| g.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default();
    (info["username"].as_str().unwrap_or_default().to_owned(), groups)
}

pub fn refused(out: &Output, reason: &str, what: &str) {
    assert!(!out.success(), "{what} should have been refused, but succeeded: {}", out.text());
    assert!(out.stderr.contains(reason), "{what} was refused, but not for {reason:?}: {}", out.text());
    shown(&format!("refused: {what}"), &out.stderr);
}

/// Prints what a claim was shown by (`make test-cluster` runs with --nocapture, so CI logs it).
pub fn shown(claim: &str, evidence: &str) {
    let first = evidence.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    let first: String = first.chars().take(180).collect();
    eprintln!("  shown: {claim}: {first}");
}

/// The value of `--flag=` in a unit's ExecStart.
pub fn unit_flag(unit: &str, flag: &str) -> String {
    unit.replace("\\\n", " ")
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{flag}=")).map(str::to_owned))
        .unwrap_or_else(|| panic!("the kubelet unit has no {flag}"))
}


/// The kubelet unit's node path and text.
pub fn kubelet_unit(bundle: &GeneratedBundle, worker: &str) -> (String, String) {
    let dir = bundle.worker(worker).join("etc/systemd/system");
    let entry = std::fs::read_dir(&dir).ok().and_then(|mut d| d.find_map(|e| e.ok())).expect("a kubelet unit in etc/systemd/system");
    let path = format!("/etc/systemd/system/{}", entry.file_name().to_string_lossy());
    (path, std::fs::read_to_string(entry.path()).expect("the unit"))
}

/// A file for kubectl -f.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("a manifest");
    path.to_string_lossy().into_owned()
}


/// 4. The bundle's apply-addons.sh, for real.
pub fn apply_addons(plane: &ControlPlane, bundle: &GeneratedBundle, kubeconfig: &Path) {
    let path = format!("{}:{}", tools::components_dir(), std::env::var("PATH").unwrap_or_default());
    let script = bundle.path("cluster-addons/apply-addons.sh").to_string_lossy().into_owned();
    let out = plane.run_script(&["bash".into(), script], &[("KUBECONFIG", &kubeconfig.to_string_lossy()), ("PATH", &path)]);
    assert!(out.success(), "apply-addons.sh: {}\n{}", out.text(), plane.logs());
    shown("apply-addons.sh applied every add-on", &format!("{} objects", out.stdout.lines().count()));
}


/// 5. The kubelet registers Node worker01 with the spec's InternalIP.
pub fn kubelet_registers(plane: &ControlPlane, node: &Node, ip: Ipv4Addr) {
    let watched = [plane.processes(), node.processes()].concat();
    wait_until("Node worker01 to register with its InternalIP", Duration::from_secs(120), &watched, || {
        let out = plane.kubectl(&plane.super_admin, &["get", "node", "worker01", "-o", "json"]);
        if !out.success() {
            return Err(out.text());
        }
        let node: Value = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
        let addresses = node["status"]["addresses"].as_array().cloned().unwrap_or_default();
        let internal = addresses.iter().find(|a| a["type"] == "InternalIP").and_then(|a| a["address"].as_str().map(str::to_owned));
        match internal {
            Some(found) if found == ip.to_string() => Ok(found),
            other => Err(format!("InternalIP {other:?}")),
        }
    });
    shown("Node worker01 registered by the kubelet", &format!("InternalIP {}", ip));
}


/// The API server reaches the kubelet: it verifies the serving certificate with the CA, and the
/// kubelet authorizes the API server's client certificate through the bundle's RBAC.
pub fn kubelet_reached(plane: &ControlPlane, node: &Node) {
    let watched = [plane.processes(), node.processes()].concat();
    wait_until("/api/v1/nodes/worker01/proxy/healthz", Duration::from_secs(60), &watched, || {
        let out = plane.kubectl(&plane.super_admin, &["get", "--raw", "/api/v1/nodes/worker01/proxy/healthz"]);
        if out.success() && out.stdout.trim() == "ok" {
            Ok(())
        } else {
            Err(out.text())
        }
    });
    shown("the API server reached the kubelet through its serving certificate", "/api/v1/nodes/worker01/proxy/healthz: ok");
}

