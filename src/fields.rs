//! The form's fields as a table: label, group, control, and how each reads and writes the project
//! file. Field paths are the same strings validation reports, so errors land beside their field.

use studio::input::SpecFile;
use studio::spec::{KeyAlgorithm, ProxyMode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Cluster,
    Authority,
    Keys,
    Advanced,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Cluster => "Cluster",
            Group::Authority => "Certificate authority",
            Group::Keys => "Keys & validity",
            Group::Advanced => "Node paths, names & images",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    Text,
    Number,
    Choice(&'static [&'static str]),
    Pem,
}

pub struct FieldDef {
    /// The validation path, also the input's id.
    pub path: &'static str,
    pub label: &'static str,
    pub group: Group,
    pub control: Control,
    pub get: fn(&SpecFile) -> String,
    pub set: fn(&mut SpecFile, String),
    /// Shown only when this returns true (the CA import fields).
    pub visible: fn(&SpecFile) -> bool,
}

fn always(_: &SpecFile) -> bool {
    true
}

fn importing(f: &SpecFile) -> bool {
    f.ca.source == "import"
}

fn generating(f: &SpecFile) -> bool {
    f.ca.source != "import"
}

const ALGORITHMS: &[&str] = &[
    KeyAlgorithm::Rsa2048.as_str_const(),
    KeyAlgorithm::Rsa3072.as_str_const(),
    KeyAlgorithm::Rsa4096.as_str_const(),
    KeyAlgorithm::EcdsaP256.as_str_const(),
    KeyAlgorithm::EcdsaP384.as_str_const(),
];
const MODES: &[&str] = &[ProxyMode::Iptables.as_str_const(), ProxyMode::Userspace.as_str_const()];

macro_rules! field {
    ($path:literal, $label:literal, $group:ident, $control:expr, $($part:tt).+, $visible:expr) => {
        FieldDef {
            path: $path,
            label: $label,
            group: Group::$group,
            control: $control,
            get: |f| f.$($part).+.to_string(),
            set: |f, v| f.$($part).+ = v.into(),
            visible: $visible,
        }
    };
}

/// The id of the input that edits a validation path (`workers[2].ip` -> `worker-2-ip`).
pub fn input_id(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("workers[") {
        if let Some((index, field)) = rest.split_once("].") {
            return format!("worker-{index}-{field}");
        }
    }
    path.replace(['.', '[', ']'], "-")
}

pub const FIELDS: &[FieldDef] = &[
    field!("cluster.apiServer", "API server URL (load balancer)", Cluster, Control::Text, cluster.api_server, always),
    field!("cluster.dnsIP", "Cluster DNS IP", Cluster, Control::Text, cluster.dns_ip, always),
    field!("cluster.domain", "Cluster domain", Cluster, Control::Text, cluster.domain, always),
    field!("cluster.serviceCIDR", "Service network (CIDR)", Cluster, Control::Text, cluster.service_cidr, always),
    field!("kubeProxy.mode", "kube-proxy mode", Cluster, Control::Choice(MODES), kube_proxy.mode, always),
    field!("ca.source", "CA source", Authority, Control::Choice(&["generate", "import"]), ca.source, always),
    field!("ca.commonName", "CA common name", Authority, Control::Text, ca.common_name, generating),
    field!("ca.validityDays", "CA validity (days)", Authority, Control::Number, ca.validity_days.0, generating),
    field!("ca.certificate", "CA certificate (PEM)", Authority, Control::Pem, ca.certificate, importing),
    field!("ca.key", "CA private key (PEM; stays in this tab)", Authority, Control::Pem, ca.key, importing),
    field!("keys.algorithm", "Key algorithm", Keys, Control::Choice(ALGORITHMS), keys.algorithm, always),
    field!("keys.validityDays", "Certificate validity (days)", Keys, Control::Number, keys.validity_days.0, always),
    field!("kubelet.housekeepingInterval", "Kubelet housekeeping interval", Advanced, Control::Text, kubelet.housekeeping_interval, always),
    field!("kubeProxy.image", "kube-proxy image (empty: the profile's)", Advanced, Control::Text, kube_proxy.image, always),
    field!("paths.sslDir", "Worker SSL directory", Advanced, Control::Text, paths.ssl_dir, always),
    field!("paths.caCert", "CA certificate on the node", Advanced, Control::Text, paths.ca_cert, always),
    field!("paths.kubeconfig", "Worker kubeconfig", Advanced, Control::Text, paths.kubeconfig, always),
    field!("paths.manifestsDir", "Static pod directory", Advanced, Control::Text, paths.manifests_dir, always),
    field!("paths.kubeletUnit", "Kubelet unit file", Advanced, Control::Text, paths.kubelet_unit, always),
    field!("paths.kubeletBinary", "Kubelet binary", Advanced, Control::Text, paths.kubelet_binary, always),
    field!("kubectl.cluster", "kubectl cluster name", Advanced, Control::Text, kubectl.cluster, always),
    field!("kubectl.user", "kubectl user name", Advanced, Control::Text, kubectl.user, always),
    field!("kubectl.context", "kubectl context name", Advanced, Control::Text, kubectl.context, always),
    field!("kubectl.adminCommonName", "Admin certificate CN", Advanced, Control::Text, kubectl.admin_common_name, always),
];
