//! An LB host of the API front: a network namespace on the test's LAN, the bundle's files written
//! by its own `install-lb.sh` and seen at their paths, and Debian's real HAProxy and keepalived
//! started on them the way their systemd units would (in the foreground, so the test holds each
//! by its PID). HAProxy's statistics page tells which API servers it counts as up.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::{self, Netns};
use crate::overlay::Overlay;
use crate::process::{run, Output, Process};

/// HAProxy's statistics page, as the bundle's haproxy.cfg sets it up on every host.
pub const STATS: &str = "http://127.0.0.1:8404/stats;csv";

pub struct LbHost {
    pub name: String,
    pub netns: Netns,
    pub files: Overlay,
    pub dir: PathBuf,
    /// The interface keepalived puts the VIP on.
    pub interface: String,
    haproxy: Option<Process>,
    keepalived: Option<Process>,
    /// How many times each was started, for distinct log files.
    starts: u32,
}

impl LbHost {
    /// Runs the host's `install-lb.sh` with `ROOT` set (it then skips apt, its host checks and
    /// systemctl), for a host in `netns` whose interface to the LAN is `interface`.
    pub fn install(netns: Netns, name: &str, interface: &str, lb_dir: &Path, dir: &Path) -> LbHost {
        std::fs::create_dir_all(dir).expect("LB host directory");
        let root = dir.join("root");
        let script = lb_dir.join("install-lb.sh").to_string_lossy().into_owned();
        let out = run(&["bash".to_owned(), script], &[("ROOT", &root.to_string_lossy())], Duration::from_secs(60));
        assert!(out.success(), "{name}: install-lb.sh (ROOT={}) failed: {}", root.display(), out.text());
        let files = Overlay::new(&root, dir, &netns);
        LbHost { name: name.to_owned(), netns, files, dir: dir.to_owned(), interface: interface.to_owned(), haproxy: None, keepalived: None, starts: 0 }
    }

    /// A command run as this host: its namespace, its files.
    pub fn run(&self, argv: &[&str]) -> Output {
        let argv: Vec<String> = argv.iter().map(|w| (*w).to_owned()).collect();
        run(&self.files.exec(&self.netns, &argv), &[], Duration::from_secs(30))
    }

    fn start(&mut self, what: &str, argv: &[&str]) -> Process {
        self.starts += 1;
        let argv: Vec<String> = argv.iter().map(|w| (*w).to_owned()).collect();
        let log = self.dir.join(format!("{what}-{}.log", self.starts));
        Process::start(&format!("{}-{what}", self.name), &self.files.exec(&self.netns, &argv), &log)
    }

    /// HAProxy in the foreground (`-db`), on the bundle's haproxy.cfg.
    pub fn start_haproxy(&mut self) {
        let process = self.start("haproxy", &["haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"]);
        self.haproxy = Some(process);
    }

    /// keepalived's VRRP part in the foreground, logging to the console, on the bundle's
    /// keepalived.conf.
    pub fn start_keepalived(&mut self) {
        let argv = ["keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp", "-f", "/etc/keepalived/keepalived.conf"];
        let process = self.start("keepalived", &argv);
        self.keepalived = Some(process);
    }

    /// Ends HAProxy (SIGTERM, then SIGKILL).
    pub fn stop_haproxy(&mut self) {
        self.haproxy = None;
    }

    /// Sends keepalived SIGTERM, as `systemctl stop` does, and waits for it to end.
    pub fn stop_keepalived(&mut self) {
        self.keepalived = None;
    }

    /// Whether the VIP is on this host's interface now.
    pub fn holds(&self, vip: Ipv4Addr) -> bool {
        netns::addresses(&self.netns, &self.interface).contains(&vip)
    }

    /// Each API server's state as this host's HAProxy counts it: (server, `UP`/`DOWN`/...).
    pub fn backend_states(&self) -> Result<Vec<(String, String)>, String> {
        let out = run(&self.netns.exec(&["curl", "-s", "--max-time", "3", STATS]), &[], Duration::from_secs(10));
        if !out.success() {
            return Err(out.text());
        }
        Ok(backend_states(&out.stdout))
    }

    pub fn processes(&self) -> Vec<&Process> {
        self.haproxy.iter().chain(&self.keepalived).collect()
    }

    /// The tail of HAProxy's and keepalived's logs.
    pub fn logs(&self) -> String {
        self.processes().iter().map(|p| format!("--- {} log tail:\n{}\n", p.name, p.tail(20))).collect()
    }
}

/// The servers of the `kube-apiserver` backend and their status, from HAProxy's CSV statistics.
pub fn backend_states(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().trim_start_matches("# ").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(proxy), Some(server), Some(status)) = (column("pxname"), column("svname"), column("status")) else { return Vec::new() };
    lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|f| f.get(proxy) == Some(&"kube-apiserver") && !matches!(f.get(server), Some(&"FRONTEND") | Some(&"BACKEND")))
        .filter_map(|f| Some(((*f.get(server)?).to_owned(), (*f.get(status)?).to_owned())))
        .collect()
}

impl Drop for LbHost {
    fn drop(&mut self) {
        // keepalived first: it gives the VIP up before HAProxy goes.
        self.keepalived = None;
        self.haproxy = None;
    }
}
