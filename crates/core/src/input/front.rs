//! The project file's `apiFront` as typed, each mode's defaults, and its validation into an
//! [`ApiFront`]: every address, port and name checked against the others and the cluster's.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use serde::{Deserialize, Serialize};

use super::{parse_ip, Checker, NumberText};
use crate::spec::{
    ApiFront, ApiServer, Backends, Balance, Cidr, DnsName, FrontMode, Hostname, HttpsUrl, InterfaceName, LbHost, LocalProxy, VipFront,
    Worker,
};

/// kube-apiserver's `--secure-port` default, taken for an API server whose port is left out.
pub const APISERVER_PORT: u16 = 6443;
/// HAProxy's port when it shares the control-plane nodes with the API servers (kubeadm's HA guide).
pub const ON_CONTROL_PLANE_PORT: u16 = 8443;
/// The fewest and most LB hosts: one to fail over to, and no more than a VRRP group handles well.
const LB_HOSTS: std::ops::RangeInclusive<usize> = 2..=5;
/// Ports a worker's own components listen on, which a local proxy must leave alone.
const WORKER_PORTS: [(u16, &str); 4] =
    [(10248, "the kubelet's healthz"), (10249, "kube-proxy's metrics"), (10250, "the kubelet's API"), (10256, "kube-proxy's healthz")];

/// `apiFront`: how workers reach the API servers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ApiFrontInput {
    /// `external`, `keepalived-haproxy` or `local-proxy`.
    pub mode: String,
    /// The virtual IP (keepalived-haproxy).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub vip: String,
    /// The LB hosts' network prefix length, given to the VIP.
    #[serde(skip_serializing_if = "NumberText::is_empty")]
    pub prefix_length: NumberText,
    /// HAProxy's port.
    #[serde(skip_serializing_if = "NumberText::is_empty")]
    pub port: NumberText,
    /// A name that resolves to the VIP (optional).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dns_name: String,
    #[serde(skip_serializing_if = "NumberText::is_empty")]
    pub virtual_router_id: NumberText,
    /// `roundrobin` or `leastconn`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub balance: String,
    /// VRRP adverts to each peer rather than multicast.
    #[serde(skip_serializing_if = "is_false")]
    pub unicast: bool,
    /// The LB hosts are the control-plane nodes (static pods, HAProxy on 8443).
    #[serde(skip_serializing_if = "is_false")]
    pub on_control_plane: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_servers: Vec<ApiServerInput>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lb_hosts: Vec<LbHostInput>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ApiServerInput {
    pub name: String,
    pub ip: String,
    /// Empty means 6443.
    #[serde(skip_serializing_if = "NumberText::is_empty")]
    pub port: NumberText,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LbHostInput {
    pub name: String,
    pub ip: String,
    pub interface: String,
}

impl Default for ApiFrontInput {
    fn default() -> Self {
        ApiFrontInput::defaults(FrontMode::External)
    }
}

impl ApiFrontInput {
    /// A mode's example: the guide's two masters behind it, and for a VIP two LB hosts beside the
    /// guide's workers on 192.168.2.0/24.
    pub fn defaults(mode: FrontMode) -> ApiFrontInput {
        let empty = ApiFrontInput {
            mode: mode.as_str().into(),
            vip: String::new(),
            prefix_length: NumberText::default(),
            port: NumberText::default(),
            dns_name: String::new(),
            virtual_router_id: NumberText::default(),
            balance: String::new(),
            unicast: false,
            on_control_plane: false,
            api_servers: Vec::new(),
            lb_hosts: Vec::new(),
        };
        let masters = || {
            (1..=2)
                .map(|i| ApiServerInput { name: format!("master{i:02}"), ip: format!("192.168.2.1{i}"), port: u32::from(APISERVER_PORT).into() })
                .collect()
        };
        match mode {
            FrontMode::External => empty,
            FrontMode::KeepalivedHaproxy => ApiFrontInput {
                vip: "192.168.2.20".into(),
                prefix_length: 24.into(),
                port: u32::from(APISERVER_PORT).into(),
                virtual_router_id: 51.into(),
                balance: Balance::RoundRobin.as_str().into(),
                api_servers: masters(),
                lb_hosts: (1..=2)
                    .map(|i| LbHostInput { name: format!("lb{i:02}"), ip: format!("192.168.2.2{i}"), interface: "eth0".into() })
                    .collect(),
                ..empty
            },
            FrontMode::LocalProxy => ApiFrontInput {
                port: u32::from(APISERVER_PORT).into(),
                balance: Balance::RoundRobin.as_str().into(),
                api_servers: masters(),
                ..empty
            },
        }
    }

    /// Whether this is the default (an external front), which a project file leaves out.
    pub fn is_default(&self) -> bool {
        self == &ApiFrontInput::default()
    }

    /// The mode as typed, if it is one.
    pub fn front_mode(&self) -> Option<FrontMode> {
        FrontMode::parse(self.mode.trim())
    }

    /// The LB hosts become the control-plane nodes (one per API server) or dedicated hosts again;
    /// a port or host list still at the other choice's default follows.
    pub fn set_on_control_plane(&mut self, on: bool) {
        let (from, to) = if on { (APISERVER_PORT, ON_CONTROL_PLANE_PORT) } else { (ON_CONTROL_PLANE_PORT, APISERVER_PORT) };
        if self.port.0.trim() == from.to_string() {
            self.port = u32::from(to).into();
        }
        let interface = self.lb_hosts.first().map_or_else(|| "eth0".to_owned(), |h| h.interface.clone());
        let on_servers: Vec<LbHostInput> =
            self.api_servers.iter().map(|s| LbHostInput { name: s.name.clone(), ip: s.ip.clone(), interface: interface.clone() }).collect();
        let dedicated = ApiFrontInput::defaults(FrontMode::KeepalivedHaproxy).lb_hosts;
        if on && self.lb_hosts == dedicated {
            self.lb_hosts = on_servers;
        } else if !on && self.lb_hosts == on_servers {
            self.lb_hosts = dedicated;
        }
        self.on_control_plane = on;
    }
}

/// What the front is checked against.
pub(super) struct Cluster<'a> {
    pub workers: Option<&'a [Worker]>,
    pub service_cidr: Option<Cidr>,
    pub dns_ip: Option<IpAddr>,
}

fn parse_port(text: &NumberText, default: Option<u16>) -> Result<u16, String> {
    let text = text.0.trim();
    if text.is_empty() {
        return default.ok_or_else(|| "is empty; expected a port from 1 to 65535".to_owned());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("{text:?} is not a port from 1 to 65535")),
        Ok(port) => Ok(port),
    }
}

impl ApiFrontInput {
    /// The front, or `None` with every problem reported under `apiFront.`.
    pub(super) fn validate(&self, c: &mut Checker, cluster: &Cluster) -> Option<ApiFront> {
        let mode = c.field(
            "apiFront.mode",
            self.front_mode().ok_or_else(|| {
                let known: Vec<&str> = FrontMode::ALL.iter().map(|m| m.as_str()).collect();
                format!("{:?} is not a front; choose {}", self.mode, known.join(", "))
            }),
        )?;
        let vip_only = [
            ("apiFront.vip", !self.vip.trim().is_empty()),
            ("apiFront.prefixLength", !self.prefix_length.is_empty()),
            ("apiFront.dnsName", !self.dns_name.trim().is_empty()),
            ("apiFront.virtualRouterId", !self.virtual_router_id.is_empty()),
            ("apiFront.unicast", self.unicast),
            ("apiFront.onControlPlane", self.on_control_plane),
            ("apiFront.lbHosts", !self.lb_hosts.is_empty()),
        ];
        let proxied = [
            ("apiFront.port", !self.port.is_empty()),
            ("apiFront.balance", !self.balance.trim().is_empty()),
            ("apiFront.apiServers", !self.api_servers.is_empty()),
        ];
        let refuse = |c: &mut Checker, fields: &[(&str, bool)], why: &str| {
            for (field, set) in fields {
                if *set {
                    c.fail(*field, format!("must be empty for apiFront.mode {}: {why}", mode.as_str()));
                }
            }
        };
        match mode {
            FrontMode::External => {
                let why = "the front is yours and cluster.apiServer is its URL; choose keepalived-haproxy or local-proxy to have the studio write one";
                refuse(c, &vip_only, why);
                refuse(c, &proxied, why);
                Some(ApiFront::External)
            }
            FrontMode::LocalProxy => {
                refuse(c, &vip_only, "each worker's own HAProxy needs no VIP and no LB hosts");
                let port = c.field("apiFront.port", parse_port(&self.port, None).and_then(local_port));
                let backends = self.backends(c, cluster);
                Some(ApiFront::LocalProxy(LocalProxy { port: port?, backends: backends? }))
            }
            FrontMode::KeepalivedHaproxy => self.validate_vip(c, cluster).map(ApiFront::Vip),
        }
    }

    fn backends(&self, c: &mut Checker, cluster: &Cluster) -> Option<Backends> {
        let balance = c.field(
            "apiFront.balance",
            Balance::parse(self.balance.trim()).ok_or_else(|| {
                let known: Vec<&str> = Balance::ALL.iter().map(|b| b.as_str()).collect();
                format!("{:?} is not a balance; choose {}", self.balance, known.join(" or "))
            }),
        );
        if self.api_servers.is_empty() {
            c.fail("apiFront.apiServers", "lists no API server; the front needs at least one to pass connections to (two or more for high availability)");
            return None;
        }
        let before = c.errors.len();
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut addresses: HashMap<(IpAddr, u16), usize> = HashMap::new();
        let mut servers = Vec::new();
        for (i, server) in self.api_servers.iter().enumerate() {
            let field = |part: &str| format!("apiFront.apiServers[{i}].{part}");
            let name = c.field(&field("name"), Hostname::parse(server.name.trim()));
            if let Some(first) = name.as_ref().and_then(|_| names.insert(server.name.trim(), i)) {
                c.fail(field("name"), format!("{} is already the name of apiServers[{first}]; each API server needs its own", server.name.trim()));
            }
            let ip = c.field(&field("ip"), parse_ip(&server.ip));
            if let (Some(ip), Some(cidr)) = (ip, cluster.service_cidr) {
                if cidr.contains(ip) {
                    c.fail(field("ip"), format!("{ip} lies inside the service network {cidr}; an API server's address must be outside it"));
                }
            }
            let port = c.field(&field("port"), parse_port(&server.port, Some(APISERVER_PORT)));
            if let (Some(ip), Some(port)) = (ip, port) {
                if let Some(first) = addresses.insert((ip, port), i) {
                    c.fail(field("ip"), format!("{ip}:{port} is already apiServers[{first}]; each API server once"));
                }
            }
            if let (Some(name), Some(ip), Some(port)) = (name, ip, port) {
                servers.push(ApiServer { name, ip, port });
            }
        }
        (c.errors.len() == before).then_some(())?;
        Some(Backends { balance: balance?, api_servers: servers })
    }

    fn validate_vip(&self, c: &mut Checker, cluster: &Cluster) -> Option<VipFront> {
        let vip = c.field("apiFront.vip", parse_vip(&self.vip));
        let prefix_length = c.field("apiFront.prefixLength", parse_prefix(&self.prefix_length));
        let default_port = if self.on_control_plane { ON_CONTROL_PLANE_PORT } else { APISERVER_PORT };
        let port = c.field("apiFront.port", parse_port(&self.port, Some(default_port)));
        let dns_name = match self.dns_name.trim() {
            "" => Some(None),
            name => c.field("apiFront.dnsName", DnsName::parse(name)).map(Some),
        };
        let virtual_router_id = c.field("apiFront.virtualRouterId", parse_router_id(&self.virtual_router_id));
        let backends = self.backends(c, cluster);
        let subnet = vip.zip(prefix_length).map(|(vip, prefix)| (vip, prefix, network_of(vip, prefix)));
        if let Some((vip, prefix, network)) = subnet {
            self.check_vip(c, cluster, vip, prefix, network, backends.as_ref());
        }
        let lb_hosts = self.lb_hosts(c, cluster, subnet.map(|(_, prefix, network)| (network, prefix)));
        if let (Some(hosts), Some(backends), Some(port)) = (&lb_hosts, &backends, port) {
            self.check_shared_hosts(c, hosts, backends, port);
        }
        Some(VipFront {
            vip: vip?,
            prefix_length: prefix_length?,
            port: port?,
            dns_name: dns_name?,
            virtual_router_id: virtual_router_id?,
            unicast: self.unicast,
            on_control_plane: self.on_control_plane,
            lb_hosts: lb_hosts?,
            backends: backends?,
        })
    }

    /// The VIP is nobody's own address and not the network's first or last.
    fn check_vip(&self, c: &mut Checker, cluster: &Cluster, vip: Ipv4Addr, prefix: u8, network: Ipv4Addr, backends: Option<&Backends>) {
        let ip = IpAddr::V4(vip);
        let mut owners: Vec<String> = Vec::new();
        for (i, host) in self.lb_hosts.iter().enumerate() {
            if parse_ip(&host.ip).ok() == Some(ip) {
                owners.push(format!("the address of LB host lbHosts[{i}] ({})", host.name.trim()));
            }
        }
        for server in backends.map_or(&[][..], |b| &b.api_servers) {
            if server.ip == ip {
                owners.push(format!("API server {}'s address", server.name));
            }
        }
        for worker in cluster.workers.unwrap_or(&[]) {
            if worker.ip == ip {
                owners.push(format!("worker {}'s address", worker.name));
            }
        }
        if cluster.dns_ip == Some(ip) {
            owners.push("the cluster DNS IP".into());
        }
        if let Some(owner) = owners.first() {
            c.fail("apiFront.vip", format!("{vip} is also {owner}; the VIP must be an address no host has, which keepalived moves between the LB hosts"));
        }
        if let Some(cidr) = cluster.service_cidr.filter(|cidr| cidr.contains(ip)) {
            c.fail("apiFront.vip", format!("{vip} lies inside the service network {cidr}; the VIP is a real address on the LB hosts' network"));
        }
        if prefix <= 30 {
            let broadcast = Ipv4Addr::from(u32::from(network) | (u32::MAX >> prefix));
            if vip == network || vip == broadcast {
                c.fail("apiFront.vip", format!("{vip} is the network or broadcast address of {network}/{prefix}; choose a host address"));
            }
        }
    }

    fn lb_hosts(&self, c: &mut Checker, cluster: &Cluster, subnet: Option<(Ipv4Addr, u8)>) -> Option<Vec<LbHost>> {
        let count = self.lb_hosts.len();
        if !LB_HOSTS.contains(&count) {
            let why = if count < *LB_HOSTS.start() {
                "keepalived needs a second host to move the VIP to, or the LB host is the single point of failure the front removes"
            } else {
                "more hosts only add VRRP traffic; two or three carry the VIP as well"
            };
            c.fail("apiFront.lbHosts", format!("lists {count} LB host(s); the front takes {} to {}: {why}", LB_HOSTS.start(), LB_HOSTS.end()));
            return None;
        }
        let before = c.errors.len();
        let workers: HashMap<&str, usize> =
            cluster.workers.unwrap_or(&[]).iter().enumerate().map(|(i, w)| (w.name.as_str(), i)).collect();
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut ips: HashMap<IpAddr, usize> = HashMap::new();
        let mut hosts = Vec::new();
        for (i, host) in self.lb_hosts.iter().enumerate() {
            let field = |part: &str| format!("apiFront.lbHosts[{i}].{part}");
            let name = c.field(&field("name"), Hostname::parse(host.name.trim()));
            if name.is_some() {
                if let Some(first) = names.insert(host.name.trim(), i) {
                    c.fail(field("name"), format!("{} is already the name of lbHosts[{first}]; each LB host needs its own", host.name.trim()));
                }
                if let Some(worker) = workers.get(host.name.trim()) {
                    c.fail(field("name"), format!("{} is also workers[{worker}]; an LB host is a machine of its own (or a control-plane node)", host.name.trim()));
                }
            }
            let ip = c.field(&field("ip"), parse_ip(&host.ip));
            if let Some(ip) = ip {
                if let Some(first) = ips.insert(ip, i) {
                    c.fail(field("ip"), format!("{ip} is already the address of lbHosts[{first}]; each LB host needs its own"));
                }
                if let Some((network, prefix)) = subnet {
                    let cidr = Cidr { network: IpAddr::V4(network), prefix };
                    if !cidr.contains(ip) {
                        c.fail(field("ip"), format!("{ip} is outside the VIP's network {cidr}; keepalived moves the VIP only between hosts on one network"));
                    }
                }
            }
            let interface = c.field(&field("interface"), InterfaceName::parse(host.interface.trim()));
            if let (Some(name), Some(ip), Some(interface)) = (name, ip, interface) {
                hosts.push(LbHost { name, ip, interface });
            }
        }
        (c.errors.len() == before).then_some(hosts)
    }

    /// On the control plane the LB hosts are API servers; anywhere HAProxy and an API server share
    /// a host they must not share a port.
    fn check_shared_hosts(&self, c: &mut Checker, hosts: &[LbHost], backends: &Backends, port: u16) {
        for (i, host) in hosts.iter().enumerate() {
            let local: Vec<&ApiServer> = backends.api_servers.iter().filter(|s| s.ip == host.ip).collect();
            if self.on_control_plane && local.is_empty() {
                c.fail(
                    format!("apiFront.lbHosts[{i}].ip"),
                    format!("{} is no API server's address; with onControlPlane the LB hosts are the control-plane nodes", host.ip),
                );
            }
            if let Some(server) = local.iter().find(|s| s.port == port) {
                c.fail(
                    "apiFront.port",
                    format!(
                        "{port} is also the port of API server {} on {} ({}); HAProxy and kube-apiserver cannot both listen on it: choose {ON_CONTROL_PLANE_PORT}, as kubeadm's HA guide does",
                        server.name, host.name, host.ip
                    ),
                );
                return;
            }
        }
    }
}

fn local_port(port: u16) -> Result<u16, String> {
    match WORKER_PORTS.iter().find(|(p, _)| *p == port) {
        Some((_, what)) => Err(format!("{port} is {what} on every worker; choose another port for the local proxy, such as 6443")),
        None => Ok(port),
    }
}

fn parse_vip(text: &str) -> Result<Ipv4Addr, String> {
    match parse_ip(text)? {
        IpAddr::V4(vip) => Ok(vip),
        IpAddr::V6(_) => Err(format!(
            "{} is IPv6; the studio writes VRRPv2 for an IPv4 VIP (an IPv6 VIP needs VRRPv3 on IPv6-only peers): give an IPv4 address",
            text.trim()
        )),
    }
}

fn parse_prefix(text: &NumberText) -> Result<u8, String> {
    match text.0.trim().parse::<u8>() {
        Ok(prefix @ 1..=32) => Ok(prefix),
        _ => Err(format!("{:?} is not a prefix length from 1 to 32 (24 for a /24 such as 192.168.2.0/24)", text.0.trim())),
    }
}

fn parse_router_id(text: &NumberText) -> Result<u8, String> {
    match text.0.trim().parse::<u8>() {
        Ok(id @ 1..=255) => Ok(id),
        _ => Err(format!(
            "{:?} is not a VRRP router id from 1 to 255; it must be the same on every LB host and unique among the VRRP groups on their network",
            text.0.trim()
        )),
    }
}

fn network_of(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(ip) & (u32::MAX << (32 - u32::from(prefix))))
}

impl ApiFront {
    /// The project file's `apiFront` for this front.
    pub fn to_input(&self) -> ApiFrontInput {
        let backends = |b: &Backends| {
            let servers = b
                .api_servers
                .iter()
                .map(|s| ApiServerInput { name: s.name.to_string(), ip: s.ip.to_string(), port: u32::from(s.port).into() })
                .collect();
            (b.balance.as_str().to_owned(), servers)
        };
        match self {
            ApiFront::External => ApiFrontInput::default(),
            ApiFront::LocalProxy(local) => {
                let (balance, api_servers) = backends(&local.backends);
                ApiFrontInput {
                    mode: FrontMode::LocalProxy.as_str().into(),
                    port: u32::from(local.port).into(),
                    balance,
                    api_servers,
                    ..ApiFrontInput::default()
                }
            }
            ApiFront::Vip(vip) => {
                let (balance, api_servers) = backends(&vip.backends);
                ApiFrontInput {
                    mode: FrontMode::KeepalivedHaproxy.as_str().into(),
                    vip: vip.vip.to_string(),
                    prefix_length: u32::from(vip.prefix_length).into(),
                    port: u32::from(vip.port).into(),
                    dns_name: vip.dns_name.as_ref().map(DnsName::to_string).unwrap_or_default(),
                    virtual_router_id: u32::from(vip.virtual_router_id).into(),
                    balance,
                    unicast: vip.unicast,
                    on_control_plane: vip.on_control_plane,
                    api_servers,
                    lb_hosts: vip
                        .lb_hosts
                        .iter()
                        .map(|h| LbHostInput { name: h.name.to_string(), ip: h.ip.to_string(), interface: h.interface.to_string() })
                        .collect(),
                }
            }
        }
    }
}

/// `cluster.apiServer` under a front: empty (the front's URL is taken) or exactly that URL.
pub(super) fn api_server(typed: &str, front: &ApiFront) -> Result<HttpsUrl, String> {
    match front.endpoint() {
        None => HttpsUrl::parse(typed),
        Some(endpoint) if typed.is_empty() || HttpsUrl::parse(typed).is_ok_and(|url| url == endpoint) => Ok(endpoint),
        Some(endpoint) => Err(format!(
            "{typed:?} is not the front's URL {endpoint}; with apiFront.mode {} every worker uses the front, so leave cluster.apiServer empty",
            front.mode().as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{spec_from_yaml, SpecFile};
    use crate::release::ProfileId;

    const NOW: i64 = 1_764_000_000;

    #[test]
    fn every_mode_of_both_profiles_validates_and_round_trips() {
        for profile in ProfileId::ALL {
            for mode in FrontMode::ALL {
                let file = SpecFile::defaults(profile).switch_front(mode);
                let spec = file.validate(NOW).unwrap_or_else(|e| panic!("{profile} {}: {e:?}", mode.as_str()));
                assert_eq!(spec.api_front.mode(), mode);
                let text = spec.to_file().to_yaml().expect("a project file");
                assert_eq!(spec_from_yaml(&text, NOW).expect("reads back"), spec, "{text}");
                if mode != FrontMode::External {
                    assert!(!text.contains("apiServer: https"), "the front's URL is derived, not written: {text}");
                }
            }
        }
    }

    #[test]
    fn the_workers_use_the_fronts_url() {
        let vip = SpecFile::default().switch_front(FrontMode::KeepalivedHaproxy).validate(NOW).unwrap();
        assert_eq!(vip.cluster.api_server.as_str(), "https://192.168.2.20:6443");
        let local = SpecFile::default().switch_front(FrontMode::LocalProxy).validate(NOW).unwrap();
        assert_eq!(local.cluster.api_server.as_str(), "https://127.0.0.1:6443");
        let mut named = SpecFile::default().switch_front(FrontMode::KeepalivedHaproxy);
        named.api_front.dns_name = "api.example.com".into();
        named.cluster.api_server = "https://api.example.com:6443/".into();
        assert_eq!(named.validate(NOW).unwrap().cluster.api_server.as_str(), "https://api.example.com:6443");
    }

    #[test]
    fn switching_fronts_keeps_what_the_user_changed_and_drops_what_the_new_one_lacks() {
        let mut file = SpecFile::default().switch_front(FrontMode::KeepalivedHaproxy);
        file.api_front.api_servers[0].ip = "192.168.2.31".into();
        let local = file.switch_front(FrontMode::LocalProxy);
        assert!(local.api_front.lb_hosts.is_empty() && local.api_front.vip.is_empty());
        assert_eq!(local.api_front.api_servers[0].ip, "192.168.2.31", "the user's API server stays");
        local.validate(NOW).expect("a valid local proxy");
        let external = local.switch_front(FrontMode::External);
        assert_eq!(external.cluster.api_server, "https://loadbalancer.example.com");
        assert!(external.api_front.is_default(), "{:?}", external.api_front);
        assert_eq!(external, SpecFile::default());
    }

    #[test]
    fn on_the_control_plane_haproxy_moves_to_8443_and_the_lb_hosts_are_the_api_servers() {
        let mut front = ApiFrontInput::defaults(FrontMode::KeepalivedHaproxy);
        front.set_on_control_plane(true);
        assert_eq!(front.port.0, "8443");
        let hosts: Vec<(&str, &str)> = front.lb_hosts.iter().map(|h| (h.name.as_str(), h.ip.as_str())).collect();
        assert_eq!(hosts, [("master01", "192.168.2.11"), ("master02", "192.168.2.12")]);
        let mut file = SpecFile::default();
        file.api_front = front.clone();
        file.cluster.api_server.clear();
        file.validate(NOW).expect("valid on the control plane");
        front.set_on_control_plane(false);
        assert_eq!(front, ApiFrontInput::defaults(FrontMode::KeepalivedHaproxy));
    }

    #[test]
    fn a_project_file_that_only_names_the_control_plane_gets_its_defaults() {
        let text = "apiVersion: worker-studio/v1alpha1\napiFront: {mode: keepalived-haproxy, onControlPlane: true}\n";
        let spec = spec_from_yaml(text, NOW).expect("valid");
        let crate::spec::ApiFront::Vip(vip) = &spec.api_front else { panic!("a VIP front") };
        assert_eq!((vip.port, vip.lb_hosts.len()), (8443, 2));
    }

    fn vip_spec(hosts: usize) -> crate::spec::ClusterSpec {
        let mut file = SpecFile::default().switch_front(FrontMode::KeepalivedHaproxy);
        file.api_front.lb_hosts = (1..=hosts)
            .map(|i| LbHostInput { name: format!("lb{i:02}"), ip: format!("192.168.2.{}", 20 + i), interface: "eth0".into() })
            .collect();
        file.api_front.vip = "192.168.2.100".into();
        file.validate(NOW).expect("a valid front")
    }

    #[test]
    fn one_master_distinct_priorities_and_a_weight_above_their_spread() {
        use crate::plan::{FrontPlan, VrrpState};
        for count in 2..=5 {
            let spec = vip_spec(count);
            let FrontPlan::Vip(plan) = FrontPlan::new(&spec.api_front) else { panic!("a VIP front") };
            let masters = plan.hosts.iter().filter(|h| h.state == VrrpState::Master).count();
            assert_eq!(masters, 1);
            let mut priorities: Vec<u8> = plan.hosts.iter().map(|h| h.priority).collect();
            let (max, min) = (*priorities.iter().max().unwrap(), *priorities.iter().min().unwrap());
            assert!(plan.check_weight > max - min, "weight {} spread {}", plan.check_weight, max - min);
            assert_eq!(plan.hosts[0].priority, max);
            priorities.dedup();
            assert_eq!(priorities.len(), count, "priorities are distinct");
        }
    }
}
