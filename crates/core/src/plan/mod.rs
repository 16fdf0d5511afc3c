//! The plan: which machine gets which file at which path, and every leaf certificate (its role,
//! key, CSR and certificate paths, subject, usage and SANs), decided once.
//!
//! Renderers never spell a path or an identity themselves; they read it from here, so the kubelet
//! flag, the kubeconfig entry, the install script, the zip entry, the key request, the rcgen
//! issuance and the keys-on-node openssl commands for one file always agree. The plan's profile
//! part mirrors [`Target`]: a renderer matches on it and gets exactly that profile's files.

use std::net::IpAddr;

use crate::identity::{node_user, KUBE_PROXY_USER, NODES_GROUP};
use crate::spec::{CaSpec, ClusterSpec, Current, Guide, Hostname, HttpsUrl, Join, KeyAlgorithm, NodePath, ProxyDelivery, Target};

pub mod front;
pub use front::{health_path, FrontLayout, FrontPlan, LbHostPlan, VipPlan, VrrpState};

/// The generation run: the spec plus every derived location and certificate.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    pub spec: &'a ClusterSpec,
    /// The file layout every worker shares, whatever the profile.
    pub node: NodeLayout,
    pub workstation: WorkstationLayout,
    /// What only one profile writes, with its workers' certificates.
    pub profile: ProfilePlan<'a>,
    /// The workstation's kubectl admin certificate (none where workers join with a bootstrap token:
    /// without the CA key nothing is signed here, and the admin already has a credential).
    pub admin: Option<LeafPlan>,
    /// How workers reach the API servers, and the front's own files.
    pub front: FrontPlan<'a>,
    pub front_layout: FrontLayout,
}

/// A profile's files and workers, as [`Target`] is its settings.
#[derive(Clone, Debug)]
pub enum ProfilePlan<'a> {
    Guide2016 { guide: &'a Guide, layout: GuideLayout, workers: Vec<GuideWorker<'a>> },
    Current { current: &'a Current, layout: CurrentLayout, workers: Vec<CurrentWorker<'a>> },
}

/// A worker of the guide's profile: one certificate for everything.
#[derive(Clone, Debug)]
pub struct GuideWorker<'a> {
    pub node: WorkerRef<'a>,
    pub leaf: LeafPlan,
}

/// A worker of the current profile and how it gets its certificates.
#[derive(Clone, Debug)]
pub struct CurrentWorker<'a> {
    pub node: WorkerRef<'a>,
    pub join: NodeJoin,
}

/// A current-profile worker's certificates.
#[derive(Clone, Debug)]
pub enum NodeJoin {
    /// Issued here (or signed by the CA host): the kubelet's client and serving certificates, and
    /// kube-proxy's when it runs as a static pod (a DaemonSet uses a ServiceAccount instead).
    Certificates(NodeLeaves),
    /// Asked for by the kubelet itself through the CSR API, with the bundle's bootstrap token.
    BootstrapToken,
}

/// The leaves a certificates-method worker is issued.
#[derive(Clone, Debug)]
pub struct NodeLeaves {
    pub client: LeafPlan,
    pub serving: LeafPlan,
    pub proxy: Option<LeafPlan>,
}

impl NodeLeaves {
    pub fn leaves(&self) -> impl Iterator<Item = &LeafPlan> {
        [&self.client, &self.serving].into_iter().chain(self.proxy.as_ref())
    }

    /// Each leaf with where its files live on the node.
    pub fn with_files<'l>(&'l self, layout: &'l CurrentLayout) -> Vec<(&'l LeafPlan, &'l LeafFiles)> {
        let mut leaves = vec![(&self.client, &layout.client), (&self.serving, &layout.serving)];
        leaves.extend(self.proxy.as_ref().map(|proxy| (proxy, &layout.proxy)));
        leaves
    }
}

impl CurrentWorker<'_> {
    /// The leaves issued for this worker (none for a bootstrap-token join).
    pub fn leaves(&self) -> impl Iterator<Item = &LeafPlan> {
        match &self.join {
            NodeJoin::Certificates(leaves) => Some(leaves.leaves()),
            NodeJoin::BootstrapToken => None,
        }
        .into_iter()
        .flatten()
    }
}

/// The guide's files in `paths.sslDir`, the same on every worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideLayout {
    pub openssl_cnf: NodePath,
    pub key: NodePath,
    pub csr: NodePath,
    pub cert: NodePath,
}

/// Files only the current profile writes on a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentLayout {
    pub kubelet_config: NodePath,
    /// The kubelet's client certificate (`system:node:<name>`), named in its kubeconfig.
    pub client: LeafFiles,
    /// The kubelet's serving certificate (the API server connects to it).
    pub serving: LeafFiles,
    pub proxy_dir: NodePath,
    pub proxy_config: NodePath,
    pub proxy_kubeconfig: NodePath,
    /// kube-proxy's client certificate (static pod delivery).
    pub proxy: LeafFiles,
    /// The kubeconfig with the bootstrap token (a bootstrap-token join), beside the kubeconfig the
    /// kubelet then writes itself.
    pub bootstrap_kubeconfig: NodePath,
}

/// Where one certificate's key, request and certificate live on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafFiles {
    pub key: NodePath,
    /// The request the node makes on the keys-on-node path (the guide's bundle also ships it).
    pub csr: NodePath,
    pub cert: NodePath,
}

impl LeafFiles {
    /// `dir/<name>.key`, `.csr` and `.crt`.
    fn in_dir(dir: &NodePath, stem: &str) -> LeafFiles {
        LeafFiles { key: dir.join(&format!("{stem}.key")), csr: dir.join(&format!("{stem}.csr")), cert: dir.join(&format!("{stem}.crt")) }
    }
}

/// Where each worker file lives (identical on every worker; only contents differ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLayout {
    pub ssl_dir: NodePath,
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

/// The file names inside the directories the spec chooses, as the guide and kubeadm name them.
pub mod names {
    pub const OPENSSL_CNF: &str = "openssl.cnf";
    pub const WORKER_KEY: &str = "worker.key";
    pub const WORKER_CSR: &str = "worker.csr";
    pub const WORKER_CERT: &str = "worker.crt";
    pub const KUBE_PROXY_MANIFEST: &str = "kube-proxy";
    pub const CA_CERT: &str = "ca.crt";
    pub const CA_KEY: &str = "ca.key";
    /// The kubelet's client certificate's stem: `kubelet-client.{key,csr,crt}`.
    pub const KUBELET_CLIENT: &str = "kubelet-client";
    /// The kubelet's serving certificate's stem: `kubelet.{key,csr,crt}`.
    pub const KUBELET_SERVING: &str = "kubelet";
    /// kube-proxy's client certificate's stem: `kube-proxy.{key,csr,crt}`.
    pub const PROXY: &str = "kube-proxy";
    pub const PROXY_CONFIG: &str = "config.conf";
    pub const PROXY_KUBECONFIG: &str = "kubeconfig.conf";
    pub const KUBE_PROXY_POD: &str = "kube-proxy.yaml";
    /// The kubeconfig with the bootstrap token, beside the kubelet's (kubeadm's name).
    pub const BOOTSTRAP_KUBECONFIG: &str = "bootstrap-kubelet.conf";

    /// The files a profile writes into `paths.sslDir`.
    pub fn ssl_files(target: &super::Target) -> Vec<String> {
        match target {
            super::Target::Guide2016(_) => [OPENSSL_CNF, WORKER_KEY, WORKER_CSR, WORKER_CERT].map(str::to_owned).to_vec(),
            super::Target::Current(_) => {
                [KUBELET_CLIENT, KUBELET_SERVING].iter().flat_map(|stem| [format!("{stem}.key"), format!("{stem}.crt")]).collect()
            }
        }
    }

    /// kube-proxy's files in `paths.kubeProxyDir`.
    pub fn proxy_files() -> [String; 4] {
        [PROXY_CONFIG.to_owned(), PROXY_KUBECONFIG.to_owned(), format!("{PROXY}.key"), format!("{PROXY}.crt")]
    }
}

/// A worker as the renderers see it.
#[derive(Clone, Copy, Debug)]
pub struct WorkerRef<'a> {
    pub name: &'a Hostname,
    pub ip: IpAddr,
}

/// Which private key: one per role in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyId {
    /// A CA the studio creates.
    Ca,
    /// A worker's key: the guide's one client and serving key, the current profile's kubelet client key.
    Worker(Hostname),
    /// The current profile's kubelet serving key.
    KubeletServing(Hostname),
    /// The current profile's kube-proxy client key (static pod delivery).
    KubeProxy(Hostname),
    /// The workstation's kubectl admin key.
    Admin,
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyId::Ca => f.write_str("the CA"),
            KeyId::Worker(name) => write!(f, "worker {name}"),
            KeyId::KubeletServing(name) => write!(f, "{name}'s kubelet serving key"),
            KeyId::KubeProxy(name) => write!(f, "{name}'s kube-proxy key"),
            KeyId::Admin => f.write_str("the kubectl admin"),
        }
    }
}

/// A key the pipeline needs before it can sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRequest {
    pub id: KeyId,
    pub algorithm: KeyAlgorithm,
}

/// What a leaf certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafUsage {
    /// The guide's `v3_req`: no extended key usage, good for client and server alike.
    GuideV3Req,
    /// TLS client authentication only (kubelet and kube-proxy to the API server, kubectl).
    Client,
    /// TLS server authentication only (the kubelet's API, reached by the API server).
    Server,
}

/// One leaf certificate, planned once: everyone who issues, requests, writes or checks it reads
/// this record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafPlan {
    /// Its key, which also names its role.
    pub id: KeyId,
    pub common_name: String,
    /// The subject's `O=`: a Kubernetes group such as `system:nodes`.
    pub organization: Option<String>,
    pub usage: LeafUsage,
    pub dns_sans: Vec<Hostname>,
    pub ip_sans: Vec<IpAddr>,
    pub validity_days: u32,
    pub algorithm: KeyAlgorithm,
}

impl LeafPlan {
    /// The subject as people read it: `CN=system:node:worker01, O=system:nodes`.
    pub fn subject(&self) -> String {
        match &self.organization {
            Some(o) => format!("CN={}, O={o}", self.common_name),
            None => format!("CN={}", self.common_name),
        }
    }

    /// The subject as `openssl req -subj` takes it: `/O=system:nodes/CN=system:node:worker01`.
    pub fn openssl_subject(&self) -> String {
        match &self.organization {
            Some(o) => format!("/O={o}/CN={}", self.common_name),
            None => format!("/CN={}", self.common_name),
        }
    }

    /// The SANs as openssl's configuration writes them: `DNS:worker01, IP:192.168.2.1`.
    pub fn sans_text(&self) -> String {
        let dns = self.dns_sans.iter().map(|d| format!("DNS:{d}"));
        dns.chain(self.ip_sans.iter().map(|ip| format!("IP:{ip}"))).collect::<Vec<_>>().join(", ")
    }

    /// The subject as `openssl req -noout -subject` prints it (OpenSSL 1.1 and 3).
    pub fn openssl_subject_line(&self) -> String {
        match &self.organization {
            Some(o) => format!("subject=O = {o}, CN = {}", self.common_name),
            None => format!("subject=CN = {}", self.common_name),
        }
    }
}

impl<'a> Plan<'a> {
    pub fn new(spec: &'a ClusterSpec) -> Plan<'a> {
        let paths = &spec.paths;
        let leaf = |id: KeyId, common_name: String, organization: Option<&str>, usage: LeafUsage| LeafPlan {
            id,
            common_name,
            organization: organization.map(str::to_owned),
            usage,
            dns_sans: Vec::new(),
            ip_sans: Vec::new(),
            validity_days: spec.keys.validity_days,
            algorithm: spec.keys.algorithm,
        };
        let workers = spec.workers.iter().map(|w| WorkerRef { name: &w.name, ip: w.ip });
        let (profile, kube_proxy_manifest, admin) = match &spec.target {
            Target::Guide2016(guide) => {
                let layout = GuideLayout {
                    openssl_cnf: paths.ssl_dir.join(names::OPENSSL_CNF),
                    key: paths.ssl_dir.join(names::WORKER_KEY),
                    csr: paths.ssl_dir.join(names::WORKER_CSR),
                    cert: paths.ssl_dir.join(names::WORKER_CERT),
                };
                let workers = workers
                    .map(|node| GuideWorker {
                        node,
                        leaf: LeafPlan {
                            ip_sans: vec![node.ip],
                            ..leaf(KeyId::Worker(node.name.clone()), node.name.to_string(), None, LeafUsage::GuideV3Req)
                        },
                    })
                    .collect();
                let admin = Some(leaf(KeyId::Admin, spec.kubectl.admin_common_name.to_string(), None, LeafUsage::GuideV3Req));
                (ProfilePlan::Guide2016 { guide, layout, workers }, names::KUBE_PROXY_MANIFEST, admin)
            }
            Target::Current(current) => {
                let proxy_dir = current.kube_proxy_dir.clone();
                let layout = CurrentLayout {
                    kubelet_config: current.kubelet_config.clone(),
                    client: LeafFiles::in_dir(&paths.ssl_dir, names::KUBELET_CLIENT),
                    serving: LeafFiles::in_dir(&paths.ssl_dir, names::KUBELET_SERVING),
                    proxy_config: proxy_dir.join(names::PROXY_CONFIG),
                    proxy_kubeconfig: proxy_dir.join(names::PROXY_KUBECONFIG),
                    proxy: LeafFiles::in_dir(&proxy_dir, names::PROXY),
                    proxy_dir,
                    bootstrap_kubeconfig: paths.kubeconfig.sibling(names::BOOTSTRAP_KUBECONFIG),
                };
                let bootstrap = matches!(current.join, Join::BootstrapToken(_));
                let workers = workers
                    .map(|node| {
                        let user = node_user(node.name.as_str());
                        let join = if bootstrap {
                            NodeJoin::BootstrapToken
                        } else {
                            NodeJoin::Certificates(NodeLeaves {
                                client: leaf(KeyId::Worker(node.name.clone()), user.clone(), Some(NODES_GROUP), LeafUsage::Client),
                                serving: LeafPlan {
                                    dns_sans: vec![node.name.clone()],
                                    ip_sans: vec![node.ip],
                                    ..leaf(KeyId::KubeletServing(node.name.clone()), user, Some(NODES_GROUP), LeafUsage::Server)
                                },
                                proxy: (current.proxy_delivery == ProxyDelivery::StaticPod).then(|| {
                                    leaf(KeyId::KubeProxy(node.name.clone()), KUBE_PROXY_USER.to_owned(), None, LeafUsage::Client)
                                }),
                            })
                        };
                        CurrentWorker { node, join }
                    })
                    .collect();
                let admin = (!bootstrap).then(|| {
                    leaf(KeyId::Admin, spec.kubectl.admin_common_name.to_string(), Some(current.admin_group.as_str()), LeafUsage::Client)
                });
                (ProfilePlan::Current { current, layout, workers }, names::KUBE_PROXY_POD, admin)
            }
        };
        let node = NodeLayout {
            ssl_dir: paths.ssl_dir.clone(),
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
        let front_layout = FrontPlan::layout(&paths.manifests_dir);
        Plan { spec, node, workstation, profile, admin, front: FrontPlan::new(&spec.api_front), front_layout }
    }

    /// The URL every kubeconfig, kube-proxy and kubectl names: the front's.
    pub fn api_server(&self) -> &HttpsUrl {
        &self.spec.cluster.api_server
    }

    /// The path the front's health checks ask (`/readyz`, or the guide's `/healthz`).
    pub fn health_path(&self) -> &'static str {
        health_path(self.spec.kubernetes_version())
    }

    pub fn workers(&self) -> impl Iterator<Item = WorkerRef<'a>> + 'a {
        self.spec.workers.iter().map(|w| WorkerRef { name: &w.name, ip: w.ip })
    }

    /// Every leaf certificate: each worker's, then the admin's.
    pub fn leaves(&self) -> Vec<&LeafPlan> {
        let workers: Vec<&LeafPlan> = match &self.profile {
            ProfilePlan::Guide2016 { workers, .. } => workers.iter().map(|w| &w.leaf).collect(),
            ProfilePlan::Current { workers, .. } => workers.iter().flat_map(CurrentWorker::leaves).collect(),
        };
        workers.into_iter().chain(self.admin.as_ref()).collect()
    }

    /// Every key the plan needs, in a stable order: the CA's (if the studio makes it), each
    /// worker's, then the admin's.
    pub fn key_requests(&self) -> Vec<KeyRequest> {
        let ca = matches!(self.spec.ca, CaSpec::Generate { .. }).then(|| KeyRequest { id: KeyId::Ca, algorithm: self.spec.keys.algorithm });
        ca.into_iter().chain(self.leaves().into_iter().map(|leaf| KeyRequest { id: leaf.id.clone(), algorithm: leaf.algorithm })).collect()
    }

    /// The systemd unit name the install script enables (`kubelet.service`).
    pub fn kubelet_unit_name(&self) -> &str {
        self.node.kubelet_unit.file_name()
    }
}

/// Every key a spec needs ([`Plan::key_requests`]).
pub fn key_requests(spec: &ClusterSpec) -> Vec<KeyRequest> {
    Plan::new(spec).key_requests()
}
