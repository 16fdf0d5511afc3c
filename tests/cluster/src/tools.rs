//! Where the real components are: built by `scripts/setup.sh` into `.tools/cluster/current/`, and
//! the `worker-studio` CLI from this workspace's target directory.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

/// A binary built by `scripts/setup.sh` for every release: etcd, kubectl (the newest) and fakecri.
pub fn component(name: &str) -> String {
    binary(name)
}

/// A Kubernetes component of one release (`1.37` or `1.33`): kube-apiserver,
/// kube-controller-manager or kubelet.
pub fn kubernetes(release: &str, name: &str) -> String {
    binary(&format!("{release}/{name}"))
}

fn binary(name: &str) -> String {
    let path = repo_root().join(".tools/cluster/current").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup.sh (make test-cluster does) to build the cluster components",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// The `worker-studio` CLI (`make test-cluster` builds it first).
pub fn worker_studio() -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from);
    let path = target.join("debug/worker-studio");
    assert!(path.is_file(), "{} is missing: cargo build -p worker-studio-cli (make test-cluster does)", path.display());
    path.to_string_lossy().into_owned()
}

/// The directory holding the components, for PATH (so the bundle's scripts find our kubectl).
pub fn components_dir() -> String {
    repo_root().join(".tools/cluster/current").to_string_lossy().into_owned()
}
