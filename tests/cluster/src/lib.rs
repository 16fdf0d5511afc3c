//! Worker Studio's bundles on a real control plane: etcd, kube-apiserver, kube-controller-manager
//! and a kubelet built from the Go module proxy (`scripts/setup.sh`), run in network namespaces
//! of the test's own on 10.250.0.0/16, every process ended by its PID and every namespace removed,
//! also when a test fails. Only the container runtime is fake (no image can be pulled here).

pub mod admin_pki;
pub mod bundle;
pub mod claims;
pub mod control_plane;
pub mod lb_host;
pub mod netns;
pub mod node;
pub mod overlay;
pub mod process;
pub mod tools;
