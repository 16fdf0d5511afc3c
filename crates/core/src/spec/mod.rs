//! The validated cluster spec: every value a renderer sees has already been checked.
//!
//! A `ClusterSpec` can only be built by [`crate::input::SpecFile::validate`], so its fields are typed
//! (`IpAddr`, [`Hostname`], [`NodePath`]) rather than strings as typed by a user.

use std::fmt;
use std::net::IpAddr;

use crate::identity::{KUBEADM_CLUSTER_ADMINS, SYSTEM_MASTERS};
use crate::release::{KubeVersion, ProfileId, Version, GUIDE_VERSION};

pub mod front;
pub use front::{ApiFront, ApiServer, Backends, Balance, FrontMode, InterfaceName, LbHost, LocalProxy, VipFront};

/// Everything the studio needs to know about a cluster's workers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Which Kubernetes the files are for, with what only that profile needs.
    pub target: Target,
    pub cluster: Cluster,
    pub kube_proxy: KubeProxy,
    pub workers: Vec<Worker>,
    pub ca: CaSpec,
    pub keys: KeySpec,
    pub paths: NodePaths,
    pub kubectl: KubectlNames,
    /// How workers reach the API servers; `cluster.api_server` is its endpoint.
    pub api_front: ApiFront,
}

impl ClusterSpec {
    /// Whether workers join with a bootstrap token (so the bundle holds no node key or certificate).
    pub fn bootstrap(&self) -> Option<&BootstrapJoin> {
        match &self.current()?.join {
            Join::BootstrapToken(join) => Some(join),
            Join::Certificates => None,
        }
    }

    pub fn profile(&self) -> ProfileId {
        match self.target {
            Target::Guide2016(_) => ProfileId::Guide2016,
            Target::Current(_) => ProfileId::Current,
        }
    }

    /// The Kubernetes minor version the files must fit.
    pub fn kubernetes_version(&self) -> Version {
        match &self.target {
            Target::Guide2016(_) => GUIDE_VERSION,
            Target::Current(current) => current.version.minor,
        }
    }

    /// The current profile's settings, if that is the profile.
    pub fn current(&self) -> Option<&Current> {
        match &self.target {
            Target::Current(current) => Some(current),
            Target::Guide2016(_) => None,
        }
    }
}

/// The profile and what it alone needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The 2016 guide exactly (Kubernetes v1.2).
    Guide2016(Guide),
    /// Today's Kubernetes (a release of `release::SUPPORTED`).
    Current(Current),
}

/// Settings of the `guide-2016` profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guide {
    /// How often the kubelet gathers container stats (`--housekeeping-interval`).
    pub housekeeping_interval: GoDuration,
}

/// Settings of the `current` profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    pub version: KubeVersion,
    /// The pod network (kube-proxy's clusterCIDR).
    pub pod_cidr: Cidr,
    /// The CRI socket the kubelet talks to, e.g. `unix:///run/containerd/containerd.sock`.
    pub runtime_endpoint: RuntimeEndpoint,
    /// The resolver file handed to pods with `dnsPolicy: Default`, CoreDNS among them.
    pub resolv_conf: NodePath,
    pub proxy_delivery: ProxyDelivery,
    pub admin_group: AdminGroup,
    /// The user the API server presents to kubelets (its `--kubelet-client-certificate`'s CN).
    pub apiserver_kubelet_client: CommonName,
    /// The KubeletConfiguration file.
    pub kubelet_config: NodePath,
    /// kube-proxy's configuration, kubeconfig and credentials.
    pub kube_proxy_dir: NodePath,
    /// How each worker gets its certificates.
    pub join: Join,
}

/// How a current-profile worker gets its certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Join {
    /// The studio issues them (with the CA key), or the CA host signs what keys-on-node.sh requested.
    Certificates,
    /// TLS bootstrapping as kubeadm joins: the kubelet makes its own key and asks the CSR API for its
    /// certificates with a bootstrap token; the CA key never leaves the control plane.
    BootstrapToken(BootstrapJoin),
}

/// The bootstrap token's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapJoin {
    /// How long the token is valid after generation.
    pub ttl_seconds: u32,
    /// What the token's Secret says it is for.
    pub description: String,
}

/// The project file's names for the join methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinMethod {
    Certificates,
    BootstrapToken,
}

impl JoinMethod {
    pub const ALL: [JoinMethod; 2] = [JoinMethod::Certificates, JoinMethod::BootstrapToken];

    pub fn as_str(self) -> &'static str {
        match self {
            JoinMethod::Certificates => "certificates",
            JoinMethod::BootstrapToken => "bootstrap-token",
        }
    }

    pub fn parse(text: &str) -> Option<JoinMethod> {
        JoinMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

/// How kube-proxy reaches each worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyDelivery {
    /// A static pod in the kubelet's manifest directory, with a client certificate per node (the guide's way).
    StaticPod,
    /// A DaemonSet with a ServiceAccount, applied once from the workstation (kubeadm's way).
    DaemonSet,
}

impl ProxyDelivery {
    pub const ALL: [ProxyDelivery; 2] = [ProxyDelivery::StaticPod, ProxyDelivery::DaemonSet];

    pub fn as_str(self) -> &'static str {
        match self {
            ProxyDelivery::StaticPod => "static-pod",
            ProxyDelivery::DaemonSet => "daemonset",
        }
    }

    pub fn parse(text: &str) -> Option<ProxyDelivery> {
        ProxyDelivery::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// The group the kubectl admin certificate carries (its `O=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminGroup {
    /// Bound to cluster-admin by a ClusterRoleBinding the bundle ships; can be unbound later.
    KubeadmClusterAdmins,
    /// Hard-wired superuser: bypasses RBAC and cannot be revoked short of rotating the CA.
    SystemMasters,
}

impl AdminGroup {
    pub const ALL: [AdminGroup; 2] = [AdminGroup::KubeadmClusterAdmins, AdminGroup::SystemMasters];

    pub fn as_str(self) -> &'static str {
        match self {
            AdminGroup::KubeadmClusterAdmins => KUBEADM_CLUSTER_ADMINS,
            AdminGroup::SystemMasters => SYSTEM_MASTERS,
        }
    }

    pub fn parse(text: &str) -> Option<AdminGroup> {
        AdminGroup::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// Cluster-wide values shared by every worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The URL workers and kubectl reach the API servers at: typed for an external front (the
    /// guide's load balancer, `https://loadbalancer.example.com`), the front's own otherwise.
    pub api_server: HttpsUrl,
    /// The cluster DNS service IP, handed to every kubelet and given to the DNS Service.
    pub dns_ip: IpAddr,
    /// The cluster domain, e.g. `cluster.local`.
    pub domain: DnsName,
    /// The service network the DNS IP is taken from.
    pub service_cidr: Cidr,
}

/// kube-proxy settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeProxy {
    pub mode: ProxyMode,
    pub image: Image,
}

/// How kube-proxy programs service addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyMode {
    Iptables,
    /// Removed in Kubernetes 1.26; the guide's alternative.
    Userspace,
    /// GA in Kubernetes 1.33.
    Nftables,
}

impl ProxyMode {
    pub const ALL: [ProxyMode; 3] = [ProxyMode::Iptables, ProxyMode::Userspace, ProxyMode::Nftables];

    /// The modes a profile's kube-proxy has, its default first.
    pub fn of(profile: ProfileId) -> &'static [ProxyMode] {
        match profile {
            ProfileId::Guide2016 => &[ProxyMode::Iptables, ProxyMode::Userspace],
            ProfileId::Current => &[ProxyMode::Iptables, ProxyMode::Nftables],
        }
    }

    pub fn as_str(self) -> &'static str {
        self.as_str_const()
    }

    /// [`ProxyMode::as_str`] for constant tables.
    pub const fn as_str_const(self) -> &'static str {
        match self {
            ProxyMode::Iptables => "iptables",
            ProxyMode::Userspace => "userspace",
            ProxyMode::Nftables => "nftables",
        }
    }
}

/// One worker node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worker {
    pub name: Hostname,
    pub ip: IpAddr,
}

/// Where the cluster CA comes from, as a project file names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaSource {
    /// The studio creates a CA.
    Generate,
    /// An existing CA is pasted in.
    Import,
}

impl CaSource {
    pub const ALL: [CaSource; 2] = [CaSource::Generate, CaSource::Import];

    pub fn as_str(self) -> &'static str {
        match self {
            CaSource::Generate => "generate",
            CaSource::Import => "import",
        }
    }

    pub fn parse(text: &str) -> Option<CaSource> {
        CaSource::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Where the cluster CA comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaSpec {
    /// The studio creates a CA.
    Generate { common_name: CommonName, validity_days: u32 },
    /// An existing CA (typically the one from the guide's etcd/flannel steps). The PEM texts have
    /// already been parsed and checked (see [`crate::pki::ca::CertificateAuthority::import`]).
    Import { certificate_pem: String, key_pem: String },
    /// An existing cluster's CA, by its certificate alone: nodes that join with a bootstrap token
    /// trust it, and the control plane signs for them.
    Trust { certificate_pem: String },
}

/// Key algorithm and leaf certificate lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpec {
    pub algorithm: KeyAlgorithm,
    pub validity_days: u32,
}

/// The private key algorithms the studio can generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyAlgorithm {
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcdsaP256,
    EcdsaP384,
}

impl KeyAlgorithm {
    pub const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
    ];

    /// The name used in project files and forms.
    pub fn as_str(self) -> &'static str {
        self.as_str_const()
    }

    /// [`KeyAlgorithm::as_str`] for constant tables.
    pub const fn as_str_const(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa2048 => "rsa-2048",
            KeyAlgorithm::Rsa3072 => "rsa-3072",
            KeyAlgorithm::Rsa4096 => "rsa-4096",
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
        }
    }

    pub fn parse(text: &str) -> Option<KeyAlgorithm> {
        KeyAlgorithm::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// RSA modulus size, or `None` for elliptic curves.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            KeyAlgorithm::Rsa2048 => Some(2048),
            KeyAlgorithm::Rsa3072 => Some(3072),
            KeyAlgorithm::Rsa4096 => Some(4096),
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => None,
        }
    }

    /// The OpenSSL curve name for elliptic curve keys.
    pub fn openssl_curve(self) -> Option<&'static str> {
        match self {
            KeyAlgorithm::EcdsaP256 => Some("prime256v1"),
            KeyAlgorithm::EcdsaP384 => Some("secp384r1"),
            _ => None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where files live on a worker (the guide's defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePaths {
    /// Directory of the worker key, CSR, certificate and openssl.cnf.
    pub ssl_dir: NodePath,
    /// The CA certificate on the node (the guide reuses the etcd CA path).
    pub ca_cert: NodePath,
    /// The kubeconfig shared by kubelet and kube-proxy.
    pub kubeconfig: NodePath,
    /// The kubelet's static pod directory.
    pub manifests_dir: NodePath,
    /// The kubelet systemd unit.
    pub kubelet_unit: NodePath,
    /// The kubelet binary.
    pub kubelet_binary: NodePath,
}

/// Names used in the workstation's kubectl configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubectlNames {
    pub cluster: ObjectName,
    pub user: ObjectName,
    pub context: ObjectName,
    pub admin_common_name: CommonName,
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Read back through the same check as typed input, so a value is never trusted unchecked.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_newtype!(
    /// An RFC 1123 host name: lowercase labels of letters, digits and inner hyphens.
    Hostname
);
text_newtype!(
    /// A DNS domain such as `cluster.local`.
    DnsName
);
text_newtype!(
    /// An absolute path on a node with no `.`/`..` components and no control characters.
    NodePath
);
text_newtype!(
    /// An `https://host[:port]` URL.
    HttpsUrl
);
text_newtype!(
    /// A Go duration such as `60s` or `1m30s`.
    GoDuration
);
text_newtype!(
    /// A container image reference.
    Image
);
text_newtype!(
    /// A kubeconfig cluster, user or context name.
    ObjectName
);
text_newtype!(
    /// An X.509 common name.
    CommonName
);
text_newtype!(
    /// A CRI endpoint: `unix://` and an absolute socket path.
    RuntimeEndpoint
);

impl RuntimeEndpoint {
    pub fn parse(text: &str) -> Result<RuntimeEndpoint, String> {
        let Some(path) = text.strip_prefix("unix://") else {
            return Err(format!("{text:?} is not a unix socket endpoint; expected unix:///run/containerd/containerd.sock or similar"));
        };
        NodePath::parse(path).map_err(|e| format!("the socket path {e}"))?;
        Ok(RuntimeEndpoint(text.to_owned()))
    }

    /// The socket's path on the node.
    pub fn socket_path(&self) -> &str {
        self.0.trim_start_matches("unix://")
    }
}

impl Hostname {
    /// Checks `text` and returns it as a host name, or says what is wrong.
    pub fn parse(text: &str) -> Result<Hostname, String> {
        check_dns_name(text, "a host name such as worker01")?;
        Ok(Hostname(text.to_owned()))
    }
}

impl DnsName {
    pub fn parse(text: &str) -> Result<DnsName, String> {
        check_dns_name(text, "a DNS domain such as cluster.local")?;
        Ok(DnsName(text.to_owned()))
    }
}

fn check_dns_name(text: &str, what: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("is empty; expected {what}"));
    }
    if text.len() > 253 {
        return Err(format!("is {} characters long; {what} has at most 253", text.len()));
    }
    for label in text.split('.') {
        if label.is_empty() {
            return Err(format!("{text:?} has an empty label (two dots, or a dot at an end); expected {what}"));
        }
        if label.len() > 63 {
            return Err(format!("label {label:?} is {} characters long; at most 63 are allowed", label.len()));
        }
        if let Some(bad) = label.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            let hint = if bad.is_ascii_uppercase() { " (use lowercase)" } else { "" };
            return Err(format!(
                "{text:?} contains {bad:?}{hint}; only lowercase letters, digits, '-' and '.' are allowed"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label {label:?} starts or ends with '-'; it must start and end with a letter or digit"));
        }
    }
    Ok(())
}

impl NodePath {
    pub fn parse(text: &str) -> Result<NodePath, String> {
        if text.is_empty() {
            return Err("is empty; expected an absolute path (starting with '/')".into());
        }
        if !text.starts_with('/') {
            return Err(format!("{text:?} is not absolute; expected a path starting with '/'"));
        }
        if text.len() > 1 && text.ends_with('/') {
            return Err(format!("{text:?} ends with '/'; leave the trailing slash off"));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(format!("contains the control character {c:?}; paths must be one plain line"));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(format!("{text:?} contains white space, which systemd and kubelet flags do not take reliably"));
        }
        for component in text[1..].split('/') {
            match component {
                "" => return Err(format!("{text:?} contains an empty component ('//')")),
                "." | ".." => return Err(format!("{text:?} contains {component:?}; write the path without it")),
                _ => {}
            }
        }
        if text == "/" {
            return Err("is the root directory; name a file or directory below it".into());
        }
        Ok(NodePath(text.to_owned()))
    }

    /// A path a package fixes (`/etc/haproxy/haproxy.cfg`), written in the code and checked by a
    /// test rather than at run time.
    pub(crate) fn fixed(path: &'static str) -> NodePath {
        debug_assert!(NodePath::parse(path).is_ok(), "{path}");
        NodePath(path.to_owned())
    }

    /// A file in the same directory.
    pub fn sibling(&self, file: &str) -> NodePath {
        match self.parent() {
            "/" => NodePath(format!("/{file}")),
            dir => NodePath(format!("{dir}/{file}")),
        }
    }

    /// This path joined with a plain file name.
    pub fn join(&self, file: &str) -> NodePath {
        NodePath(format!("{}/{}", self.0, file))
    }

    /// The directory part (`/etc/kubernetes` for `/etc/kubernetes/x.yaml`).
    pub fn parent(&self) -> &str {
        match self.0.rfind('/') {
            Some(0) => "/",
            Some(i) => &self.0[..i],
            None => "/",
        }
    }

    /// The last component.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl HttpsUrl {
    /// Accepts `https://host[:port]` with an optional trailing `/`, where host is a DNS name, an IPv4
    /// address or a bracketed IPv6 address.
    pub fn parse(text: &str) -> Result<HttpsUrl, String> {
        let rest = text
            .strip_prefix("https://")
            .ok_or_else(|| format!("{text:?} does not start with https://; the API server is only reached over TLS"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!("{text:?} has a path, query or user part; expected only https://host[:port]"));
        }
        let (host, port) = split_host_port(rest).map_err(|e| format!("{text:?}: {e}"))?;
        if let Some(port) = port {
            match port.parse::<u16>() {
                Ok(p) if p > 0 => {}
                _ => return Err(format!("port {port:?} is not a number from 1 to 65535")),
            }
        }
        let bracketed = host.starts_with('[');
        if bracketed {
            let inner = &host[1..host.len() - 1];
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(format!("{host} is not an IPv6 address"));
            }
        } else if host.parse::<std::net::Ipv4Addr>().is_err() {
            check_dns_name(host, "a host name such as loadbalancer.example.com").map_err(|e| format!("host {e}"))?;
        }
        Ok(HttpsUrl(text.strip_suffix('/').unwrap_or(text).to_owned()))
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), String> {
    if authority.is_empty() {
        return Err("has no host".into());
    }
    if authority.starts_with('[') {
        let end = authority.find(']').ok_or("has '[' without ']'")?;
        let host = &authority[..=end];
        match &authority[end + 1..] {
            "" => Ok((host, None)),
            rest => rest.strip_prefix(':').map(|p| (host, Some(p))).ok_or_else(|| "has text after ']'".into()),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => Ok((host, Some(port))),
            None => Ok((authority, None)),
        }
    }
}

impl GoDuration {
    /// The duration in whole seconds (fractions dropped). Integer arithmetic only: no float code
    /// in the page's module.
    pub fn seconds(&self) -> u64 {
        let mut nanos: u128 = 0;
        let mut rest = self.0.as_str();
        while let Some(end) = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
            let (whole, fraction) = rest[..end].split_once('.').unwrap_or((&rest[..end], ""));
            rest = &rest[end..];
            let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
            let scale: u128 = match &rest[..unit_len] {
                "h" => 3_600_000_000_000,
                "m" => 60_000_000_000,
                "s" => 1_000_000_000,
                "ms" => 1_000_000,
                "us" | "µs" => 1_000,
                _ => 1,
            };
            rest = &rest[unit_len..];
            let whole: u128 = whole.parse().unwrap_or(0);
            let digits = fraction.len().min(18) as u32;
            let fraction: u128 = fraction[..digits as usize].parse().unwrap_or(0);
            nanos = nanos.saturating_add(whole.saturating_mul(scale)).saturating_add(fraction.saturating_mul(scale) / 10u128.pow(digits));
        }
        u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX)
    }

    /// Accepts Go's `time.ParseDuration` syntax without sign: `60s`, `1m30s`, `1.5h`, `500ms`.
    pub fn parse(text: &str) -> Result<GoDuration, String> {
        let err = || format!("{text:?} is not a duration; write a number with a unit, e.g. 60s, 1m30s or 500ms");
        if text.is_empty() {
            return Err(err());
        }
        let mut rest = text;
        while !rest.is_empty() {
            let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
            let number = &rest[..number_len];
            if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.matches('.').count() > 1 {
                return Err(err());
            }
            rest = &rest[number_len..];
            let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
                .into_iter()
                .filter(|u| rest.starts_with(u))
                .max_by_key(|u| u.len())
                .ok_or_else(err)?;
            rest = &rest[unit.len()..];
        }
        Ok(GoDuration(text.to_owned()))
    }
}

impl Image {
    /// Accepts `[registry/]repository[:tag][@digest]` in lowercase, as container runtimes do.
    pub fn parse(text: &str) -> Result<Image, String> {
        if text.is_empty() {
            return Err("is empty; expected an image such as registry.k8s.io/kube-proxy:v1.37.0".into());
        }
        if text.len() > 512 {
            return Err("is longer than 512 characters".into());
        }
        let (name, digest) = match text.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        if let Some(digest) = digest {
            let ok = digest
                .split_once(':')
                .is_some_and(|(alg, hex)| !alg.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit()));
            if !ok {
                return Err(format!("digest {digest:?} is not of the form sha256:<hex>"));
            }
        }
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match name[last_slash..].split_once(':') {
            Some((_, t)) => (&name[..name.len() - t.len() - 1], Some(t)),
            None => (name, None),
        };
        if let Some(tag) = tag {
            let ok = !tag.is_empty()
                && tag.len() <= 128
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                && !tag.starts_with(['.', '-']);
            if !ok {
                return Err(format!("tag {tag:?} may hold only letters, digits, '.', '_' and '-'"));
            }
        }
        for (i, part) in repo.split('/').enumerate() {
            let is_registry = i == 0 && repo.contains('/') && (part.contains(['.', ':']) || part == "localhost");
            let allowed = |c: char| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) || (is_registry && (c == ':' || c.is_ascii_uppercase()))
            };
            if part.is_empty() || !part.chars().all(allowed) {
                return Err(format!("{part:?} is not a valid image name component (lowercase letters, digits, '.', '_', '-')"));
            }
        }
        Ok(Image(text.to_owned()))
    }
}

impl ObjectName {
    /// Accepts a kubeconfig entry name: letters, digits and `.-_@:`, at most 253 characters.
    pub fn parse(text: &str) -> Result<ObjectName, String> {
        if text.is_empty() {
            return Err("is empty; expected a name such as default-cluster".into());
        }
        if text.len() > 253 {
            return Err("is longer than 253 characters".into());
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(format!("{text:?} must start with a letter or digit"));
        }
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || "-._@:".contains(*c))) {
            return Err(format!("{text:?} contains {bad:?}; only letters, digits and - . _ @ : are allowed"));
        }
        Ok(ObjectName(text.to_owned()))
    }
}

impl CommonName {
    /// Accepts 1 to 64 printable characters without leading or trailing space (X.509 ub-common-name).
    pub fn parse(text: &str) -> Result<CommonName, String> {
        if text.is_empty() {
            return Err("is empty; a certificate needs a common name".into());
        }
        if text.chars().count() > 64 {
            return Err(format!("is {} characters long; a common name has at most 64", text.chars().count()));
        }
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(format!("contains the control character {c:?}"));
        }
        if text.trim() != text {
            return Err("starts or ends with white space".into());
        }
        if text.contains(['/', '\\', '=', '+', ',']) {
            return Err(format!("{text:?} contains one of / \\ = + , which OpenSSL subject strings treat as syntax"));
        }
        Ok(CommonName(text.to_owned()))
    }
}

/// An IP network in CIDR notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} has no prefix length; expected e.g. 10.3.0.0/24"))?;
        let network: IpAddr = addr.parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("prefix length {prefix:?} is not a number from 0 to {max}"))?;
        let cidr = Cidr { network, prefix };
        if cidr.mask(network) != network {
            return Err(format!(
                "{text:?} has host bits set; the network address is {}/{prefix}",
                cidr.mask(network)
            ));
        }
        Ok(cidr)
    }

    fn mask(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => {
                let bits = u32::from(v4);
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                IpAddr::V4((bits & mask).into())
            }
            IpAddr::V6(v6) => {
                let bits = u128::from(v6);
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                IpAddr::V6((bits & mask).into())
            }
        }
    }

    /// Whether `ip` lies inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.network.is_ipv4() && self.mask(ip) == self.network
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_follow_rfc_1123() {
        assert!(Hostname::parse("worker01").is_ok());
        assert!(Hostname::parse("node-1.example.com").is_ok());
        assert!(Hostname::parse("Worker01").unwrap_err().contains("use lowercase"));
        assert!(Hostname::parse("worker 1").unwrap_err().contains("' '"));
        assert!(Hostname::parse("-worker").unwrap_err().contains("starts or ends"));
        assert!(Hostname::parse(&"a".repeat(64)).unwrap_err().contains("at most 63"));
        assert!(Hostname::parse("a..b").unwrap_err().contains("empty label"));
    }

    #[test]
    fn node_paths_are_absolute_and_plain() {
        assert_eq!(NodePath::parse("/etc/kubernetes/ssl").unwrap().join("worker.key").as_str(), "/etc/kubernetes/ssl/worker.key");
        assert_eq!(NodePath::parse("/etc/kubernetes/worker-kubeconfig.yaml").unwrap().parent(), "/etc/kubernetes");
        for bad in ["etc/x", "/etc/../x", "/etc//x", "/etc/x/", "/etc/a\nb", "/etc/a b", "/"] {
            assert!(NodePath::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn urls_must_be_https_host_port() {
        for good in ["https://loadbalancer.example.com", "https://10.0.0.1:6443", "https://[fd00::1]:443/"] {
            assert!(HttpsUrl::parse(good).is_ok(), "{good}");
        }
        for bad in ["http://lb", "https://", "https://lb/api", "https://lb:0", "https://lb:99999", "https://LB", "https://[zz]"] {
            assert!(HttpsUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_count_their_seconds() {
        let seconds = |text: &str| GoDuration::parse(text).unwrap().seconds();
        assert_eq!((seconds("24h"), seconds("1h30m"), seconds("1.5h"), seconds("90s"), seconds("500ms")), (86_400, 5_400, 5_400, 90, 0));
    }

    #[test]
    fn durations_follow_go_syntax() {
        for good in ["60s", "1m30s", "1.5h", "500ms", "10µs"] {
            assert!(GoDuration::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "60", "s", "1x", "-1s", "1..5s", ".5s"] {
            assert!(GoDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images_follow_the_reference_grammar() {
        assert!(Image::parse("quay.io/coreos/hyperkube:v1.2.2_coreos.0").is_ok());
        assert!(Image::parse("localhost:5000/kube-proxy:v1").is_ok());
        assert!(Image::parse("Quay.io/x").is_ok());
        for bad in ["", "a b", "repo:ta g", "UPPER/x", "x@sha256:zz"] {
            assert!(Image::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidrs_check_host_bits_and_membership() {
        let cidr = Cidr::parse("10.3.0.0/24").unwrap();
        assert!(cidr.contains("10.3.0.2".parse().unwrap()));
        assert!(!cidr.contains("10.3.1.2".parse().unwrap()));
        assert!(!cidr.contains("fd00::2".parse().unwrap()));
        assert!(Cidr::parse("10.3.0.1/24").unwrap_err().contains("10.3.0.0/24"));
        assert!(Cidr::parse("fd00::/64").unwrap().contains("fd00::a".parse().unwrap()));
        assert!(Cidr::parse("10.3.0.0/33").is_err());
    }
}
