//! The API front: how workers reach the API servers. A front the user already has (the guide's
//! load balancer), a virtual IP that keepalived moves among load-balancer hosts each running
//! HAProxy to every API server, or HAProxy on every worker at 127.0.0.1 (kubespray's way).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use super::{DnsName, Hostname, HttpsUrl};

/// How workers reach the API servers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFront {
    /// The URL of a front that already exists (`cluster.apiServer`), as in the guide.
    External,
    /// keepalived holds a virtual IP on one of two or more LB hosts; HAProxy on each passes TCP to
    /// every API server.
    Vip(VipFront),
    /// HAProxy on every worker listens on 127.0.0.1 and passes TCP to every API server.
    LocalProxy(LocalProxy),
}

impl ApiFront {
    /// The project file's name for this front's mode.
    pub fn mode(&self) -> FrontMode {
        match self {
            ApiFront::External => FrontMode::External,
            ApiFront::Vip(_) => FrontMode::KeepalivedHaproxy,
            ApiFront::LocalProxy(_) => FrontMode::LocalProxy,
        }
    }

    /// The API servers behind a front the studio writes (none for an external one).
    pub fn backends(&self) -> Option<&Backends> {
        match self {
            ApiFront::External => None,
            ApiFront::Vip(vip) => Some(&vip.backends),
            ApiFront::LocalProxy(local) => Some(&local.backends),
        }
    }

    /// The URL every worker kubeconfig, kube-proxy and kubectl names (`None`: the typed one).
    pub fn endpoint(&self) -> Option<HttpsUrl> {
        match self {
            ApiFront::External => None,
            ApiFront::Vip(vip) => Some(vip.endpoint()),
            ApiFront::LocalProxy(local) => Some(local.endpoint()),
        }
    }
}

/// The project file's names for the fronts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontMode {
    External,
    KeepalivedHaproxy,
    LocalProxy,
}

impl FrontMode {
    pub const ALL: [FrontMode; 3] = [FrontMode::External, FrontMode::KeepalivedHaproxy, FrontMode::LocalProxy];

    pub fn as_str(self) -> &'static str {
        match self {
            FrontMode::External => "external",
            FrontMode::KeepalivedHaproxy => "keepalived-haproxy",
            FrontMode::LocalProxy => "local-proxy",
        }
    }

    pub fn parse(text: &str) -> Option<FrontMode> {
        FrontMode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// The trade-off in one sentence, for the form.
    pub fn summary(self) -> &'static str {
        match self {
            FrontMode::External => "A front you already run (a cloud load balancer, F5, DNS round robin): the studio only needs its URL, and its availability is yours to ensure.",
            FrontMode::KeepalivedHaproxy => "A virtual IP that keepalived moves between two or more LB hosts, each running HAProxy to every API server: no single point of failure, at the cost of hosts on one layer-2 network that allows VRRP.",
            FrontMode::LocalProxy => "HAProxy on every worker at 127.0.0.1 to every API server: no VIP and no extra hosts, but one more service per worker, and every worker's proxy to update when an API server changes.",
        }
    }
}

/// HAProxy's balancing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balance {
    /// Each new connection to the next server: even for the many short requests of kubelets.
    RoundRobin,
    /// The server with the fewest connections: even for long watches and `kubectl logs -f`.
    LeastConn,
}

impl Balance {
    pub const ALL: [Balance; 2] = [Balance::RoundRobin, Balance::LeastConn];

    pub fn as_str(self) -> &'static str {
        match self {
            Balance::RoundRobin => "roundrobin",
            Balance::LeastConn => "leastconn",
        }
    }

    pub fn parse(text: &str) -> Option<Balance> {
        Balance::ALL.into_iter().find(|b| b.as_str() == text)
    }
}

/// The API servers a studio-written front passes connections to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backends {
    pub balance: Balance,
    pub api_servers: Vec<ApiServer>,
}

/// One kube-apiserver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiServer {
    pub name: Hostname,
    pub ip: IpAddr,
    /// Its `--secure-port` (6443).
    pub port: u16,
}

/// keepalived and HAProxy on LB hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VipFront {
    /// The virtual IP the workers use.
    pub vip: Ipv4Addr,
    /// The prefix length of the LB hosts' network, given to the VIP.
    pub prefix_length: u8,
    /// The port HAProxy listens on.
    pub port: u16,
    /// A name that resolves to the VIP; the kubeconfigs use it when given.
    pub dns_name: Option<DnsName>,
    /// VRRP's router id, the same on every LB host and unique on their network.
    pub virtual_router_id: u8,
    /// Send VRRP adverts to each peer instead of multicast (for networks that block it).
    pub unicast: bool,
    /// The LB hosts are the control-plane nodes; HAProxy and keepalived run as static pods.
    pub on_control_plane: bool,
    /// In priority order: the first is MASTER.
    pub lb_hosts: Vec<LbHost>,
    pub backends: Backends,
}

impl VipFront {
    /// `https://<dnsName or VIP>[:port]`.
    pub fn endpoint(&self) -> HttpsUrl {
        let host = self.dns_name.as_ref().map_or_else(|| self.vip.to_string(), DnsName::to_string);
        url(&host, self.port)
    }
}

/// A host that runs HAProxy and keepalived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LbHost {
    pub name: Hostname,
    pub ip: IpAddr,
    /// The interface keepalived puts the VIP on, such as `eth0`.
    pub interface: InterfaceName,
}

/// HAProxy on each worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalProxy {
    /// The port on 127.0.0.1.
    pub port: u16,
    pub backends: Backends,
}

impl LocalProxy {
    /// `https://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> HttpsUrl {
        url(&Ipv4Addr::LOCALHOST.to_string(), self.port)
    }
}

fn url(host: &str, port: u16) -> HttpsUrl {
    let text = if port == 443 { format!("https://{host}") } else { format!("https://{host}:{port}") };
    HttpsUrl(text)
}

/// A network interface name as Linux and keepalived take it: 1 to 15 letters, digits, `.`, `_` or
/// `-` (`eth0`, `ens18`, `bond0.100`), so it is one word in every file that names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InterfaceName(String);

impl InterfaceName {
    pub fn parse(text: &str) -> Result<InterfaceName, String> {
        if text.is_empty() {
            return Err("is empty; expected the LB host's interface on the VIP's network, such as eth0 or ens18".into());
        }
        if text.len() > 15 {
            return Err(format!("{text:?} is {} bytes long; Linux interface names have at most 15", text.len()));
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
            return Err(format!("{text:?} contains {bad:?}; an interface name holds only letters, digits, '.', '_' and '-' (such as eth0, ens18 or bond0.100)"));
        }
        if text == "." || text == ".." {
            return Err(format!("{text:?} is not an interface name"));
        }
        Ok(InterfaceName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_follow_linux() {
        assert!(InterfaceName::parse("eth0").is_ok());
        assert!(InterfaceName::parse("enp0s31f6").is_ok());
        assert!(InterfaceName::parse("br-lan.100").is_ok());
        for bad in ["", "eth 0", "a/b", "eth0:1", "averyveryverylongname", ".", "tab\t"] {
            assert!(InterfaceName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_endpoint_is_the_name_or_the_vip() {
        let backends = Backends { balance: Balance::RoundRobin, api_servers: Vec::new() };
        let mut front = VipFront {
            vip: Ipv4Addr::new(192, 168, 2, 20),
            prefix_length: 24,
            port: 6443,
            dns_name: None,
            virtual_router_id: 51,
            unicast: false,
            on_control_plane: false,
            lb_hosts: Vec::new(),
            backends: backends.clone(),
        };
        assert_eq!(front.endpoint().as_str(), "https://192.168.2.20:6443");
        front.dns_name = DnsName::parse("api.example.com").ok();
        front.port = 443;
        assert_eq!(front.endpoint().as_str(), "https://api.example.com");
        assert_eq!(LocalProxy { port: 6443, backends }.endpoint().as_str(), "https://127.0.0.1:6443");
    }
}
