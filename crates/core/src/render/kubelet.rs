//! The kubelet systemd unit, laid out as in the guide, with the profile's flags.

use super::systemd::Unit;
use crate::plan::{NodeLayout, Plan};

pub fn unit(plan: &Plan, node: &NodeLayout) -> String {
    let flags = plan.spec.profile.profile().kubelet_flags(plan, node);
    let mut unit = Unit::default();
    unit.section("Unit", false)
        .entry("Description", "The primary agent to run pods")
        .entry("Documentation", "http://kubernetes.io/docs/admin/kubelet/")
        .entry("Requires", "networking.service")
        .entry("After", "docker.service")
        .section("Service", true)
        .exec_start(node.kubelet_binary.as_str(), &flags)
        .entry("Restart", "always")
        .entry("RestartSec", "10")
        .section("Install", false)
        .entry("WantedBy", "multi-user.target");
    unit.render()
}
