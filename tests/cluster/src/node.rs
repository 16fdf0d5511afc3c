//! A worker: a network namespace at the worker's IP, the bundle's files written by its own
//! `install.sh` and seen at their node paths through overlays in a private mount namespace, and a
//! real kubelet started with the unit's `ExecStart=` over Kubernetes' fake CRI runtime.
//!
//! What this sandbox forces, and why (README's "Tests" says the same):
//! - `containerRuntimeEndpoint`: Kubernetes' fake runtime (`k8s.io/cri-client/pkg/fake`), since no
//!   container image can be pulled here. The kubelet is real; the containers are not.
//! - `cgroupDriver: cgroupfs`: PID 1 of this VM is not systemd.
//! - `failCgroupV1: false`: this VM has cgroup v1, which the kubelet refuses from 1.35.
//! - `cgroupRoot`: a cgroup of the test's own, removed afterwards, so no cgroup is left behind.
//! - the kubelet binary is the one built here, not `/usr/bin/kubelet`.
//!
//! These come from a drop-in (`--config-dir`), so the bundle's KubeletConfiguration file itself is
//! used unchanged.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::netns::Netns;
use crate::overlay::Overlay;
use crate::process::{run, wait_until, Output, Process};
use crate::tools;

/// The cgroup hierarchies of this machine: every v1 hierarchy (the named systemd one too: the
/// kubelet checks them all) and the unified v2 one of a hybrid host (the kubelet uses it as well).
fn cgroup_hierarchies() -> Vec<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() > 2 && (fields[2] == "cgroup" || fields[2] == "cgroup2")).then(|| PathBuf::from(fields[1]))
        })
        .collect()
}

/// A cgroup of the test's own in every hierarchy; the kubelet makes its pods' cgroups below it.
/// Dropping it removes the whole tree (empty, since the containers are fake).
pub struct CgroupRoot {
    pub name: String,
    dirs: Vec<PathBuf>,
}

impl CgroupRoot {
    pub fn create(name: &str) -> CgroupRoot {
        let mut dirs = Vec::new();
        for hierarchy in cgroup_hierarchies() {
            let dir = hierarchy.join(name);
            std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
            // A new cpuset cgroup starts with no CPUs and no memory nodes; give it its parent's.
            for file in ["cpuset.cpus", "cpuset.mems"] {
                if let Ok(value) = std::fs::read_to_string(hierarchy.join(file)) {
                    let _ = std::fs::write(dir.join(file), value.trim());
                }
            }
            dirs.push(dir);
        }
        CgroupRoot { name: format!("/{name}"), dirs }
    }
}

fn remove_cgroup_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup_tree(&entry.path());
            }
        }
    }
    if let Err(e) = std::fs::remove_dir(dir) {
        eprintln!("removing cgroup {}: {e}", dir.display());
    }
}

impl Drop for CgroupRoot {
    fn drop(&mut self) {
        for dir in &self.dirs {
            remove_cgroup_tree(dir);
        }
    }
}

/// One worker machine of the test.
pub struct Node {
    /// Started processes (the fake runtime, the kubelet), in start order.
    processes: Vec<Process>,
    /// The node's own services (a local proxy), ended after the kubelet.
    services: Vec<Process>,
    cgroup: Option<CgroupRoot>,
    pub netns: Netns,
    pub name: String,
    pub ip: Ipv4Addr,
    pub dir: PathBuf,
    /// What install.sh wrote, seen at its node paths.
    pub files: Overlay,
}

impl Node {
    /// Runs the worker's own `install.sh` with `ROOT` set (it then skips its host checks and
    /// systemctl, which need containerd and systemd), for a node in `netns` at `ip`.
    pub fn install(netns: Netns, name: &str, ip: Ipv4Addr, worker_dir: &Path, dir: &Path) -> Node {
        std::fs::create_dir_all(dir).expect("node directory");
        let root = dir.join("root");
        let install = worker_dir.join("install.sh").to_string_lossy().into_owned();
        let out = run(&["bash".to_owned(), install], &[("ROOT", &root.to_string_lossy())], Duration::from_secs(60));
        assert!(out.success(), "install.sh (ROOT={}) failed: {}", root.display(), out.text());
        let files = Overlay::new(&root, dir, &netns);
        Node { processes: Vec::new(), services: Vec::new(), cgroup: None, netns, name: name.to_owned(), ip, dir: dir.to_owned(), files }
    }

    /// Where a node path's file is kept on the host (see [`Overlay::file`]).
    pub fn file(&self, node_path: &Path) -> PathBuf {
        self.files.file(node_path)
    }

    /// Writes a file at a node path, as a program on the node would (a projected ServiceAccount
    /// token, say), so the node sees it at once.
    pub fn put(&self, node_path: &Path, contents: &str) {
        self.files.put(&self.netns, node_path, contents, &self.dir);
    }

    /// `argv` as the node sees the world: its namespace, its files at their node paths.
    pub fn exec(&self, argv: &[String]) -> Vec<String> {
        self.files.exec(&self.netns, argv)
    }

    /// kubectl as the node: run on the node with one of its kubeconfigs, at its node path.
    pub fn kubectl(&self, kubeconfig: &str, args: &[&str]) -> Output {
        let mut argv = vec![tools::component("kubectl"), format!("--kubeconfig={kubeconfig}"), "--request-timeout=20s".into()];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        run(&self.exec(&argv), &[], Duration::from_secs(60))
    }

    /// The words of the unit's `ExecStart=`, as systemd would pass them.
    fn exec_start(&self, unit: &str) -> Vec<String> {
        let text = std::fs::read_to_string(self.files.root.join(&unit[1..])).unwrap_or_else(|e| panic!("reading {unit}: {e}"));
        let joined = text.replace("\\\n", " ");
        let line = joined.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap_or_else(|| panic!("{unit} has no ExecStart="));
        line.split_whitespace().map(str::to_owned).collect()
    }

    /// Starts the fake runtime and the kubelet of `release` with the unit's command line and the
    /// sandbox drop-in.
    pub fn start_kubelet(&mut self, release: &str, unit: &str) {
        let socket = self.dir.join("cri.sock");
        let cri = Process::start("fakecri", &[tools::component("fakecri"), format!("unix://{}", socket.display())], &self.dir.join("fakecri.log"));
        wait_until("the fake CRI socket", Duration::from_secs(20), &[&cri], || {
            if socket.exists() {
                Ok(())
            } else {
                Err(format!("{} not there yet", socket.display()))
            }
        });
        self.processes.push(cri);
        let cgroup = CgroupRoot::create(&format!("{}-{}-{}", crate::netns::PREFIX, std::process::id(), self.name));
        let drop_in = self.dir.join("kubelet.conf.d");
        std::fs::create_dir_all(&drop_in).expect("drop-in directory");
        std::fs::write(
            drop_in.join("50-sandbox.conf"),
            format!(
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
                 containerRuntimeEndpoint: unix://{}\ncgroupDriver: cgroupfs\nfailCgroupV1: false\ncgroupRoot: {}\n",
                socket.display(),
                cgroup.name
            ),
        )
        .expect("drop-in");
        self.cgroup = Some(cgroup);
        let mut argv = self.exec_start(unit);
        argv[0] = tools::kubernetes(release, "kubelet");
        argv.push(format!("--config-dir={}", drop_in.display()));
        argv.push("--v=2".into());
        let kubelet = Process::start("kubelet", &self.exec(&argv), &self.dir.join("kubelet.log"));
        self.processes.push(kubelet);
    }

    /// Ends the kubelet and the fake runtime (in reverse order) and removes the kubelet's cgroups.
    pub fn stop_kubelet(&mut self) {
        while let Some(process) = self.processes.pop() {
            drop(process);
        }
        self.cgroup = None;
    }

    /// Starts something else on the node (a TLS server posing as the kubelet, say).
    pub fn start(&mut self, name: &str, argv: &[String]) -> &Process {
        let process = Process::start(name, &self.netns.exec_owned(argv), &self.dir.join(format!("{name}.log")));
        self.processes.push(process);
        self.processes.last().expect("just pushed")
    }

    /// Starts a service of the node's own, seeing the node's files (its local HAProxy, say); it
    /// lives until the node is dropped, apart from the kubelet.
    pub fn start_service(&mut self, name: &str, argv: &[String]) -> &Process {
        let process = Process::start(name, &self.exec(argv), &self.dir.join(format!("{name}.log")));
        self.services.push(process);
        self.services.last().expect("just pushed")
    }

    pub fn processes(&self) -> Vec<&Process> {
        self.processes.iter().chain(&self.services).collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop_kubelet();
        while let Some(service) = self.services.pop() {
            drop(service);
        }
    }
}
