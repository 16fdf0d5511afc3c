//! The tests' own hosts: network namespaces joined by veth pairs or on a bridge of their own, with
//! addresses from 10.250.0.0/16 only. Each namespace is removed when dropped, also when a test fails; namespaces a killed run
//! left behind are removed by the next run.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::process::{must, run, words};

/// Every namespace the tests make starts with this, then the PID of the test process.
pub const PREFIX: &str = "wstest";

/// A network namespace of ours.
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Creates `<PREFIX><pid>-<role>` with its loopback up.
    pub fn create(role: &str) -> Netns {
        let name = format!("{PREFIX}{}-{role}", std::process::id());
        must(&words(&["ip", "netns", "add", &name]));
        let netns = Netns { name };
        must(&netns.exec(&["ip", "link", "set", "lo", "up"]));
        netns
    }

    /// `argv` run inside this namespace (network only: the mount namespace stays the host's, so
    /// /sys/fs/cgroup and the test's files are where they are).
    pub fn exec(&self, argv: &[&str]) -> Vec<String> {
        let mut out = vec!["nsenter".to_owned(), format!("--net=/run/netns/{}", self.name)];
        out.extend(argv.iter().map(|w| (*w).to_owned()));
        out
    }

    /// [`Netns::exec`] with owned words.
    pub fn exec_owned(&self, argv: &[String]) -> Vec<String> {
        let borrowed: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.exec(&borrowed)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let out = run(&words(&["ip", "netns", "del", &self.name]), &[], std::time::Duration::from_secs(20));
        if !out.success() {
            eprintln!("removing network namespace {}: {}", self.name, out.text());
        }
    }
}

/// Joins two namespaces with a veth pair, `a` at `a_ip`/24 and `b` at `b_ip`/24.
pub fn link(a: &Netns, a_ip: Ipv4Addr, b: &Netns, b_ip: Ipv4Addr) {
    static LINKS: AtomicU32 = AtomicU32::new(0);
    let id = format!("{}{}", std::process::id() % 100_000, LINKS.fetch_add(1, Ordering::Relaxed));
    let (a_if, b_if) = (format!("wa{id}"), format!("wb{id}"));
    must(&words(&["ip", "link", "add", &a_if, "netns", &a.name, "type", "veth", "peer", "name", &b_if, "netns", &b.name]));
    for (ns, interface, ip) in [(a, &a_if, a_ip), (b, &b_if, b_ip)] {
        must(&ns.exec(&["ip", "addr", "add", &format!("{ip}/24"), "dev", interface]));
        must(&ns.exec(&["ip", "link", "set", interface, "up"]));
    }
}

/// A layer-2 network of the test's own: a bridge in a namespace of its own, which hosts join by a
/// veth pair whose host end carries the interface name the bundle gives it (`eth0`). VRRP's
/// multicast and gratuitous ARP pass as on a real switch.
pub struct Lan {
    pub netns: Netns,
}

impl Lan {
    pub fn create(role: &str) -> Lan {
        let netns = Netns::create(role);
        must(&netns.exec(&["ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]));
        must(&netns.exec(&["ip", "link", "set", "br0", "up"]));
        Lan { netns }
    }

    /// Plugs `host` in as `interface` with `addresses`, each of prefix length `prefix`.
    pub fn attach(&self, host: &Netns, interface: &str, addresses: &[Ipv4Addr], prefix: u8) {
        static PORTS: AtomicU32 = AtomicU32::new(0);
        let id = format!("{}{}", std::process::id() % 100_000, PORTS.fetch_add(1, Ordering::Relaxed));
        let (port, end) = (format!("lp{id}"), format!("le{id}"));
        must(&words(&["ip", "link", "add", &port, "netns", &self.netns.name, "type", "veth", "peer", "name", &end, "netns", &host.name]));
        must(&self.netns.exec(&["ip", "link", "set", &port, "master", "br0"]));
        must(&self.netns.exec(&["ip", "link", "set", &port, "up"]));
        must(&host.exec(&["ip", "link", "set", &end, "name", interface]));
        for ip in addresses {
            must(&host.exec(&["ip", "addr", "add", &format!("{ip}/{prefix}"), "dev", interface]));
        }
        must(&host.exec(&["ip", "link", "set", interface, "up"]));
    }
}

/// The IPv4 addresses `interface` of `netns` holds now.
pub fn addresses(netns: &Netns, interface: &str) -> Vec<Ipv4Addr> {
    let out = run(&netns.exec(&["ip", "-4", "-o", "addr", "show", "dev", interface]), &[], std::time::Duration::from_secs(10));
    out.stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            words.find(|w| *w == "inet")?;
            words.next()?.split('/').next()?.parse().ok()
        })
        .collect()
}

/// Removes namespaces of ours whose test process is gone (a run killed before it could clean up).
pub fn remove_stale() {
    let listed = run(&words(&["ip", "netns", "list"]), &[], std::time::Duration::from_secs(10));
    for line in listed.stdout.lines() {
        let Some(name) = line.split_whitespace().next() else { continue };
        let Some(rest) = name.strip_prefix(PREFIX) else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = run(&words(&["ip", "netns", "del", name]), &[], std::time::Duration::from_secs(10));
        }
    }
}
