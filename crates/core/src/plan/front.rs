//! The API front's plan: which LB host is MASTER and with what priority, how much a failing check
//! costs, where HAProxy's and keepalived's files live, and which path the health checks ask.

use crate::release::{Version, READYZ};
use crate::spec::{ApiFront, LbHost, LocalProxy, NodePath, VipFront};

/// Where the front's files live on a Debian host (the packages' own paths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontLayout {
    pub haproxy_cfg: NodePath,
    pub keepalived_conf: NodePath,
    pub check_script: NodePath,
    /// The static pods, when the LB hosts are the control-plane nodes.
    pub haproxy_pod: NodePath,
    pub keepalived_pod: NodePath,
}

/// The front of the plan.
#[derive(Clone, Debug)]
pub enum FrontPlan<'a> {
    External,
    Vip(VipPlan<'a>),
    LocalProxy(&'a LocalProxy),
}

/// keepalived and HAProxy on each LB host.
#[derive(Clone, Debug)]
pub struct VipPlan<'a> {
    pub front: &'a VipFront,
    /// In the spec's order: the first is MASTER.
    pub hosts: Vec<LbHostPlan<'a>>,
    /// What a failing `check_apiserver.sh` takes off a host's priority: more than the spread of
    /// the priorities, so any healthy host outranks a failing one.
    pub check_weight: u8,
}

/// One LB host's part in the VRRP group.
#[derive(Clone, Copy, Debug)]
pub struct LbHostPlan<'a> {
    pub host: &'a LbHost,
    pub state: VrrpState,
    pub priority: u8,
}

/// keepalived's starting state; the priorities decide who holds the VIP after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VrrpState {
    Master,
    Backup,
}

impl VrrpState {
    pub fn as_str(self) -> &'static str {
        match self {
            VrrpState::Master => "MASTER",
            VrrpState::Backup => "BACKUP",
        }
    }
}

/// HAProxy's statistics page on 127.0.0.1 of every host that runs it.
pub const STATS_PORT: u16 = 8404;

/// The lowest priority; each host before the last gets `PRIORITY_STEP` more than the next.
const BASE_PRIORITY: u8 = 100;
const PRIORITY_STEP: u8 = 10;

impl<'a> FrontPlan<'a> {
    pub fn new(front: &'a ApiFront) -> FrontPlan<'a> {
        match front {
            ApiFront::External => FrontPlan::External,
            ApiFront::LocalProxy(local) => FrontPlan::LocalProxy(local),
            ApiFront::Vip(front) => {
                let count = u8::try_from(front.lb_hosts.len()).unwrap_or(u8::MAX);
                let hosts = front
                    .lb_hosts
                    .iter()
                    .zip(0u8..)
                    .map(|(host, i)| LbHostPlan {
                        host,
                        state: if i == 0 { VrrpState::Master } else { VrrpState::Backup },
                        priority: BASE_PRIORITY.saturating_add(PRIORITY_STEP.saturating_mul(count.saturating_sub(1 + i))),
                    })
                    .collect();
                FrontPlan::Vip(VipPlan { front, hosts, check_weight: PRIORITY_STEP.saturating_mul(count) })
            }
        }
    }

    /// The file layout every LB host (and every local proxy) shares.
    pub fn layout(manifests_dir: &NodePath) -> FrontLayout {
        FrontLayout {
            haproxy_cfg: NodePath::fixed("/etc/haproxy/haproxy.cfg"),
            keepalived_conf: NodePath::fixed("/etc/keepalived/keepalived.conf"),
            check_script: NodePath::fixed("/etc/keepalived/check_apiserver.sh"),
            haproxy_pod: manifests_dir.join("haproxy.yaml"),
            keepalived_pod: manifests_dir.join("keepalived.yaml"),
        }
    }
}

/// The path HAProxy's and keepalived's checks ask: `/readyz` where the API servers have it (it
/// fails while one starts or drains), else `/healthz`.
pub fn health_path(version: Version) -> &'static str {
    if version >= READYZ {
        "/readyz"
    } else {
        "/healthz"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_health_path_follows_the_release() {
        assert_eq!(health_path(crate::release::GUIDE_VERSION), "/healthz");
        assert_eq!(health_path(crate::release::DEFAULT_VERSION), "/readyz");
    }
}
