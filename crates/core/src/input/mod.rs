//! Raw input as typed in the form or read from a project file, and its validation into a spec.
//!
//! `SpecFile` holds strings exactly as the user wrote them; [`SpecFile::validate`] is the only way
//! to a [`ClusterSpec`], and it reports every problem at once, each naming its field.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pki::ca::CertificateAuthority;
use crate::identity::APISERVER_KUBELET_CLIENT;
use crate::release::{supported_range, KubeVersion, ProfileId, DEFAULT_VERSION};
use crate::spec::{
    AdminGroup, ApiFront, BootstrapJoin, CaSource, CaSpec, Cidr, Cluster, ClusterSpec, CommonName, Current, DnsName, GoDuration, Guide, Hostname,
    Image, KeyAlgorithm, KeySpec, KubeProxy, KubectlNames, NodePath, NodePaths, ObjectName, ProxyDelivery,
    ProxyMode, RuntimeEndpoint, Target, Worker, Join, JoinMethod,
};
use crate::plan::names;
use crate::spec::FrontMode;
use crate::{json, yaml};

mod front;
pub use front::{ApiFrontInput, ApiServerInput, LbHostInput, APISERVER_PORT, ON_CONTROL_PLANE_PORT};

/// The project file format version written at the top of every project file.
pub const API_VERSION: &str = "worker-studio/v1alpha1";

/// Most workers one project may hold.
pub const MAX_WORKERS: usize = 5000;

/// A bootstrap token lives at least this long (seconds): 10 minutes.
const MIN_TOKEN_TTL: u64 = 600;
/// And at most a week.
const MAX_TOKEN_TTL: u64 = 7 * 24 * 3600;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Where: `cluster.dnsIP`, `workers[2].ip`, or `(document)` for an unreadable file.
    pub field: String,
    /// What is wrong and what would be right.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The project file: every field as text, defaults from the guide's example.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SpecFile {
    pub api_version: String,
    pub profile: String,
    /// The target Kubernetes version (current profile only), e.g. `1.37`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kubernetes_version: String,
    pub cluster: ClusterInput,
    /// How workers reach the API servers (an external front unless told otherwise).
    #[serde(skip_serializing_if = "ApiFrontInput::is_default")]
    pub api_front: ApiFrontInput,
    pub kubelet: KubeletInput,
    pub kube_proxy: KubeProxyInput,
    pub workers: Vec<WorkerInput>,
    pub ca: CaInput,
    pub keys: KeysInput,
    pub paths: PathsInput,
    pub kubectl: KubectlInput,
    /// How workers get their certificates (current profile; the guide's is `certificates`).
    #[serde(skip_serializing_if = "JoinInput::is_empty")]
    pub join: JoinInput,
}

/// How workers join: `certificates` (issued here or by the CA host) or `bootstrap-token` (the
/// kubelet asks the cluster's CSR API, as kubeadm joins).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct JoinInput {
    pub method: String,
    /// How long the bootstrap token is valid, e.g. `24h`.
    #[serde(rename = "tokenTTL", skip_serializing_if = "String::is_empty")]
    pub token_ttl: String,
    /// What the token's Secret says it is for (empty: the studio's own words).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl JoinInput {
    fn is_empty(&self) -> bool {
        self == &JoinInput::default()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterInput {
    pub api_server: String,
    #[serde(rename = "dnsIP")]
    pub dns_ip: String,
    pub domain: String,
    #[serde(rename = "serviceCIDR")]
    pub service_cidr: String,
    /// The pod network kube-proxy tells apart from outside traffic (current only).
    #[serde(rename = "podCIDR", skip_serializing_if = "String::is_empty")]
    pub pod_cidr: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KubeletInput {
    /// `--housekeeping-interval` (guide-2016 only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub housekeeping_interval: String,
    /// The CRI socket (current only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container_runtime_endpoint: String,
    /// The resolver file for `dnsPolicy: Default` pods (current only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolv_conf: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KubeProxyInput {
    pub mode: String,
    /// Empty means the profile's image.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// `static-pod` or `daemonset` (current only; the guide uses a static pod).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub delivery: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct WorkerInput {
    pub name: String,
    pub ip: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CaInput {
    /// `generate` or `import`.
    pub source: String,
    pub common_name: String,
    pub validity_days: NumberText,
    /// PEM certificate of an imported CA.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub certificate: String,
    /// PEM private key of an imported CA (PKCS#1, PKCS#8 or SEC1).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KeysInput {
    pub algorithm: String,
    pub validity_days: NumberText,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PathsInput {
    pub ssl_dir: String,
    pub ca_cert: String,
    pub kubeconfig: String,
    pub manifests_dir: String,
    pub kubelet_unit: String,
    pub kubelet_binary: String,
    /// The KubeletConfiguration file (current only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kubelet_config: String,
    /// kube-proxy's configuration and credentials (current only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kube_proxy_dir: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KubectlInput {
    pub cluster: String,
    pub user: String,
    pub context: String,
    pub admin_common_name: String,
    /// The admin certificate's group (current only): `kubeadm:cluster-admins` or `system:masters`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub admin_group: String,
    /// The CN of the API server's kubelet client certificate (current only), granted kubelet access.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub apiserver_kubelet_client: String,
}

/// A number as typed: read from a YAML number or string, written back as a number when it is one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumberText(pub String);

impl NumberText {
    /// Nothing typed.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl From<u32> for NumberText {
    fn from(n: u32) -> Self {
        NumberText(n.to_string())
    }
}

impl Serialize for NumberText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<u64>() {
            Ok(n) => serializer.serialize_u64(n),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for NumberText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        Ok(NumberText(match Raw::deserialize(deserializer)? {
            Raw::Int(n) => n.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::Text(t) => t,
        }))
    }
}

impl Default for SpecFile {
    fn default() -> Self {
        SpecFile {
            api_version: API_VERSION.into(),
            profile: ProfileId::Guide2016.as_str().into(),
            kubernetes_version: String::new(),
            cluster: ClusterInput::default(),
            api_front: ApiFrontInput::default(),
            kubelet: KubeletInput { housekeeping_interval: "60s".into(), ..KubeletInput::default() },
            kube_proxy: KubeProxyInput::default(),
            workers: (1..=3)
                .map(|i| WorkerInput { name: format!("worker{i:02}"), ip: format!("192.168.2.{i}") })
                .collect(),
            ca: CaInput::default(),
            keys: KeysInput::default(),
            paths: PathsInput::default(),
            kubectl: KubectlInput::default(),
            join: JoinInput::default(),
        }
    }
}

impl Default for ClusterInput {
    fn default() -> Self {
        ClusterInput {
            api_server: "https://loadbalancer.example.com".into(),
            dns_ip: "10.3.0.2".into(),
            domain: "cluster.local".into(),
            service_cidr: "10.3.0.0/24".into(),
            pod_cidr: String::new(),
        }
    }
}

impl Default for KubeProxyInput {
    fn default() -> Self {
        KubeProxyInput { mode: ProxyMode::Iptables.as_str().into(), image: String::new(), delivery: String::new() }
    }
}

impl Default for CaInput {
    fn default() -> Self {
        CaInput {
            source: CaSource::Generate.as_str().into(),
            common_name: "kube-ca".into(),
            validity_days: 3650.into(),
            certificate: String::new(),
            key: String::new(),
        }
    }
}

impl Default for KeysInput {
    fn default() -> Self {
        KeysInput { algorithm: KeyAlgorithm::Rsa2048.as_str().into(), validity_days: 365.into() }
    }
}

impl Default for PathsInput {
    fn default() -> Self {
        PathsInput {
            ssl_dir: "/etc/kubernetes/ssl".into(),
            ca_cert: "/etc/ssl/etcd/ca.crt".into(),
            kubeconfig: "/etc/kubernetes/worker-kubeconfig.yaml".into(),
            manifests_dir: "/etc/kubernetes/manifests".into(),
            kubelet_unit: "/etc/systemd/system/kubelet.service".into(),
            kubelet_binary: "/usr/local/bin/kubelet".into(),
            kubelet_config: String::new(),
            kube_proxy_dir: String::new(),
        }
    }
}

impl Default for KubectlInput {
    fn default() -> Self {
        KubectlInput {
            cluster: "default-cluster".into(),
            user: "default-admin".into(),
            context: "default-system".into(),
            admin_common_name: "kubectl".into(),
            admin_group: String::new(),
            apiserver_kubelet_client: String::new(),
        }
    }
}

/// A project laid over another profile's defaults ([`SpecFile::switch_profile`]): a value still
/// at the old default takes the new one, a value only the old profile has (its new default is
/// empty) goes, anything else the user changed stays. Each input type lists all its fields, so a
/// field added later cannot be forgotten here.
trait Rebase {
    fn rebase(&mut self, old: &Self, new: &Self);
}

impl Rebase for String {
    fn rebase(&mut self, old: &String, new: &String) {
        if *self == *old || (new.is_empty() && !old.is_empty()) {
            new.clone_into(self);
        }
    }
}

impl Rebase for NumberText {
    fn rebase(&mut self, old: &NumberText, new: &NumberText) {
        self.0.rebase(&old.0, &new.0);
    }
}

impl Rebase for bool {
    fn rebase(&mut self, old: &bool, new: &bool) {
        if *self == *old || (!*new && *old) {
            *self = *new;
        }
    }
}

/// A list is taken whole: the new default where it is still the old one, or where only the old
/// choice has one.
impl<T: Clone + PartialEq> Rebase for Vec<T> {
    fn rebase(&mut self, old: &Self, new: &Self) {
        if self == old || (new.is_empty() && !old.is_empty()) {
            new.clone_into(self);
        }
    }
}

macro_rules! rebase_fields {
    ($type:ident { $($field:ident),+ $(,)? }) => {
        impl Rebase for $type {
            fn rebase(&mut self, old: &Self, new: &Self) {
                let $type { $($field),+ } = self;
                $($field.rebase(&old.$field, &new.$field);)+
            }
        }
    };
}

rebase_fields!(SpecFile { api_version, profile, kubernetes_version, cluster, api_front, kubelet, kube_proxy, workers, ca, keys, paths, kubectl, join });
rebase_fields!(ApiFrontInput { mode, vip, prefix_length, port, dns_name, virtual_router_id, balance, unicast, on_control_plane, api_servers, lb_hosts });
rebase_fields!(JoinInput { method, token_ttl, description });
rebase_fields!(ClusterInput { api_server, dns_ip, domain, service_cidr, pod_cidr });
rebase_fields!(KubeletInput { housekeeping_interval, container_runtime_endpoint, resolv_conf });
rebase_fields!(KubeProxyInput { mode, image, delivery });
rebase_fields!(CaInput { source, common_name, validity_days, certificate, key });
rebase_fields!(KeysInput { algorithm, validity_days });
rebase_fields!(PathsInput { ssl_dir, ca_cert, kubeconfig, manifests_dir, kubelet_unit, kubelet_binary, kubelet_config, kube_proxy_dir });
rebase_fields!(KubectlInput { cluster, user, context, admin_common_name, admin_group, apiserver_kubelet_client });

/// Collects field errors while validating.
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn field<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.errors.push(FieldError::new(field, message))).ok()
    }

    fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }
}

fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an IPv4 or IPv6 address (e.g. 192.168.2.1 or fd00::1)"))
}

fn parse_days(text: &NumberText, max: u32) -> Result<u32, String> {
    let text = text.0.trim();
    match text.parse::<u32>() {
        Ok(0) => Err("must be at least 1 day".into()),
        Ok(n) if n > max => Err(format!("{n} days is more than the {max} allowed")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of days")),
    }
}

fn parse_path(text: &str) -> Result<NodePath, String> {
    NodePath::parse(text)
}

impl SpecFile {
    /// The default project for a profile: the guide's example values, and for `current` the
    /// paths, names and settings of a kubeadm-style node today.
    pub fn defaults(profile: ProfileId) -> SpecFile {
        let guide = SpecFile::default();
        match profile {
            ProfileId::Guide2016 => guide,
            ProfileId::Current => SpecFile {
                profile: profile.as_str().into(),
                kubernetes_version: DEFAULT_VERSION.to_string(),
                cluster: ClusterInput { pod_cidr: "10.2.0.0/16".into(), ..guide.cluster },
                kubelet: KubeletInput {
                    housekeeping_interval: String::new(),
                    container_runtime_endpoint: "unix:///run/containerd/containerd.sock".into(),
                    resolv_conf: "/etc/resolv.conf".into(),
                },
                kube_proxy: KubeProxyInput { delivery: ProxyDelivery::StaticPod.as_str().into(), ..guide.kube_proxy },
                paths: PathsInput {
                    ssl_dir: "/var/lib/kubelet/pki".into(),
                    ca_cert: "/etc/kubernetes/pki/ca.crt".into(),
                    kubeconfig: "/etc/kubernetes/kubelet.conf".into(),
                    manifests_dir: "/etc/kubernetes/manifests".into(),
                    kubelet_unit: "/etc/systemd/system/kubelet.service".into(),
                    kubelet_binary: "/usr/bin/kubelet".into(),
                    kubelet_config: "/var/lib/kubelet/config.yaml".into(),
                    kube_proxy_dir: "/var/lib/kube-proxy".into(),
                },
                kubectl: KubectlInput {
                    cluster: "kubernetes".into(),
                    user: "kubernetes-admin".into(),
                    context: "kubernetes-admin@kubernetes".into(),
                    admin_common_name: "kubernetes-admin".into(),
                    admin_group: AdminGroup::KubeadmClusterAdmins.as_str().into(),
                    apiserver_kubelet_client: APISERVER_KUBELET_CLIENT.into(),
                },
                join: JoinInput { method: JoinMethod::Certificates.as_str().into(), token_ttl: "24h".into(), description: String::new() },
                ..guide
            },
        }
    }

    /// [`SpecFile::defaults`] with a front of `mode` (its example values), where `cluster.apiServer`
    /// is left empty for any front the studio writes: the workers use the front's own URL.
    pub fn defaults_for(profile: ProfileId, mode: FrontMode) -> SpecFile {
        let mut file = SpecFile::defaults(profile);
        file.api_front = ApiFrontInput::defaults(mode);
        if mode != FrontMode::External {
            file.cluster.api_server.clear();
        }
        file
    }

    /// The profile and front a project names, where it names known ones (else the guide's and an
    /// external front).
    fn choices(&self) -> (ProfileId, FrontMode) {
        (ProfileId::parse(&self.profile).unwrap_or(ProfileId::Guide2016), self.api_front.front_mode().unwrap_or(FrontMode::External))
    }

    /// The same project with another API front: fields still at the old mode's example take the
    /// new one's, fields only the old mode has go, and `cluster.apiServer` is the front's URL
    /// (empty) for any front but an external one.
    pub fn switch_front(&self, to: FrontMode) -> SpecFile {
        let (profile, from) = self.choices();
        let mut switched = self.clone();
        switched.rebase(&SpecFile::defaults_for(profile, from), &SpecFile::defaults_for(profile, to));
        switched.api_front.mode = to.as_str().into();
        if to != FrontMode::External {
            switched.cluster.api_server.clear();
        }
        switched
    }

    /// The same project under another profile: every field still at the old profile's default
    /// takes the new one's, a field only the old profile writes goes; what the user changed
    /// (workers, CA, addresses) stays.
    pub fn switch_profile(&self, to: ProfileId) -> SpecFile {
        let mut switched = self.clone();
        if let Some(from) = ProfileId::parse(&self.profile) {
            let mode = self.choices().1;
            switched.rebase(&SpecFile::defaults_for(from, mode), &SpecFile::defaults_for(to, mode));
        }
        switched.profile = to.as_str().into();
        switched
    }

    /// The project as the page keeps it (local storage) and hands it to the engine.
    pub fn to_json(&self) -> Result<String, FieldError> {
        json::to_string(self).map_err(|e| FieldError::new("(document)", format!("the project could not be written: {e}")))
    }

    /// [`SpecFile::to_json`]'s text read back.
    pub fn from_json(text: &str) -> Result<SpecFile, FieldError> {
        json::from_str(text).map_err(|e| FieldError::new("(document)", format!("is not a project the studio saved: {e}")))
    }

    /// Reads a project file. Unknown fields, wrong types and broken YAML are errors naming the field.
    /// Fields the file leaves out take its profile's defaults.
    pub fn from_yaml(text: &str) -> Result<SpecFile, FieldError> {
        if text.trim().is_empty() {
            return Err(FieldError::new("(document)", "the project file is empty"));
        }
        let file: SpecFile = SpecFile::read(text)?;
        // Every field a profile or front fills in is empty in its type's default, so an omitted
        // field takes the profile's and the front's value, not the guide's.
        let (profile, mode) = file.choices();
        let mut base = SpecFile::defaults_for(profile, mode);
        if file.api_front.on_control_plane {
            base.api_front.set_on_control_plane(true);
        }
        yaml::from_str_over(text, &base).map_err(|e| {
            let field = if e.path.is_empty() || e.path == "." { "(document)".to_owned() } else { e.path };
            FieldError::new(field, readable_type_names(&e.message))
        })
    }

    fn read(text: &str) -> Result<SpecFile, FieldError> {
        yaml::from_str(text).map_err(|e| {
            let field = if e.path.is_empty() { "(document)".to_owned() } else { e.path };
            // serde_yaml repeats the path in front of its message; the field already says it.
            let message = match e.message.split_once(": ") {
                Some((head, rest)) if field.starts_with(head) => rest,
                _ => &e.message,
            };
            FieldError::new(field, readable_type_names(message))
        })
    }

    /// Writes the project file.
    pub fn to_yaml(&self) -> Result<String, FieldError> {
        yaml::to_string(self).map_err(|e| FieldError::new("(document)", format!("the project file could not be written: {}", e.message)))
    }

    /// Checks every field and cross-field rule; `now` (unix seconds) is for an imported CA's dates.
    pub fn validate(&self, now: i64) -> Result<ClusterSpec, Vec<FieldError>> {
        self.validate_with(now, &|certificate, key| examine_imported_ca(certificate, key, now))
    }

    /// [`SpecFile::validate`] with the imported CA examined by `examine` (given the certificate and
    /// key PEM). The studio's page passes the verdict its engine worker gave, so the page itself
    /// carries no X.509 or key parsing code.
    pub fn validate_with(&self, now: i64, examine: &dyn Fn(&str, &str) -> CaVerdict) -> Result<ClusterSpec, Vec<FieldError>> {
        let mut c = Checker { errors: Vec::new() };
        if self.api_version != API_VERSION {
            c.fail("apiVersion", format!("{:?} is not a known project version; expected {API_VERSION}", self.api_version));
        }
        let profile = c.field(
            "profile",
            ProfileId::parse(&self.profile).ok_or_else(|| {
                let known: Vec<_> = ProfileId::ALL.iter().map(|p| p.as_str()).collect();
                format!("{:?} is not a profile; choose one of: {}", self.profile, known.join(", "))
            }),
        );

        let dns_ip = c.field("cluster.dnsIP", parse_ip(&self.cluster.dns_ip));
        let domain = c.field("cluster.domain", DnsName::parse(self.cluster.domain.trim()));
        let service_cidr = c.field("cluster.serviceCIDR", Cidr::parse(self.cluster.service_cidr.trim()));
        if let (Some(ip), Some(cidr)) = (dns_ip, service_cidr) {
            if !cidr.contains(ip) {
                c.fail("cluster.dnsIP", format!("{ip} is outside the service network {cidr}; pick an address inside it, e.g. the second one"));
            }
        }

        let target = match profile {
            Some(ProfileId::Guide2016) => self.validate_guide(&mut c),
            Some(ProfileId::Current) => self.validate_current(&mut c, service_cidr),
            None => None,
        };
        let mode = profile.and_then(|p| c.field("kubeProxy.mode", proxy_mode(p, self.kube_proxy.mode.trim())));
        // An empty image means the profile's; with an unknown profile only the profile is reported.
        let image = match (self.kube_proxy.image.trim(), &target) {
            ("", Some(target)) => c.field("kubeProxy.image", Image::parse(&crate::profile::default_kube_proxy_image(target))),
            ("", None) => None,
            (text, _) => c.field("kubeProxy.image", Image::parse(text)),
        };

        let workers = self.validate_workers(&mut c, service_cidr);
        let front_cluster = front::Cluster { workers: workers.as_deref(), service_cidr, dns_ip };
        let api_front = self.api_front.validate(&mut c, &front_cluster);
        let api_server = match &api_front {
            Some(front) => c.field("cluster.apiServer", front::api_server(self.cluster.api_server.trim(), front)),
            None => None,
        };
        let keys = KeySpec {
            algorithm: c
                .field(
                    "keys.algorithm",
                    KeyAlgorithm::parse(self.keys.algorithm.trim()).ok_or_else(|| {
                        let known: Vec<_> = KeyAlgorithm::ALL.iter().map(|a| a.as_str()).collect();
                        format!("{:?} is not a key algorithm; choose one of: {}", self.keys.algorithm, known.join(", "))
                    }),
                )
                .unwrap_or(KeyAlgorithm::Rsa2048),
            validity_days: c.field("keys.validityDays", parse_days(&self.keys.validity_days, 36500)).unwrap_or(1),
        };
        let bootstrap = profile == Some(ProfileId::Current) && self.join.method.trim() == JoinMethod::BootstrapToken.as_str();
        let ca = if bootstrap { self.validate_trusted_ca(&mut c, examine) } else { self.validate_ca(&mut c, now, keys.validity_days, examine) };

        let ssl_dir = c.field("paths.sslDir", parse_path(&self.paths.ssl_dir));
        let ca_cert = c.field("paths.caCert", parse_path(&self.paths.ca_cert));
        let kubeconfig = c.field("paths.kubeconfig", parse_path(&self.paths.kubeconfig));
        let manifests_dir = c.field("paths.manifestsDir", parse_path(&self.paths.manifests_dir));
        let kubelet_unit = c.field("paths.kubeletUnit", parse_path(&self.paths.kubelet_unit));
        let kubelet_binary = c.field("paths.kubeletBinary", parse_path(&self.paths.kubelet_binary));
        let paths = (|| {
            Some(NodePaths {
                ssl_dir: ssl_dir?,
                ca_cert: ca_cert?,
                kubeconfig: kubeconfig?,
                manifests_dir: manifests_dir?,
                kubelet_unit: kubelet_unit?,
                kubelet_binary: kubelet_binary?,
            })
        })();
        if let (Some(paths), Some(target)) = (&paths, &target) {
            check_path_layout(&mut c, paths, target);
        }

        let kubectl_cluster = c.field("kubectl.cluster", ObjectName::parse(self.kubectl.cluster.trim()));
        let kubectl_user = c.field("kubectl.user", ObjectName::parse(self.kubectl.user.trim()));
        let kubectl_context = c.field("kubectl.context", ObjectName::parse(self.kubectl.context.trim()));
        let admin_common_name = c.field("kubectl.adminCommonName", CommonName::parse(&self.kubectl.admin_common_name));

        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        // Every `field` call above that returned None pushed an error, so all are present here.
        let missing = || vec![FieldError::new("(internal)", "a field was neither valid nor reported")];
        let spec = (|| {
            Some(ClusterSpec {
                target: target?,
                cluster: Cluster { api_server: api_server?, dns_ip: dns_ip?, domain: domain?, service_cidr: service_cidr? },
                kube_proxy: KubeProxy { mode: mode?, image: image? },
                workers: workers?,
                ca: ca?,
                keys,
                paths: paths?,
                kubectl: KubectlNames {
                    cluster: kubectl_cluster?,
                    user: kubectl_user?,
                    context: kubectl_context?,
                    admin_common_name: admin_common_name?,
                },
                api_front: api_front?,
            })
        })();
        spec.ok_or_else(missing)
    }

    /// The guide's one setting of its own; the current profile's fields must stay empty.
    fn validate_guide(&self, c: &mut Checker) -> Option<Target> {
        let version_why = format!("the guide-2016 profile is Kubernetes 1.2; choose the current profile for {}", supported_range());
        let only_current = [
            ("kubernetesVersion", &self.kubernetes_version, version_why.as_str()),
            ("cluster.podCIDR", &self.cluster.pod_cidr, "the guide leaves the pod network to flannel; kube-proxy's clusterCIDR belongs to the current profile"),
            ("kubelet.containerRuntimeEndpoint", &self.kubelet.container_runtime_endpoint, "the guide's kubelet 1.2 runs Docker directly; a CRI endpoint belongs to the current profile"),
            ("kubelet.resolvConf", &self.kubelet.resolv_conf, "the guide's kubelet takes the host's /etc/resolv.conf; choosing it belongs to the current profile"),
            ("paths.kubeletConfig", &self.paths.kubelet_config, "the guide's kubelet takes flags only; a KubeletConfiguration file belongs to the current profile"),
            ("paths.kubeProxyDir", &self.paths.kube_proxy_dir, "the guide's kube-proxy shares the worker kubeconfig; its own directory belongs to the current profile"),
            ("kubectl.adminGroup", &self.kubectl.admin_group, "the guide's admin certificate carries no group; groups belong to the current profile"),
            ("kubectl.apiserverKubeletClient", &self.kubectl.apiserver_kubelet_client, "the guide's kubelets let the API server in without RBAC; the binding belongs to the current profile"),
        ];
        for (field, value, why) in only_current {
            if !value.trim().is_empty() {
                c.fail(field, format!("must be empty for the guide-2016 profile: {why}"));
            }
        }
        if !matches!(self.join.method.trim(), "" | "certificates") {
            c.fail("join.method", "the guide-2016 profile's workers get certificates from the CA host; bootstrap tokens belong to the current profile");
        }
        for (field, value) in [("join.tokenTTL", &self.join.token_ttl), ("join.description", &self.join.description)] {
            if !value.trim().is_empty() {
                c.fail(field, "must be empty for the guide-2016 profile: bootstrap tokens belong to the current profile");
            }
        }
        if !matches!(self.kube_proxy.delivery.trim(), "" | "static-pod") {
            c.fail("kubeProxy.delivery", "the guide-2016 profile runs kube-proxy as a static pod; a DaemonSet belongs to the current profile");
        }
        let housekeeping_interval =
            c.field("kubelet.housekeepingInterval", GoDuration::parse(self.kubelet.housekeeping_interval.trim()))?;
        Some(Target::Guide2016(Guide { housekeeping_interval }))
    }

    fn validate_current(&self, c: &mut Checker, service_cidr: Option<Cidr>) -> Option<Target> {
        let version = c.field("kubernetesVersion", KubeVersion::parse(self.kubernetes_version.trim()));
        let pod_cidr = c.field("cluster.podCIDR", Cidr::parse(self.cluster.pod_cidr.trim()));
        if let (Some(pods), Some(services)) = (pod_cidr, service_cidr) {
            if pods.contains(services.network) || services.contains(pods.network) {
                c.fail("cluster.podCIDR", format!("{pods} overlaps the service network {services}; pods and services need separate ranges"));
            }
        }
        if !self.kubelet.housekeeping_interval.trim().is_empty() {
            c.fail(
                "kubelet.housekeepingInterval",
                "must be empty for the current profile: the KubeletConfiguration has no such field and the studio passes no tuning flags; the kubelet's default applies",
            );
        }
        let runtime_endpoint =
            c.field("kubelet.containerRuntimeEndpoint", RuntimeEndpoint::parse(self.kubelet.container_runtime_endpoint.trim()));
        let resolv_conf = c.field("kubelet.resolvConf", parse_path(self.kubelet.resolv_conf.trim()));
        let proxy_delivery = c.field(
            "kubeProxy.delivery",
            ProxyDelivery::parse(self.kube_proxy.delivery.trim())
                .ok_or_else(|| format!("{:?} is not a delivery; choose static-pod or daemonset", self.kube_proxy.delivery)),
        );
        let admin_group = c.field(
            "kubectl.adminGroup",
            AdminGroup::parse(self.kubectl.admin_group.trim()).ok_or_else(|| {
                format!("{:?} is not an admin group; choose kubeadm:cluster-admins or system:masters", self.kubectl.admin_group)
            }),
        );
        let apiserver_kubelet_client =
            c.field("kubectl.apiserverKubeletClient", CommonName::parse(&self.kubectl.apiserver_kubelet_client));
        let kubelet_config = c.field("paths.kubeletConfig", parse_path(self.paths.kubelet_config.trim()));
        let kube_proxy_dir = c.field("paths.kubeProxyDir", parse_path(self.paths.kube_proxy_dir.trim()));
        let join = self.validate_join(c, proxy_delivery);
        Some(Target::Current(Current {
            version: version?,
            pod_cidr: pod_cidr?,
            runtime_endpoint: runtime_endpoint?,
            resolv_conf: resolv_conf?,
            proxy_delivery: proxy_delivery?,
            admin_group: admin_group?,
            apiserver_kubelet_client: apiserver_kubelet_client?,
            kubelet_config: kubelet_config?,
            kube_proxy_dir: kube_proxy_dir?,
            join: join?,
        }))
    }

    /// How workers join; a bootstrap token needs kube-proxy as a DaemonSet (a static pod's
    /// certificate would need the CA key).
    fn validate_join(&self, c: &mut Checker, delivery: Option<ProxyDelivery>) -> Option<Join> {
        let method = c.field(
            "join.method",
            JoinMethod::parse(self.join.method.trim()).ok_or_else(|| {
                let known: Vec<&str> = JoinMethod::ALL.iter().map(|m| m.as_str()).collect();
                format!("{:?} is not a join method; choose {}", self.join.method, known.join(" or "))
            }),
        )?;
        if method == JoinMethod::Certificates {
            return Some(Join::Certificates);
        }
        if delivery == Some(ProxyDelivery::StaticPod) {
            c.fail(
                "kubeProxy.delivery",
                "a bootstrap-token join needs kube-proxy as a daemonset: a static pod's certificate would be signed with the CA key, which this join keeps off the page",
            );
        }
        let ttl = c.field("join.tokenTTL", GoDuration::parse(self.join.token_ttl.trim()).and_then(|ttl| {
            let seconds = ttl.seconds();
            if !(MIN_TOKEN_TTL..=MAX_TOKEN_TTL).contains(&seconds) {
                return Err(format!(
                    "{ttl} is outside 10m to 168h: a bootstrap token lets anyone who has it join a node, so it lives briefly (kubeadm's default is 24h)"
                ));
            }
            Ok(seconds as u32)
        }));
        let description = self.join.description.trim();
        if description.chars().count() > 200 || description.chars().any(char::is_control) {
            c.fail("join.description", "must be one line of at most 200 characters");
            return None;
        }
        Some(Join::BootstrapToken(BootstrapJoin { ttl_seconds: ttl?, description: description.to_owned() }))
    }

    /// Under a bootstrap-token join only the cluster CA's certificate is given: no key enters the page.
    fn validate_trusted_ca(&self, c: &mut Checker, examine: &dyn Fn(&str, &str) -> CaVerdict) -> Option<CaSpec> {
        if CaSource::parse(self.ca.source.trim()) != Some(CaSource::Import) {
            c.fail("ca.source", "a bootstrap-token join trusts the cluster's own CA: choose import and paste its ca.crt (no key)");
            return None;
        }
        if !self.ca.key.trim().is_empty() {
            c.fail("ca.key", "must be empty for a bootstrap-token join: the control plane signs for the nodes, so the CA key never needs to enter the page; clear it");
            return None;
        }
        if self.ca.certificate.trim().is_empty() {
            c.fail("ca.certificate", "is empty; paste the cluster CA certificate (PEM, -----BEGIN CERTIFICATE-----, kubeadm's /etc/kubernetes/pki/ca.crt)");
            return None;
        }
        match examine(&self.ca.certificate, "") {
            Ok(_) => Some(CaSpec::Trust { certificate_pem: self.ca.certificate.clone() }),
            Err(error) => {
                c.errors.push(error);
                None
            }
        }
    }

    fn validate_workers(&self, c: &mut Checker, service_cidr: Option<Cidr>) -> Option<Vec<Worker>> {
        if self.workers.is_empty() {
            c.fail("workers", "the cluster needs at least one worker");
            return None;
        }
        if self.workers.len() > MAX_WORKERS {
            c.fail("workers", format!("{} workers is more than the {MAX_WORKERS} one project holds", self.workers.len()));
            return None;
        }
        let before = c.errors.len();
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut ips: HashMap<IpAddr, usize> = HashMap::new();
        let mut workers = Vec::with_capacity(self.workers.len());
        for (i, w) in self.workers.iter().enumerate() {
            let name = c.field(&format!("workers[{i}].name"), Hostname::parse(w.name.trim()));
            let ip = c.field(&format!("workers[{i}].ip"), parse_ip(&w.ip));
            if let Some(name) = &name {
                if let Some(first) = names.insert(w.name.trim(), i) {
                    c.fail(format!("workers[{i}].name"), format!("{name} is already the name of workers[{first}]; worker names must be unique"));
                }
            }
            if let Some(ip) = ip {
                if let Some(first) = ips.insert(ip, i) {
                    c.fail(format!("workers[{i}].ip"), format!("{ip} is already the address of workers[{first}]; worker IPs must be unique"));
                }
                if let Some(cidr) = service_cidr.filter(|cidr| cidr.contains(ip)) {
                    c.fail(format!("workers[{i}].ip"), format!("{ip} lies inside the service network {cidr}; node addresses must be outside it"));
                }
            }
            if let (Some(name), Some(ip)) = (name, ip) {
                workers.push(Worker { name, ip });
            }
        }
        (c.errors.len() == before).then_some(workers)
    }

    fn validate_ca(&self, c: &mut Checker, now: i64, leaf_days: u32, examine: &dyn Fn(&str, &str) -> CaVerdict) -> Option<CaSpec> {
        match CaSource::parse(self.ca.source.trim()) {
            Some(CaSource::Generate) => {
                let common_name = c.field("ca.commonName", CommonName::parse(&self.ca.common_name));
                let validity_days = c.field("ca.validityDays", parse_days(&self.ca.validity_days, 36500));
                Some(CaSpec::Generate { common_name: common_name?, validity_days: validity_days? })
            }
            Some(CaSource::Import) => {
                let mut ok = true;
                if self.ca.certificate.trim().is_empty() {
                    c.fail("ca.certificate", "is empty; paste the CA certificate (PEM, -----BEGIN CERTIFICATE-----)");
                    ok = false;
                }
                if self.ca.key.trim().is_empty() {
                    c.fail("ca.key", "is empty; paste the CA private key (PEM: PKCS#1, PKCS#8 or SEC1)");
                    ok = false;
                }
                if !ok {
                    return None;
                }
                match examine(&self.ca.certificate, &self.ca.key) {
                    Ok(not_after) => {
                        let leaf_end = now + i64::from(leaf_days) * 86_400;
                        if not_after < leaf_end {
                            c.fail(
                                "keys.validityDays",
                                format!(
                                    "leaf certificates would outlive the imported CA, which expires {}; lower the validity",
                                    crate::pki::format_unix(not_after)
                                ),
                            );
                            return None;
                        }
                        Some(CaSpec::Import { certificate_pem: self.ca.certificate.clone(), key_pem: self.ca.key.clone() })
                    }
                    Err(error) => {
                        c.errors.push(error);
                        None
                    }
                }
            }
            None => {
                let known: Vec<&str> = CaSource::ALL.iter().map(|s| s.as_str()).collect();
                c.fail("ca.source", format!("{:?} is not a CA source; choose {}", self.ca.source.trim(), known.join(" or ")));
                None
            }
        }
    }
}

/// What an imported CA's PEM texts hold: the certificate's expiry (unix seconds) when the pair is
/// a usable CA, otherwise the field at fault and why.
pub type CaVerdict = Result<i64, FieldError>;

/// Parses and checks an imported CA's certificate and key (see
/// [`CertificateAuthority::import`]) as of `now`.
/// An empty `key_pem` examines the certificate alone (a CA the nodes only trust).
pub fn examine_imported_ca(certificate_pem: &str, key_pem: &str, now: i64) -> CaVerdict {
    let examined = if key_pem.trim().is_empty() {
        crate::pki::ca::examine_certificate(certificate_pem, now).map(|(_, not_after)| not_after)
    } else {
        CertificateAuthority::import(certificate_pem, key_pem, now).map(|ca| ca.not_after())
    };
    examined.map_err(|e| FieldError::new(e.field(), e.to_string()))
}

/// serde names Rust types in its messages (`expected struct SpecFile`); say what the file holds.
fn readable_type_names(message: &str) -> String {
    let mut out = message.replace(
        "expected struct SpecFile",
        "expected a project file: a mapping with apiVersion, profile, cluster, workers, ca, keys, ...",
    );
    for name in ["ClusterInput", "ApiFrontInput", "ApiServerInput", "LbHostInput", "KubeletInput", "KubeProxyInput", "WorkerInput", "CaInput", "KeysInput", "PathsInput", "KubectlInput"] {
        out = out.replace(&format!("expected struct {name}"), "expected a mapping of fields");
    }
    out
}

/// Proxy modes each profile's kube-proxy has.
fn proxy_mode(profile: ProfileId, text: &str) -> Result<ProxyMode, String> {
    let mode = ProxyMode::ALL.into_iter().find(|m| m.as_str() == text);
    match (profile, mode) {
        (ProfileId::Guide2016, Some(m @ (ProxyMode::Iptables | ProxyMode::Userspace))) => Ok(m),
        (ProfileId::Guide2016, Some(ProxyMode::Nftables)) => {
            Err("nftables arrived in kube-proxy 1.29, long after the guide's 1.2; choose iptables or userspace".into())
        }
        (ProfileId::Current, Some(m @ (ProxyMode::Iptables | ProxyMode::Nftables))) => Ok(m),
        (ProfileId::Current, Some(ProxyMode::Userspace)) => {
            Err("the userspace mode was removed in Kubernetes 1.26; choose iptables or nftables".into())
        }
        (_, None) => {
            let known: Vec<&str> = ProxyMode::of(profile).iter().map(|m| m.as_str()).collect();
            Err(format!("{text:?} is not a proxy mode; choose {}", known.join(" or ")))
        }
    }
}

/// Files that would land on the same path, or a file where a directory must be.
fn check_path_layout(c: &mut Checker, paths: &NodePaths, target: &Target) {
    let ssl_files: Vec<NodePath> = names::ssl_files(target).iter().map(|f| paths.ssl_dir.join(f)).collect();
    let mut named = vec![
        ("paths.caCert", &paths.ca_cert),
        ("paths.kubeconfig", &paths.kubeconfig),
        ("paths.kubeletUnit", &paths.kubelet_unit),
    ];
    let mut dirs = vec![("paths.sslDir", &paths.ssl_dir), ("paths.manifestsDir", &paths.manifests_dir)];
    let mut proxy_files = Vec::new();
    if let Target::Current(current) = target {
        named.push(("paths.kubeletConfig", &current.kubelet_config));
        dirs.push(("paths.kubeProxyDir", &current.kube_proxy_dir));
        proxy_files = names::proxy_files().iter().map(|f| current.kube_proxy_dir.join(f)).collect();
    }
    let in_manifests = format!("{}/", paths.manifests_dir);
    for (i, (field, path)) in named.iter().enumerate() {
        if ssl_files.contains(path) {
            c.fail(*field, format!("{path} is also a file the studio writes in paths.sslDir; choose another path"));
        }
        if proxy_files.contains(path) {
            c.fail(*field, format!("{path} is also a file the studio writes in paths.kubeProxyDir; choose another path"));
        }
        if path.as_str().starts_with(&in_manifests) {
            c.fail(*field, format!("{path} lies in paths.manifestsDir, where the kubelet would read it as a pod; choose another path"));
        }
        for (dir_field, dir) in &dirs {
            if path == dir {
                c.fail(*field, format!("{path} is also {dir_field}; a file cannot be a directory"));
            }
        }
        for (field_a, a) in &named[..i] {
            if a == path {
                c.fail(*field, format!("{path} is also {field_a}; each file needs its own path"));
            }
        }
    }
    for (i, (field, dir)) in dirs.iter().enumerate() {
        for (field_a, a) in &dirs[..i] {
            if a == dir {
                c.fail(*field, format!("is the same directory as {field_a}; each needs its own (the kubelet would try to run keys as pods)"));
            }
        }
    }
}

impl ClusterSpec {
    /// The project file for this spec (the inverse of [`SpecFile::validate`]).
    pub fn to_file(&self) -> SpecFile {
        let (ca_source, common_name, ca_days, certificate, key) = match &self.ca {
            CaSpec::Generate { common_name, validity_days } => {
                (CaSource::Generate.as_str(), common_name.to_string(), *validity_days, String::new(), String::new())
            }
            CaSpec::Import { certificate_pem, key_pem } => {
                let defaults = CaInput::default();
                (CaSource::Import.as_str(), defaults.common_name, 3650, certificate_pem.clone(), key_pem.clone())
            }
            CaSpec::Trust { certificate_pem } => {
                (CaSource::Import.as_str(), CaInput::default().common_name, 3650, certificate_pem.clone(), String::new())
            }
        };
        let join = match self.current().map(|c| &c.join) {
            None => JoinInput::default(),
            Some(Join::Certificates) => JoinInput { method: JoinMethod::Certificates.as_str().into(), token_ttl: "24h".into(), description: String::new() },
            Some(Join::BootstrapToken(join)) => {
                let (h, m, s) = (join.ttl_seconds / 3600, join.ttl_seconds / 60 % 60, join.ttl_seconds % 60);
                JoinInput { method: JoinMethod::BootstrapToken.as_str().into(), token_ttl: format!("{h}h{m}m{s}s"), description: join.description.clone() }
            }
        };
        SpecFile {
            api_version: API_VERSION.into(),
            profile: self.profile().as_str().into(),
            kubernetes_version: self.current().map(|c| c.version.to_string()).unwrap_or_default(),
            cluster: ClusterInput {
                api_server: match self.api_front {
                    ApiFront::External => self.cluster.api_server.to_string(),
                    _ => String::new(),
                },
                dns_ip: self.cluster.dns_ip.to_string(),
                domain: self.cluster.domain.to_string(),
                service_cidr: self.cluster.service_cidr.to_string(),
                pod_cidr: self.current().map(|c| c.pod_cidr.to_string()).unwrap_or_default(),
            },
            kubelet: KubeletInput {
                housekeeping_interval: match &self.target {
                    Target::Guide2016(guide) => guide.housekeeping_interval.to_string(),
                    Target::Current(_) => String::new(),
                },
                container_runtime_endpoint: self.current().map(|c| c.runtime_endpoint.to_string()).unwrap_or_default(),
                resolv_conf: self.current().map(|c| c.resolv_conf.to_string()).unwrap_or_default(),
            },
            kube_proxy: KubeProxyInput {
                mode: self.kube_proxy.mode.as_str().into(),
                image: if self.kube_proxy.image.as_str() == crate::profile::default_kube_proxy_image(&self.target) {
                    String::new()
                } else {
                    self.kube_proxy.image.to_string()
                },
                delivery: self.current().map(|c| c.proxy_delivery.as_str().to_owned()).unwrap_or_default(),
            },
            workers: self.workers.iter().map(|w| WorkerInput { name: w.name.to_string(), ip: w.ip.to_string() }).collect(),
            ca: CaInput { source: ca_source.into(), common_name, validity_days: ca_days.into(), certificate, key },
            keys: KeysInput { algorithm: self.keys.algorithm.as_str().into(), validity_days: self.keys.validity_days.into() },
            paths: PathsInput {
                ssl_dir: self.paths.ssl_dir.to_string(),
                ca_cert: self.paths.ca_cert.to_string(),
                kubeconfig: self.paths.kubeconfig.to_string(),
                manifests_dir: self.paths.manifests_dir.to_string(),
                kubelet_unit: self.paths.kubelet_unit.to_string(),
                kubelet_binary: self.paths.kubelet_binary.to_string(),
                kubelet_config: self.current().map(|c| c.kubelet_config.to_string()).unwrap_or_default(),
                kube_proxy_dir: self.current().map(|c| c.kube_proxy_dir.to_string()).unwrap_or_default(),
            },
            kubectl: KubectlInput {
                cluster: self.kubectl.cluster.to_string(),
                user: self.kubectl.user.to_string(),
                context: self.kubectl.context.to_string(),
                admin_common_name: self.kubectl.admin_common_name.to_string(),
                admin_group: self.current().map(|c| c.admin_group.as_str().to_owned()).unwrap_or_default(),
                apiserver_kubelet_client: self.current().map(|c| c.apiserver_kubelet_client.to_string()).unwrap_or_default(),
            },
            join,
            api_front: self.api_front.to_input(),
        }
    }
}

/// Parses and validates a project file in one step.
pub fn spec_from_yaml(text: &str, now: i64) -> Result<ClusterSpec, Vec<FieldError>> {
    SpecFile::from_yaml(text).map_err(|e| vec![e])?.validate(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;

    fn errors_of(file: &SpecFile) -> Vec<FieldError> {
        file.validate(NOW).expect_err("spec should be rejected")
    }

    #[test]
    fn defaults_are_the_guide_example() {
        let spec = SpecFile::default().validate(NOW).unwrap();
        assert_eq!(spec.cluster.api_server.as_str(), "https://loadbalancer.example.com");
        assert_eq!(spec.cluster.dns_ip.to_string(), "10.3.0.2");
        assert_eq!(spec.workers.len(), 3);
        assert_eq!(spec.workers[2].name.as_str(), "worker03");
        assert_eq!(spec.kube_proxy.image.as_str(), "quay.io/coreos/hyperkube:v1.2.2_coreos.0");
    }

    #[test]
    fn each_error_names_its_field() {
        let mut file = SpecFile::default();
        file.workers[1].ip = "192.168.2.300".into();
        file.workers[2].name = "Worker 3".into();
        file.cluster.dns_ip = "10.4.0.2".into();
        let fields: Vec<_> = errors_of(&file).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["cluster.dnsIP", "workers[1].ip", "workers[2].name"]);
    }

    #[test]
    fn duplicate_workers_are_rejected() {
        let mut file = SpecFile::default();
        file.workers[2] = file.workers[0].clone();
        let errors = errors_of(&file);
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("already the name of workers[0]"), "{errors:?}");
        assert!(errors[1].message.contains("already the address of workers[0]"), "{errors:?}");
    }

    #[test]
    fn yaml_errors_carry_the_path() {
        let err = SpecFile::from_yaml("workers:\n- name: a\n  ip: 1.2.3.4\n  colour: red\n").unwrap_err();
        assert_eq!(err.field, "workers[0].colour");
        assert!(err.message.contains("unknown field `colour`"), "{err}");
        let err = SpecFile::from_yaml("keys:\n  validityDays: [1]\n").unwrap_err();
        assert_eq!(err.field, "keys.validityDays");
        assert_eq!(SpecFile::from_yaml(": : :\n").unwrap_err().field, "(document)");
        assert_eq!(SpecFile::from_yaml("").unwrap_err().field, "(document)");
    }

    #[test]
    fn partial_files_take_defaults_and_numbers_may_be_quoted() {
        let file = SpecFile::from_yaml("keys:\n  validityDays: '90'\n").unwrap();
        let spec = file.validate(NOW).unwrap();
        assert_eq!(spec.keys.validity_days, 90);
        assert_eq!(spec.workers.len(), 3);
    }

    #[test]
    fn project_file_round_trips() {
        let spec = SpecFile::default().validate(NOW).unwrap();
        let text = spec.to_file().to_yaml().expect("a project file serializes");
        assert_eq!(spec_from_yaml(&text, NOW).unwrap(), spec);
        assert!(text.starts_with("apiVersion: worker-studio/v1alpha1\n"), "{text}");
    }

    #[test]
    fn colliding_paths_are_rejected() {
        let mut file = SpecFile::default();
        file.paths.kubeconfig = "/etc/kubernetes/ssl/worker.key".into();
        let errors = errors_of(&file);
        assert_eq!(errors[0].field, "paths.kubeconfig");
    }
}
