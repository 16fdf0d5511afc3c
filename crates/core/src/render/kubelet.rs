//! The kubelet systemd unit: the guide's layout with its flags, or today's with a config file.

use super::systemd::Unit;
use crate::plan::{CurrentLayout, FrontPlan, GuideLayout, NodeLayout, Plan, WorkerRef};
use crate::spec::{Guide, Join};

/// The guide's kubelet command line after the binary, one flag per element.
pub fn guide_flags(plan: &Plan, guide: &Guide, layout: &GuideLayout) -> Vec<String> {
    let spec = plan.spec;
    let node = &plan.node;
    vec![
        format!("--api-servers={}", plan.api_server()),
        "--register-node=true".into(),
        "--register-schedulable=true".into(),
        "--allow-privileged=true".into(),
        format!("--config={}", node.manifests_dir),
        format!("--cluster-dns={}", spec.cluster.dns_ip),
        format!("--cluster-domain={}", spec.cluster.domain),
        format!("--kubeconfig={}", node.kubeconfig),
        format!("--tls-cert-file={}", layout.cert),
        format!("--tls-private-key-file={}", layout.key),
        format!("--housekeeping-interval={}", guide.housekeeping_interval),
    ]
}

/// Today's kubelet command line: the config file, the kubeconfig, and what has no config field.
/// Under a bootstrap-token join the kubelet also gets `--bootstrap-kubeconfig`, and writes the
/// `--kubeconfig` itself once its client certificate is issued.
pub fn current_flags(layout: &CurrentLayout, node: &NodeLayout, join: &Join, worker: WorkerRef) -> Vec<String> {
    let mut flags = vec![format!("--config={}", layout.kubelet_config)];
    if let Join::BootstrapToken(_) = join {
        flags.push(format!("--bootstrap-kubeconfig={}", layout.bootstrap_kubeconfig));
    }
    flags.extend([
        format!("--kubeconfig={}", node.kubeconfig),
        format!("--hostname-override={}", worker.name),
        format!("--node-ip={}", worker.ip),
    ]);
    flags
}

pub fn guide_unit(plan: &Plan, guide: &Guide, layout: &GuideLayout) -> String {
    let flags = guide_flags(plan, guide, layout);
    let node = &plan.node;
    let mut unit = Unit::default();
    unit.section("Unit", false)
        .entry("Description", "The primary agent to run pods")
        .entry("Documentation", "http://kubernetes.io/docs/admin/kubelet/")
        .entry("Requires", "networking.service")
        .entry("After", if local_proxy(plan) { "docker.service haproxy.service" } else { "docker.service" })
        .section("Service", true)
        .exec_start(node.kubelet_binary.as_str(), &flags)
        .entry("Restart", "always")
        .entry("RestartSec", "10")
        .section("Install", false)
        .entry("WantedBy", "multi-user.target");
    unit.render()
}

/// Whether the kubelet reaches the API servers through its own HAProxy, which starts first.
fn local_proxy(plan: &Plan) -> bool {
    matches!(plan.front, FrontPlan::LocalProxy(_))
}

/// Today's unit: started after containerd and the network (and the local proxy, if there is
/// one), settings in the KubeletConfiguration.
pub fn current_unit(plan: &Plan, layout: &CurrentLayout, join: &Join, worker: WorkerRef) -> String {
    let node = &plan.node;
    let flags = current_flags(layout, node, join, worker);
    let after = if local_proxy(plan) {
        "network-online.target containerd.service haproxy.service"
    } else {
        "network-online.target containerd.service"
    };
    let mut unit = Unit::default();
    unit.section("Unit", false)
        .entry("Description", "kubelet: the Kubernetes node agent")
        .entry("Documentation", "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/")
        .entry("Wants", after)
        .entry("After", after)
        .entry("StartLimitIntervalSec", "0")
        .section("Service", true)
        .exec_start(node.kubelet_binary.as_str(), &flags)
        .entry("Restart", "always")
        .entry("RestartSec", "10")
        .section("Install", true)
        .entry("WantedBy", "multi-user.target");
    unit.render()
}
