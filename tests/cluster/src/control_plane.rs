//! A real control plane in a network namespace of its own: etcd 3.6, one or more kube-apiservers
//! (each at an address of its own, all on that etcd) with the Node and RBAC authorizers and
//! NodeRestriction, and kube-controller-manager signing CSRs with the bundle's CA. An API server
//! can be killed, drained (SIGTERM: its /readyz fails while it still serves) and started again.
//! The administrator's certificates come from [`crate::admin_pki`].

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::admin_pki::{self, Ca, Leaf, Usage};
use crate::netns::Netns;
use crate::process::{run, wait_until, Output, Process};
use crate::tools;

/// What the control plane takes from the spec.
pub struct ControlPlaneSpec<'a> {
    /// The Kubernetes release of the components (`1.37`, `1.33`).
    pub release: &'a str,
    /// The address the (first) API server listens on and advertises; the controller manager and
    /// the administrator use it.
    pub ip: Ipv4Addr,
    /// Further API servers, one per address, as behind an API front.
    pub more_apiservers: &'a [Ipv4Addr],
    /// Names the serving certificate carries besides each API server's address, the `kubernetes`
    /// Service's and its DNS names: an API front's (kubeadm's `apiServer.certSANs`).
    pub front_names: &'a [String],
    /// How long an API server keeps serving after SIGTERM while its /readyz fails
    /// (`--shutdown-delay-duration`).
    pub shutdown_delay: Duration,
    /// The bundle's CA, with its key (generated with the key kept, or imported).
    pub ca: Ca,
    pub service_cidr: &'a str,
    /// The CN the bundle's RBAC grants kubelet access to (`kubectl.apiserverKubeletClient`).
    pub kubelet_client: &'a str,
}

/// One kube-apiserver: its address, its command line, and its process while it runs.
struct ApiServer {
    ip: Ipv4Addr,
    argv: Vec<String>,
    process: Option<Process>,
    starts: u32,
}

/// etcd, the API servers and kube-controller-manager, ended in reverse order when dropped.
pub struct ControlPlane {
    /// etcd, then kube-controller-manager.
    processes: Vec<Process>,
    apiservers: Vec<ApiServer>,
    pub netns: Netns,
    pub dir: PathBuf,
    pub ca: Ca,
    /// `https://<ip>:6443`
    pub url: String,
    /// A break-glass credential (`O=system:masters`) of the administrator's, like kubeadm's super-admin.conf.
    pub super_admin: PathBuf,
    /// The API servers' serving certificate (kubeadm's apiserver.crt).
    pub serving_cert: PathBuf,
}

/// The first address of an IPv4 CIDR: the `kubernetes` Service's cluster IP.
fn first_service_ip(cidr: &str) -> Ipv4Addr {
    let network: Ipv4Addr = cidr.split('/').next().and_then(|a| a.parse().ok()).expect("an IPv4 service CIDR");
    Ipv4Addr::from(u32::from(network) + 1)
}

impl ControlPlane {
    /// Starts the components in `netns`, which already holds `spec.ip` (see [`crate::netns::link`]).
    pub fn start(spec: &ControlPlaneSpec, netns: Netns, dir: &Path) -> ControlPlane {
        std::fs::create_dir_all(dir).expect("control plane directory");
        let url = format!("https://{}:6443", spec.ip);
        let ca = spec.ca.clone();
        let service_ip = first_service_ip(spec.service_cidr);
        // What kubeadm puts in apiserver.crt, plus the front's names.
        let mut ips: Vec<IpAddr> = std::iter::once(spec.ip).chain(spec.more_apiservers.iter().copied()).map(IpAddr::V4).collect();
        ips.push(IpAddr::V4(service_ip));
        let mut dns = vec!["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
        for name in spec.front_names {
            match name.parse::<IpAddr>() {
                Ok(ip) => ips.push(ip),
                Err(_) => dns.push(name),
            }
        }
        let serving = admin_pki::issue(&ca, dir, "apiserver", "/CN=kube-apiserver", Usage::Server { ips: &ips, dns: &dns });
        let kubelet_client = admin_pki::issue(&ca, dir, "apiserver-kubelet-client", &format!("/CN={}", spec.kubelet_client), Usage::Client);
        let kcm = admin_pki::issue(&ca, dir, "controller-manager", "/CN=system:kube-controller-manager", Usage::Client);
        let super_admin_leaf =
            admin_pki::issue(&ca, dir, "super-admin", "/O=system:masters/CN=worker-studio-test-super-admin", Usage::Client);
        let (sa_key, sa_pub) = admin_pki::service_account_keys(dir);
        let local = format!("https://{}:6443", spec.ip);
        let kcm_kubeconfig = admin_pki::kubeconfig(dir, "controller-manager", &local, &ca.cert, &kcm);
        let super_admin = admin_pki::kubeconfig(dir, "super-admin", &local, &ca.cert, &super_admin_leaf);

        let mut plane = ControlPlane { processes: Vec::new(), apiservers: Vec::new(), netns, dir: dir.to_owned(), ca, url, super_admin, serving_cert: serving.cert.clone() };
        plane.start_etcd();
        for ip in std::iter::once(spec.ip).chain(spec.more_apiservers.iter().copied()) {
            let argv = plane.apiserver_argv(spec, ip, &serving, &kubelet_client, &sa_key, &sa_pub);
            plane.apiservers.push(ApiServer { ip, argv, process: None, starts: 0 });
            plane.start_apiserver(plane.apiservers.len() - 1);
        }
        plane.start_controller_manager(spec.release, &kcm_kubeconfig, &sa_key);
        plane
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    fn spawn(&mut self, name: &str, argv: Vec<String>) -> &Process {
        let log = self.dir.join(format!("{name}.log"));
        let process = Process::start(name, &self.netns.exec_owned(&argv), &log);
        self.processes.push(process);
        self.processes.last().expect("just pushed")
    }

    fn start_etcd(&mut self) {
        let data = self.path("etcd-data");
        let argv = vec![
            tools::component("etcd"),
            "--name=cp".into(),
            format!("--data-dir={data}"),
            "--listen-client-urls=http://127.0.0.1:2379".into(),
            "--advertise-client-urls=http://127.0.0.1:2379".into(),
            "--listen-peer-urls=http://127.0.0.1:2380".into(),
            "--initial-advertise-peer-urls=http://127.0.0.1:2380".into(),
            "--initial-cluster=cp=http://127.0.0.1:2380".into(),
            "--log-level=warn".into(),
        ];
        let netns = self.netns.exec(&["curl", "-s", "--max-time", "2", "http://127.0.0.1:2379/health"]);
        let etcd = self.spawn("etcd", argv);
        wait_until("etcd to be healthy", Duration::from_secs(60), &[etcd], || {
            let out = run(&netns, &[], Duration::from_secs(5));
            if out.stdout.contains("\"health\":\"true\"") {
                Ok(())
            } else {
                Err(out.text())
            }
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn apiserver_argv(&self, spec: &ControlPlaneSpec, ip: Ipv4Addr, serving: &Leaf, kubelet_client: &Leaf, sa_key: &str, sa_pub: &str) -> Vec<String> {
        let ca = self.ca.cert.to_string_lossy().into_owned();
        let file = |p: &Path| p.to_string_lossy().into_owned();
        vec![
            tools::kubernetes(spec.release, "kube-apiserver"),
            "--etcd-servers=http://127.0.0.1:2379".into(),
            format!("--bind-address={ip}"),
            format!("--advertise-address={ip}"),
            "--secure-port=6443".into(),
            format!("--cert-dir={}", self.path(&format!("apiserver-certs-{ip}"))),
            format!("--tls-cert-file={}", file(&serving.cert)),
            format!("--tls-private-key-file={}", file(&serving.key)),
            format!("--client-ca-file={ca}"),
            "--authorization-mode=Node,RBAC".into(),
            "--enable-admission-plugins=NodeRestriction".into(),
            "--enable-bootstrap-token-auth=true".into(),
            // kube-proxy runs privileged, as a static pod or from its DaemonSet.
            "--allow-privileged=true".into(),
            format!("--kubelet-certificate-authority={ca}"),
            format!("--kubelet-client-certificate={}", file(&kubelet_client.cert)),
            format!("--kubelet-client-key={}", file(&kubelet_client.key)),
            "--kubelet-preferred-address-types=InternalIP".into(),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
            format!("--service-account-key-file={sa_pub}"),
            format!("--service-account-signing-key-file={sa_key}"),
            format!("--service-cluster-ip-range={}", spec.service_cidr),
            format!("--shutdown-delay-duration={}s", spec.shutdown_delay.as_secs()),
            "--profiling=false".into(),
        ]
    }

    /// The addresses of the API servers, in start order.
    pub fn apiserver_ips(&self) -> Vec<Ipv4Addr> {
        self.apiservers.iter().map(|a| a.ip).collect()
    }

    /// Starts API server `index` (again) and waits until its own /readyz says ok.
    pub fn start_apiserver(&mut self, index: usize) {
        let server = &mut self.apiservers[index];
        server.starts += 1;
        let log = self.dir.join(format!("kube-apiserver-{}-{}.log", server.ip, server.starts));
        let process = Process::start(&format!("kube-apiserver-{}", server.ip), &self.netns.exec_owned(&server.argv), &log);
        server.process = Some(process);
        let server = format!("https://{}:6443", server.ip);
        let plane = &*self;
        let watched = plane.processes();
        wait_until(&format!("kube-apiserver at {server} to be ready"), Duration::from_secs(120), &watched, || {
            let out = plane.kubectl(&plane.super_admin, &["--server", &server, "get", "--raw", "/readyz"]);
            if out.success() && out.stdout.trim() == "ok" {
                Ok(())
            } else {
                Err(out.text())
            }
        });
    }

    /// API server `index` as a crash ends it: SIGKILL.
    pub fn kill_apiserver(&mut self, index: usize) {
        if let Some(process) = self.apiservers[index].process.take() {
            process.kill();
        }
    }

    /// API server `index` told to stop (SIGTERM): it fails /readyz at once and keeps serving for
    /// the shutdown delay, then ends. Returns at once; [`ControlPlane::apiserver_running`] says
    /// when it has ended.
    pub fn drain_apiserver(&mut self, index: usize) {
        if let Some(process) = &self.apiservers[index].process {
            process.terminate();
        }
    }

    /// Whether API server `index`'s process still runs.
    pub fn apiserver_running(&self, index: usize) -> bool {
        self.apiservers[index].process.as_ref().is_some_and(|p| p.exited().is_none())
    }

    /// Waits (bounded) for a drained API server to end, and forgets its process.
    pub fn wait_apiserver_gone(&mut self, index: usize, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while self.apiserver_running(index) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        assert!(!self.apiserver_running(index), "kube-apiserver at {} still runs {timeout:?} after SIGTERM", self.apiservers[index].ip);
        self.apiservers[index].process = None;
    }

    fn start_controller_manager(&mut self, release: &str, kubeconfig: &Path, sa_key: &str) {
        let ca = self.ca.cert.to_string_lossy().into_owned();
        let kubeconfig = kubeconfig.to_string_lossy().into_owned();
        let argv = vec![
            tools::kubernetes(release, "kube-controller-manager"),
            format!("--kubeconfig={kubeconfig}"),
            format!("--authentication-kubeconfig={kubeconfig}"),
            format!("--authorization-kubeconfig={kubeconfig}"),
            "--bind-address=127.0.0.1".into(),
            format!("--cert-dir={}", self.path("controller-manager-certs")),
            format!("--cluster-signing-cert-file={ca}"),
            format!("--cluster-signing-key-file={}", self.ca.key.display()),
            format!("--root-ca-file={ca}"),
            format!("--service-account-private-key-file={sa_key}"),
            "--use-service-account-credentials=true".into(),
            "--controllers=*,bootstrapsigner,tokencleaner".into(),
            "--leader-elect=false".into(),
        ];
        let probe = self.netns.exec(&["curl", "-sk", "--max-time", "2", "https://127.0.0.1:10257/healthz"]);
        self.spawn("kube-controller-manager", argv);
        let watched: Vec<&Process> = self.processes.iter().collect();
        wait_until("kube-controller-manager to be healthy", Duration::from_secs(90), &watched, || {
            let out = run(&probe, &[], Duration::from_secs(5));
            if out.stdout.trim() == "ok" {
                Ok(())
            } else {
                Err(out.text())
            }
        });
    }

    /// kubectl (the one built with the components) with `kubeconfig`, run in the control plane's namespace.
    pub fn kubectl(&self, kubeconfig: &Path, args: &[&str]) -> Output {
        let mut argv = vec![tools::component("kubectl"), format!("--kubeconfig={}", kubeconfig.display()), "--request-timeout=20s".into()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        run(&self.netns.exec_owned(&argv), &[], Duration::from_secs(60))
    }

    /// [`ControlPlane::kubectl`] as the administrator's break-glass credential; must succeed.
    pub fn admin(&self, args: &[&str]) -> String {
        let out = self.kubectl(&self.super_admin, args);
        assert!(out.success(), "kubectl {} (super-admin) failed: {}\n{}", args.join(" "), out.text(), self.logs());
        out.stdout
    }

    /// A command run in the control plane's namespace with `env`, such as a bundle's script.
    pub fn run_script(&self, argv: &[String], env: &[(&str, &str)]) -> Output {
        run(&self.netns.exec_owned(argv), env, Duration::from_secs(120))
    }

    /// The tail of every component's log.
    pub fn logs(&self) -> String {
        self.processes().iter().map(|p| format!("--- {} log tail:\n{}\n", p.name, p.tail(20))).collect()
    }

    /// etcd, the running API servers and the controller manager.
    pub fn processes(&self) -> Vec<&Process> {
        let apiservers = self.apiservers.iter().filter_map(|a| a.process.as_ref());
        self.processes.iter().take(1).chain(apiservers).chain(self.processes.iter().skip(1)).collect()
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        // The controller manager, the API servers (killed: their data goes with the test), etcd.
        while self.processes.len() > 1 {
            self.processes.pop();
        }
        for server in &mut self.apiservers {
            if let Some(process) = server.process.take() {
                process.kill();
            }
        }
        self.processes.clear();
    }
}
