//! The plan: which machine gets which file at which path, decided once for every artifact.
//!
//! Renderers never spell a path themselves; they read it from here, so the kubelet flag, the
//! kubeconfig entry, the install script and the zip entry for one file always agree.

use std::net::IpAddr;

use crate::spec::{ClusterSpec, Hostname, NodePath, Target};

/// The generation run: the spec plus every derived location.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    pub spec: &'a ClusterSpec,
    /// The file layout shared by every worker.
    pub node: NodeLayout,
    pub workstation: WorkstationLayout,
    /// The current profile's further files.
    pub current: Option<CurrentLayout>,
}

/// Files only the current profile writes on a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentLayout {
    pub kubelet_config: NodePath,
    /// The kubelet's client certificate (`system:node:<name>`), named in its kubeconfig.
    pub client_key: NodePath,
    pub client_cert: NodePath,
    /// The kubelet's serving certificate (the API server connects to it).
    pub serving_key: NodePath,
    pub serving_cert: NodePath,
    pub proxy_dir: NodePath,
    pub proxy_config: NodePath,
    pub proxy_kubeconfig: NodePath,
    pub proxy_key: NodePath,
    pub proxy_cert: NodePath,
}

/// Where each worker file lives (identical on every worker; only contents differ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLayout {
    pub ssl_dir: NodePath,
    pub openssl_cnf: NodePath,
    pub key: NodePath,
    pub csr: NodePath,
    pub cert: NodePath,
    pub ca_cert: NodePath,
    pub kubeconfig: NodePath,
    pub manifests_dir: NodePath,
    pub kube_proxy_manifest: NodePath,
    pub kubelet_unit: NodePath,
    pub kubelet_binary: NodePath,
}

/// The workstation's kubectl files, relative to the user's home directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkstationLayout {
    pub dir: &'static str,
    pub key: &'static str,
    pub csr: &'static str,
    pub cert: &'static str,
    pub ca_cert: &'static str,
}

/// The file names inside the directories the spec chooses, as the guide names them.
pub mod names {
    pub const OPENSSL_CNF: &str = "openssl.cnf";
    pub const WORKER_KEY: &str = "worker.key";
    pub const WORKER_CSR: &str = "worker.csr";
    pub const WORKER_CERT: &str = "worker.crt";
    pub const KUBE_PROXY_MANIFEST: &str = "kube-proxy";
    pub const CA_CERT: &str = "ca.crt";
    pub const CA_KEY: &str = "ca.key";
    pub const KUBELET_CLIENT_KEY: &str = "kubelet-client.key";
    pub const KUBELET_CLIENT_CERT: &str = "kubelet-client.crt";
    pub const KUBELET_SERVING_KEY: &str = "kubelet.key";
    pub const KUBELET_SERVING_CERT: &str = "kubelet.crt";
    pub const PROXY_CONFIG: &str = "config.conf";
    pub const PROXY_KUBECONFIG: &str = "kubeconfig.conf";
    pub const PROXY_KEY: &str = "kube-proxy.key";
    pub const PROXY_CERT: &str = "kube-proxy.crt";
    pub const KUBE_PROXY_POD: &str = "kube-proxy.yaml";

    /// The files a profile writes into `paths.sslDir`.
    pub fn ssl_files(target: &super::Target) -> [&'static str; 4] {
        match target {
            super::Target::Guide2016(_) => [OPENSSL_CNF, WORKER_KEY, WORKER_CSR, WORKER_CERT],
            super::Target::Current(_) => [KUBELET_CLIENT_KEY, KUBELET_CLIENT_CERT, KUBELET_SERVING_KEY, KUBELET_SERVING_CERT],
        }
    }
}

/// A worker as the renderers see it.
#[derive(Clone, Copy, Debug)]
pub struct WorkerRef<'a> {
    pub name: &'a Hostname,
    pub ip: IpAddr,
}

impl<'a> Plan<'a> {
    pub fn new(spec: &'a ClusterSpec) -> Plan<'a> {
        let paths = &spec.paths;
        let current = spec.current().map(|current| {
            let proxy_dir = current.kube_proxy_dir.clone();
            CurrentLayout {
                kubelet_config: current.kubelet_config.clone(),
                client_key: paths.ssl_dir.join(names::KUBELET_CLIENT_KEY),
                client_cert: paths.ssl_dir.join(names::KUBELET_CLIENT_CERT),
                serving_key: paths.ssl_dir.join(names::KUBELET_SERVING_KEY),
                serving_cert: paths.ssl_dir.join(names::KUBELET_SERVING_CERT),
                proxy_config: proxy_dir.join(names::PROXY_CONFIG),
                proxy_kubeconfig: proxy_dir.join(names::PROXY_KUBECONFIG),
                proxy_key: proxy_dir.join(names::PROXY_KEY),
                proxy_cert: proxy_dir.join(names::PROXY_CERT),
                proxy_dir,
            }
        });
        let kube_proxy_manifest = match spec.target {
            Target::Guide2016(_) => names::KUBE_PROXY_MANIFEST,
            Target::Current(_) => names::KUBE_PROXY_POD,
        };
        let node = NodeLayout {
            ssl_dir: paths.ssl_dir.clone(),
            openssl_cnf: paths.ssl_dir.join(names::OPENSSL_CNF),
            key: paths.ssl_dir.join(names::WORKER_KEY),
            csr: paths.ssl_dir.join(names::WORKER_CSR),
            cert: paths.ssl_dir.join(names::WORKER_CERT),
            ca_cert: paths.ca_cert.clone(),
            kubeconfig: paths.kubeconfig.clone(),
            manifests_dir: paths.manifests_dir.clone(),
            kube_proxy_manifest: paths.manifests_dir.join(kube_proxy_manifest),
            kubelet_unit: paths.kubelet_unit.clone(),
            kubelet_binary: paths.kubelet_binary.clone(),
        };
        let workstation = WorkstationLayout {
            dir: ".kube",
            key: "kubectl.key",
            csr: "kubectl.csr",
            cert: "kubectl.crt",
            ca_cert: names::CA_CERT,
        };
        Plan { spec, node, workstation, current }
    }

    pub fn workers(&self) -> impl Iterator<Item = WorkerRef<'a>> + 'a {
        self.spec.workers.iter().map(|w| WorkerRef { name: &w.name, ip: w.ip })
    }

    /// The systemd unit name the install script enables (`kubelet.service`).
    pub fn kubelet_unit_name(&self) -> &str {
        self.node.kubelet_unit.file_name()
    }
}
