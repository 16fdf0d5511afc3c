//! The API front with the real tools: every generated haproxy.cfg passes `haproxy -c -dW` and
//! every keepalived.conf `keepalived -t` (with its interface there); a VIP front of two LB hosts
//! running Debian's HAProxy and keepalived on the bundle's own files, in front of three real
//! kube-apiservers, keeps a worker's kubeconfig working while an API server is killed or drained
//! and while the VIP moves (its check fails, keepalived stops) and comes back; a local proxy on a
//! worker keeps its kubelet registering with one API server down. Every move is timed and shown.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use worker_studio_cluster::bundle::{self, CaSource, GeneratedBundle};
use worker_studio_cluster::claims::{kubelet_registers, kubelet_unit, shown, unit_flag, whoami};
use worker_studio_cluster::control_plane::{ControlPlane, ControlPlaneSpec};
use worker_studio_cluster::lb_host::LbHost;
use worker_studio_cluster::netns::{self, Lan, Netns};
use worker_studio_cluster::node::Node;
use worker_studio_cluster::process::{run, Process};
use worker_studio_cluster::tools;

const SERVICE_CIDR: &str = "10.96.0.0/12";
const KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";
/// How long a drained API server keeps serving with a failing /readyz.
const DRAIN: Duration = Duration::from_secs(15);

fn address(subnet: u8, host: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 250, subnet, host)
}

/// Polls `probe` every 100 ms until it holds, for at most `timeout` from `since` (when the
/// awaited change was set off); returns how long after `since` it held. A bound against hangs,
/// not a figure asserted: the figures are printed.
fn time_until(what: &str, since: Instant, timeout: Duration, watched: &[&Process], mut probe: impl FnMut() -> Result<(), String>) -> Duration {
    let start = since;
    let mut last = String::from("(not tried)");
    while start.elapsed() < timeout {
        match probe() {
            Ok(()) => return start.elapsed(),
            Err(e) => last = e,
        }
        if let Some(gone) = watched.iter().find(|p| p.exited().is_some()) {
            panic!("waiting for {what}: {} ended; last try: {last}\n{}", gone.name, gone.tail(30));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let logs: String = watched.iter().map(|p| format!("--- {}:\n{}\n", p.name, p.tail(30))).collect();
    panic!("waiting for {what}: not within {timeout:?}; last try: {last}\n{logs}");
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn project(front: &str, workers: &[(&str, Ipv4Addr)]) -> String {
    let workers: String = workers.iter().map(|(name, ip)| format!("- {{name: {name}, ip: {ip}}}\n")).collect();
    format!(
        "apiVersion: worker-studio/v1alpha1\nprofile: current\nkubernetesVersion: '1.37'\n\
         cluster: {{dnsIP: 10.96.0.10, serviceCIDR: {SERVICE_CIDR}}}\nkeys: {{algorithm: ecdsa-p256}}\n\
         kubectl: {{apiserverKubeletClient: {KUBELET_CLIENT}}}\n{front}workers:\n{workers}"
    )
}

fn api_servers(subnet: u8, count: u8) -> String {
    (1..=count).map(|i| format!("  - {{name: cp{i}, ip: {}}}\n", address(subnet, i))).collect()
}

/// `haproxy -c -dW` (warnings are errors) and `keepalived -t` on one LB host's files, seen where
/// the bundle puts them, with its interface present.
fn check_lb_files(lb: &LbHost) {
    let haproxy = lb.run(&["haproxy", "-c", "-dW", "-f", "/etc/haproxy/haproxy.cfg"]);
    assert!(haproxy.success(), "{}: haproxy -c -dW: {}", lb.name, haproxy.text());
    let keepalived = lb.run(&["keepalived", "-t", "--log-console", "-f", "/etc/keepalived/keepalived.conf"]);
    assert!(keepalived.success(), "{}: keepalived -t: {}", lb.name, keepalived.text());
}

/// Every generated LB host's and local proxy's files, for each kind of front, pass the real tools;
/// a broken file does not (the control).
#[test]
fn every_generated_front_file_passes_haproxy_and_keepalived() {
    netns::remove_stale();
    let tmp = tempfile::Builder::new().prefix("wstest-").tempdir().expect("a temporary directory");
    let dir = tmp.path();
    let lbs = |hosts: &[(&str, u8, &str)]| -> String {
        hosts.iter().map(|(name, host, interface)| format!("  - {{name: {name}, ip: {}, interface: {interface}}}\n", address(9, *host))).collect()
    };
    let variants = [
        ("two", format!("apiFront:\n  mode: keepalived-haproxy\n  vip: {}\n  apiServers:\n{}  lbHosts:\n{}", address(9, 100), api_servers(9, 3), lbs(&[("lb01", 21, "eth0"), ("lb02", 22, "eth0")]))),
        (
            "three-unicast-named",
            format!(
                "apiFront:\n  mode: keepalived-haproxy\n  vip: {}\n  unicast: true\n  dnsName: api.example.com\n  balance: leastconn\n  virtualRouterId: 200\n  apiServers:\n{}  lbHosts:\n{}",
                address(9, 100),
                api_servers(9, 2),
                lbs(&[("lb01", 21, "ens18"), ("lb02", 22, "bond0.100"), ("lb03", 23, "eth1")])
            ),
        ),
        (
            "on-control-plane",
            format!("apiFront:\n  mode: keepalived-haproxy\n  onControlPlane: true\n  vip: {}\n  apiServers:\n{}  lbHosts:\n{}", address(9, 100), api_servers(9, 2), lbs(&[("cp1", 1, "eth0"), ("cp2", 2, "eth0")])),
        ),
    ];
    for (tag, front) in &variants {
        let bundle = bundle::generate(&project(front, &[("worker01", address(9, 11))]), CaSource::Generate, &dir.join(tag));
        for entry in std::fs::read_dir(bundle.dir.join("lb-hosts")).expect("lb-hosts/") {
            let name = entry.expect("an LB host").file_name().to_string_lossy().into_owned();
            let conf = bundle.text(&format!("lb-hosts/{name}/etc/keepalived/keepalived.conf"));
            let interface = conf.lines().find_map(|l| l.trim().strip_prefix("interface ")).expect("an interface").to_owned();
            let ns = Netns::create(&format!("files-{name}"));
            let lan = Lan::create(&format!("files-lan-{name}"));
            lan.attach(&ns, &interface, &[], 24);
            let lb = LbHost::install(ns, &name, &interface, &bundle.lb_host(&name), &dir.join(format!("{tag}-{name}")));
            check_lb_files(&lb);
            shown(&format!("{tag}: {name}'s haproxy.cfg and keepalived.conf pass haproxy -c -dW and keepalived -t"), &interface);
        }
    }

    let local = format!("apiFront:\n  mode: local-proxy\n  apiServers:\n{}  - {{name: cp6, ip: 'fd00::6', port: 443}}\n", api_servers(9, 2));
    let bundle = bundle::generate(&project(&local, &[("worker01", address(9, 11))]), CaSource::Generate, &dir.join("local"));
    let node = Node::install(Netns::create("files-worker01"), "worker01", address(9, 11), &bundle.worker("worker01"), &dir.join("local-worker01"));
    let checked = run(&node.exec(&["haproxy".into(), "-c".into(), "-dW".into(), "-f".into(), "/etc/haproxy/haproxy.cfg".into()]), &[], Duration::from_secs(30));
    assert!(checked.success(), "the local proxy's haproxy.cfg: {}", checked.text());
    shown("local-proxy: worker01's haproxy.cfg passes haproxy -c -dW", checked.stdout.trim());

    // The control: the tools do refuse a broken file.
    let (ns, lan) = (Netns::create("files-broken"), Lan::create("files-lan-broken"));
    lan.attach(&ns, "eth0", &[], 24);
    let bundle = GeneratedBundle { dir: dir.join("two/bundle"), ca: bundle.ca.clone() };
    let lb = LbHost::install(ns, "lb01", "eth0", &bundle.lb_host("lb01"), &dir.join("broken-lb01"));
    let cfg = lb.files.root.join("etc/haproxy/haproxy.cfg");
    let text = std::fs::read_to_string(&cfg).expect("haproxy.cfg");
    std::fs::write(&cfg, text.replace("    default_backend kube-apiserver\n", "    default_backend kube-apiservers\n")).expect("broken haproxy.cfg");
    let haproxy = lb.run(&["haproxy", "-c", "-dW", "-f", "/etc/haproxy/haproxy.cfg"]);
    assert!(!haproxy.success(), "haproxy accepted a frontend whose backend does not exist: {}", haproxy.text());
    let conf = lb.files.root.join("etc/keepalived/keepalived.conf");
    let text = std::fs::read_to_string(&conf).expect("keepalived.conf");
    std::fs::write(&conf, text.replace("interface eth0", "interface eth9")).expect("broken keepalived.conf");
    let keepalived = lb.run(&["keepalived", "-t", "--log-console", "-f", "/etc/keepalived/keepalived.conf"]);
    assert!(!keepalived.success(), "keepalived accepted an interface that does not exist: {}", keepalived.text());
    shown("refused: a haproxy.cfg naming a missing backend, a keepalived.conf naming a missing interface", &haproxy.stderr);
}

/// The API server certificate the administrator made for the front (with the bundle's certSANs)
/// satisfies the bundle's own check-apiserver-cert.sh and `validate --apiserver-cert`.
fn serving_certificate_fits(plane: &ControlPlane, bundle: &GeneratedBundle) {
    let script = bundle.path("control-plane/check-apiserver-cert.sh").to_string_lossy().into_owned();
    let cert = plane.serving_cert.to_string_lossy().into_owned();
    let out = run(&["bash".to_owned(), script, cert.clone()], &[], Duration::from_secs(30));
    assert!(out.success(), "check-apiserver-cert.sh on the API servers' certificate: {}", out.text());
    shown("check-apiserver-cert.sh: the API servers' certificate carries the front's names", out.stdout.lines().last().unwrap_or_default());
    let argv = [tools::worker_studio(), "validate".into(), bundle.dir.to_string_lossy().into_owned(), "--apiserver-cert".into(), cert];
    let out = run(&argv, &[], Duration::from_secs(120));
    assert!(out.success(), "validate --apiserver-cert: {}", out.text());
}

/// The worker's kubelet credential through the front, `times` times in a row: every call must
/// be answered.
fn through_the_front(node: &Node, kubeconfig: &str, times: usize, what: &str) {
    for i in 0..times {
        let (user, _) = whoami(&node.kubectl(kubeconfig, &["auth", "whoami", "-o", "json"]), &format!("{what} (call {})", i + 1));
        assert_eq!(user, "system:node:worker01");
    }
    shown(&format!("{what}: {times} calls through the front answered"), "system:node:worker01");
}

/// Waits until `lb`'s HAProxy counts `server` as `state` (settled: `UP`, not `UP 1/3` on its way
/// down); returns how long after `since` that was.
fn backend_becomes(lb: &LbHost, server: &str, state: &str, since: Instant, watched: &[&Process]) -> Duration {
    time_until(&format!("{}'s HAProxy to count {server} {state}", lb.name), since, Duration::from_secs(90), watched, || {
        let states = lb.backend_states()?;
        match states.iter().find(|(name, _)| name == server) {
            Some((_, now)) if now == state => Ok(()),
            other => Err(format!("{server}: {other:?} (all: {states:?})")),
        }
    })
}

/// Waits until exactly `holder` has the VIP; returns how long after `since` that was.
fn vip_on(holder: &LbHost, others: &[&LbHost], vip: Ipv4Addr, since: Instant, watched: &[&Process]) -> Duration {
    time_until(&format!("the VIP {vip} on {} alone", holder.name), since, Duration::from_secs(90), watched, || {
        let elsewhere: Vec<&str> = others.iter().filter(|o| o.holds(vip)).map(|o| o.name.as_str()).collect();
        if holder.holds(vip) && elsewhere.is_empty() {
            Ok(())
        } else {
            Err(format!("{} holds it: {}; also on {elsewhere:?}", holder.name, holder.holds(vip)))
        }
    })
}

#[test]
fn a_vip_front_survives_api_servers_and_lb_hosts_failing() {
    netns::remove_stale();
    let tmp = tempfile::Builder::new().prefix("wstest-").tempdir().expect("a temporary directory");
    let dir = tmp.path();
    let subnet = 7;
    let (vip, worker_ip) = (address(subnet, 100), address(subnet, 11));
    let front = format!(
        "apiFront:\n  mode: keepalived-haproxy\n  vip: {vip}\n  apiServers:\n{}  lbHosts:\n  - {{name: lb01, ip: {}, interface: eth0}}\n  - {{name: lb02, ip: {}, interface: eth0}}\n",
        api_servers(subnet, 3),
        address(subnet, 21),
        address(subnet, 22)
    );
    let bundle = bundle::generate(&project(&front, &[("worker01", worker_ip)]), CaSource::Generate, dir);
    let (_, unit) = kubelet_unit(&bundle, "worker01");
    let kubeconfig = unit_flag(&unit, "--kubeconfig");
    assert!(bundle.text(&format!("workers/worker01{kubeconfig}")).contains(&format!("server: https://{vip}:6443")), "the kubelet's kubeconfig names the VIP");

    let lan = Lan::create("ha-lan");
    let cp_ns = Netns::create("ha-cp");
    let cp_ips: Vec<Ipv4Addr> = (1..=3).map(|i| address(subnet, i)).collect();
    lan.attach(&cp_ns, "eth0", &cp_ips, 24);
    let names = bundle.cert_sans();
    assert_eq!(names, [vip.to_string()], "the bundle's certSANs");
    let mut plane = ControlPlane::start(
        &ControlPlaneSpec {
            release: "1.37",
            ip: cp_ips[0],
            more_apiservers: &cp_ips[1..],
            front_names: &names,
            shutdown_delay: DRAIN,
            ca: bundle.ca.clone(),
            service_cidr: SERVICE_CIDR,
            kubelet_client: KUBELET_CLIENT,
        },
        cp_ns,
        &dir.join("control-plane"),
    );
    serving_certificate_fits(&plane, &bundle);

    let mut lbs: Vec<LbHost> = ["lb01", "lb02"]
        .iter()
        .zip([21, 22])
        .map(|(name, host)| {
            let ns = Netns::create(&format!("ha-{name}"));
            lan.attach(&ns, "eth0", &[address(subnet, host)], 24);
            LbHost::install(ns, name, "eth0", &bundle.lb_host(name), &dir.join(name))
        })
        .collect();
    for lb in &mut lbs {
        check_lb_files(lb);
        lb.start_haproxy();
    }
    let checking = Instant::now();
    for server in ["cp1", "cp2", "cp3"] {
        backend_becomes(&lbs[0], server, "UP", checking, &plane.processes());
    }
    shown("lb01's HAProxy counts every API server up", &format!("{:?}", lbs[0].backend_states().unwrap_or_default()));
    let started = Instant::now();
    for lb in &mut lbs {
        lb.start_keepalived();
    }
    let (lb01, lb02) = (&lbs[0], &lbs[1]);
    let elected = vip_on(lb01, &[lb02], vip, started, &[lb01.processes(), lb02.processes()].concat());
    shown("the VIP is on the MASTER lb01", &format!("{} after keepalived started", seconds(elected)));

    let node = Node::install(Netns::create("ha-worker01"), "worker01", worker_ip, &bundle.worker("worker01"), &dir.join("worker01"));
    lan.attach(&node.netns, "eth0", &[worker_ip], 24);
    through_the_front(&node, &kubeconfig, 3, "the kubelet's kubeconfig at the VIP");

    // An API server crashes: connections go to the others at once (HAProxy redispatches), and the
    // health check takes it out. (cp1 stays: the controller manager and the administrator use it.)
    let killed = Instant::now();
    plane.kill_apiserver(1);
    through_the_front(&node, &kubeconfig, 12, "with cp2 killed");
    let all: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    let down = backend_becomes(&lbs[0], "cp2", "DOWN", killed, &all);
    shown("lb01's HAProxy took the killed cp2 out", &format!("{} after SIGKILL", seconds(down)));

    // An API server drains (SIGTERM with a shutdown delay): its /readyz fails while it still
    // serves, and HAProxy takes it out before it stops.
    let terminated = Instant::now();
    plane.drain_apiserver(2);
    let drained = {
        let all: Vec<&Process> = [lbs[0].processes(), lbs[1].processes()].concat();
        backend_becomes(&lbs[0], "cp3", "DOWN", terminated, &all)
    };
    assert!(plane.apiserver_running(2), "cp3 was taken out only once it had stopped; /readyz should have taken it out while it drained");
    shown("lb01's HAProxy took the draining cp3 out while it still served", &format!("{} after SIGTERM", seconds(drained)));
    through_the_front(&node, &kubeconfig, 6, "with cp2 killed and cp3 draining");
    plane.wait_apiserver_gone(2, DRAIN + Duration::from_secs(60));
    plane.start_apiserver(1);
    plane.start_apiserver(2);
    let ready = Instant::now();
    let all: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    backend_becomes(&lbs[0], "cp2", "UP", ready, &all);
    let back = backend_becomes(&lbs[0], "cp3", "UP", ready, &all);
    shown("cp2 and cp3 are back in lb01's HAProxy once ready", &format!("{} after both were ready again", seconds(back)));

    // lb01's HAProxy stops: its check fails, its priority drops below lb02's, the VIP moves.
    let stopped = Instant::now();
    lbs[0].stop_haproxy();
    let watched: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    let moved = vip_on(&lbs[1], &[&lbs[0]], vip, stopped, &watched);
    shown("the VIP moved to lb02 when lb01's check failed", &format!("{} after lb01's HAProxy stopped", seconds(moved)));
    through_the_front(&node, &kubeconfig, 3, "through lb02");
    let restarted = Instant::now();
    lbs[0].start_haproxy();
    let watched: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    let returned = vip_on(&lbs[0], &[&lbs[1]], vip, restarted, &watched);
    shown("the VIP returned to lb01 once its check passed again", &format!("{} after lb01's HAProxy started", seconds(returned)));

    // keepalived on lb01 stops (SIGTERM, as systemctl stop): it gives the VIP up at once.
    let terminated = Instant::now();
    lbs[0].stop_keepalived();
    let watched: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    let moved = vip_on(&lbs[1], &[&lbs[0]], vip, terminated, &watched);
    shown("the VIP moved to lb02 when keepalived on lb01 stopped", &format!("{} after SIGTERM", seconds(moved)));
    through_the_front(&node, &kubeconfig, 3, "through lb02 again");
    let started = Instant::now();
    lbs[0].start_keepalived();
    let watched: Vec<&Process> = [plane.processes(), lbs[0].processes(), lbs[1].processes()].concat();
    let returned = vip_on(&lbs[0], &[&lbs[1]], vip, started, &watched);
    shown("the VIP returned to lb01 when its keepalived started again", &format!("{} after the start", seconds(returned)));
    through_the_front(&node, &kubeconfig, 3, "through lb01 again");
    drop(node);
    drop(lbs);
    drop(plane);
    drop(lan);
}

#[test]
fn a_local_proxy_keeps_the_kubelet_joining_with_an_api_server_down() {
    netns::remove_stale();
    let tmp = tempfile::Builder::new().prefix("wstest-").tempdir().expect("a temporary directory");
    let dir = tmp.path();
    let subnet = 8;
    let worker_ip = address(subnet, 11);
    let front = format!("apiFront:\n  mode: local-proxy\n  apiServers:\n{}", api_servers(subnet, 2));
    let bundle = bundle::generate(&project(&front, &[("worker01", worker_ip)]), CaSource::Generate, dir);
    let (unit_path, unit) = kubelet_unit(&bundle, "worker01");
    let kubeconfig = unit_flag(&unit, "--kubeconfig");
    assert!(bundle.text(&format!("workers/worker01{kubeconfig}")).contains("server: https://127.0.0.1:6443"), "the kubelet's kubeconfig names the local proxy");

    let lan = Lan::create("lp-lan");
    let cp_ns = Netns::create("lp-cp");
    let cp_ips = [address(subnet, 1), address(subnet, 2)];
    lan.attach(&cp_ns, "eth0", &cp_ips, 24);
    let names = bundle.cert_sans();
    assert_eq!(names, ["127.0.0.1", "localhost"], "the bundle's certSANs");
    let mut plane = ControlPlane::start(
        &ControlPlaneSpec {
            release: "1.37",
            ip: cp_ips[0],
            more_apiservers: &cp_ips[1..],
            front_names: &names,
            shutdown_delay: Duration::ZERO,
            ca: bundle.ca.clone(),
            service_cidr: SERVICE_CIDR,
            kubelet_client: KUBELET_CLIENT,
        },
        cp_ns,
        &dir.join("control-plane"),
    );
    serving_certificate_fits(&plane, &bundle);

    let mut node = Node::install(Netns::create("lp-worker01"), "worker01", worker_ip, &bundle.worker("worker01"), &dir.join("worker01"));
    lan.attach(&node.netns, "eth0", &[worker_ip], 24);
    node.start_service("haproxy", &["haproxy".into(), "-db".into(), "-f".into(), "/etc/haproxy/haproxy.cfg".into()]);
    let watched = [plane.processes(), node.processes()].concat();
    time_until("the local proxy to answer", Instant::now(), Duration::from_secs(60), &watched, || {
        let out = node.kubectl(&kubeconfig, &["auth", "whoami"]);
        if out.success() {
            Ok(())
        } else {
            Err(out.text())
        }
    });
    through_the_front(&node, &kubeconfig, 3, "the kubelet's kubeconfig at 127.0.0.1:6443");

    // cp2 goes (cp1 stays: the controller manager and the administrator use it).
    plane.kill_apiserver(1);
    through_the_front(&node, &kubeconfig, 8, "with cp2 down");
    node.start_kubelet("1.37", &unit_path);
    kubelet_registers(&plane, &node, worker_ip);
    shown("the kubelet registered through its local proxy while cp2 was down", "Node worker01");
    drop(node);
    drop(plane);
    drop(lan);
}
