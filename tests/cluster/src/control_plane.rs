//! A real control plane in a network namespace of its own: etcd 3.6, kube-apiserver with the Node
//! and RBAC authorizers and NodeRestriction, and kube-controller-manager signing CSRs with the
//! bundle's CA. The administrator's certificates come from [`crate::admin_pki`].

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
    /// The address the API server listens on and advertises.
    pub ip: Ipv4Addr,
    /// The bundle's CA, with its key (generated with the key kept, or imported).
    pub ca: Ca,
    pub service_cidr: &'a str,
    /// The CN the bundle's RBAC grants kubelet access to (`kubectl.apiserverKubeletClient`).
    pub kubelet_client: &'a str,
}

/// etcd, kube-apiserver and kube-controller-manager, ended in reverse order when dropped.
pub struct ControlPlane {
    /// Started components, in start order.
    processes: Vec<Process>,
    pub netns: Netns,
    pub dir: PathBuf,
    pub ca: Ca,
    /// `https://<ip>:6443`
    pub url: String,
    /// A break-glass credential (`O=system:masters`) of the administrator's, like kubeadm's super-admin.conf.
    pub super_admin: PathBuf,
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
        let ips = [IpAddr::V4(spec.ip), IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V4(service_ip)];
        let dns = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"];
        let serving = admin_pki::issue(&ca, dir, "apiserver", "/CN=kube-apiserver", Usage::Server { ips: &ips, dns: &dns });
        let kubelet_client = admin_pki::issue(&ca, dir, "apiserver-kubelet-client", &format!("/CN={}", spec.kubelet_client), Usage::Client);
        let kcm = admin_pki::issue(&ca, dir, "controller-manager", "/CN=system:kube-controller-manager", Usage::Client);
        let super_admin_leaf =
            admin_pki::issue(&ca, dir, "super-admin", "/O=system:masters/CN=worker-studio-test-super-admin", Usage::Client);
        let (sa_key, sa_pub) = admin_pki::service_account_keys(dir);
        let local = format!("https://{}:6443", spec.ip);
        let kcm_kubeconfig = admin_pki::kubeconfig(dir, "controller-manager", &local, &ca.cert, &kcm);
        let super_admin = admin_pki::kubeconfig(dir, "super-admin", &local, &ca.cert, &super_admin_leaf);

        let mut plane = ControlPlane { processes: Vec::new(), netns, dir: dir.to_owned(), ca, url, super_admin };
        plane.start_etcd();
        plane.start_apiserver(spec, &serving, &kubelet_client, &sa_key, &sa_pub);
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

    fn start_apiserver(&mut self, spec: &ControlPlaneSpec, serving: &Leaf, kubelet_client: &Leaf, sa_key: &str, sa_pub: &str) {
        let ca = self.ca.cert.to_string_lossy().into_owned();
        let file = |p: &Path| p.to_string_lossy().into_owned();
        let argv = vec![
            tools::kubernetes(spec.release, "kube-apiserver"),
            "--etcd-servers=http://127.0.0.1:2379".into(),
            format!("--bind-address={}", spec.ip),
            format!("--advertise-address={}", spec.ip),
            "--secure-port=6443".into(),
            format!("--cert-dir={}", self.path("apiserver-certs")),
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
            "--profiling=false".into(),
        ];
        self.spawn("kube-apiserver", argv);
        let admin = self.super_admin.clone();
        let plane = &*self;
        let watched: Vec<&Process> = plane.processes.iter().collect();
        wait_until("kube-apiserver to be ready", Duration::from_secs(120), &watched, || {
            let out = plane.kubectl(&admin, &["get", "--raw", "/readyz"]);
            if out.success() && out.stdout.trim() == "ok" {
                Ok(())
            } else {
                Err(out.text())
            }
        });
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
        self.processes.iter().map(|p| format!("--- {} log tail:\n{}\n", p.name, p.tail(20))).collect()
    }

    pub fn processes(&self) -> Vec<&Process> {
        self.processes.iter().collect()
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        while let Some(process) = self.processes.pop() {
            drop(process);
        }
    }
}
