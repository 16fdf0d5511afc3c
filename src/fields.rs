//! The form's fields as a table: label, group, control, and how each reads and writes the project
//! file. Field paths are the same strings validation reports, so errors land beside their field.

use studio::input::{ApiFrontInput, SpecFile};
use studio::release::{supported_range, ProfileId, DEFAULT_VERSION};
use studio::spec::{AdminGroup, Balance, CaSource, FrontMode, JoinMethod, KeyAlgorithm, ProxyDelivery, ProxyMode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Profile,
    Cluster,
    Front,
    Authority,
    Keys,
    Advanced,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Profile => "Kubernetes version",
            Group::Cluster => "Cluster",
            Group::Front => "API front (high availability)",
            Group::Authority => "Certificate authority",
            Group::Keys => "Keys & validity",
            Group::Advanced => "Node paths, names & images",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Control {
    Text,
    Number,
    /// One of these values, listed by the engine's own enums.
    Choice(fn() -> Vec<&'static str>),
    Pem,
    /// A yes/no setting: the value is `true` or `false`.
    Check,
}

pub struct FieldDef {
    /// The validation path, also the input's id.
    pub path: &'static str,
    pub label: &'static str,
    pub group: Group,
    pub control: Control,
    pub get: fn(&SpecFile) -> String,
    pub set: fn(&mut SpecFile, String),
    /// Shown only when this returns true (the CA import fields, one profile's fields).
    pub visible: fn(&SpecFile) -> bool,
    /// A sentence under the field: what the choice means (empty: none).
    pub hint: fn() -> String,
}

fn always(_: &SpecFile) -> bool {
    true
}

fn importing(f: &SpecFile) -> bool {
    f.ca.source == CaSource::Import.as_str()
}

fn generating(f: &SpecFile) -> bool {
    !importing(f)
}

/// Workers join with a bootstrap token: only the CA certificate is asked for.
fn bootstrapping(f: &SpecFile) -> bool {
    current(f) && f.join.method == JoinMethod::BootstrapToken.as_str()
}

/// The CA key field: only where the studio signs (never under a bootstrap-token join).
fn importing_key(f: &SpecFile) -> bool {
    importing(f) && !bootstrapping(f)
}

/// The bundle carries an admin certificate of the current profile (not under a bootstrap-token join).
fn issuing_admin(f: &SpecFile) -> bool {
    current(f) && !bootstrapping(f)
}

fn guide(f: &SpecFile) -> bool {
    f.profile == ProfileId::Guide2016.as_str()
}

fn current(f: &SpecFile) -> bool {
    f.profile == ProfileId::Current.as_str()
}

/// Choosing a profile swaps every field still at the old profile's default for the new one's.
fn switch_profile(f: &mut SpecFile, value: String) {
    match ProfileId::parse(&value) {
        Some(profile) => *f = f.switch_profile(profile),
        None => f.profile = value,
    }
}

fn profiles() -> Vec<&'static str> {
    ProfileId::ALL.iter().map(|p| p.as_str()).collect()
}

fn algorithms() -> Vec<&'static str> {
    KeyAlgorithm::ALL.iter().map(|a| a.as_str()).collect()
}

fn guide_modes() -> Vec<&'static str> {
    ProxyMode::of(ProfileId::Guide2016).iter().map(|m| m.as_str()).collect()
}

fn current_modes() -> Vec<&'static str> {
    ProxyMode::of(ProfileId::Current).iter().map(|m| m.as_str()).collect()
}

fn deliveries() -> Vec<&'static str> {
    ProxyDelivery::ALL.iter().map(|d| d.as_str()).collect()
}

fn admin_groups() -> Vec<&'static str> {
    AdminGroup::ALL.iter().map(|g| g.as_str()).collect()
}

fn join_methods() -> Vec<&'static str> {
    JoinMethod::ALL.iter().map(|m| m.as_str()).collect()
}

/// The studio writes the front: HAProxy passes to the API servers.
pub fn proxied_front(front: &ApiFrontInput) -> bool {
    FrontMode::parse(front.mode.trim()).is_some_and(|m| m != FrontMode::External)
}

/// The front is a VIP on LB hosts.
pub fn vip_front_input(front: &ApiFrontInput) -> bool {
    FrontMode::parse(front.mode.trim()) == Some(FrontMode::KeepalivedHaproxy)
}

/// The front is the user's own: its URL is typed.
fn external_front(f: &SpecFile) -> bool {
    !proxied_front(&f.api_front)
}

fn proxied(f: &SpecFile) -> bool {
    proxied_front(&f.api_front)
}

fn vip_front(f: &SpecFile) -> bool {
    vip_front_input(&f.api_front)
}

/// Choosing a front lays the project over its example (API servers, LB hosts), keeping what the
/// user changed.
fn switch_front(f: &mut SpecFile, value: String) {
    match FrontMode::parse(&value) {
        Some(mode) => *f = f.switch_front(mode),
        None => f.api_front.mode = value,
    }
}

fn fronts() -> Vec<&'static str> {
    FrontMode::ALL.iter().map(|m| m.as_str()).collect()
}

fn front_summaries() -> String {
    FrontMode::ALL.iter().map(|m| format!("{}: {}", m.as_str(), m.summary())).collect::<Vec<_>>().join("\n")
}

fn balances() -> Vec<&'static str> {
    Balance::ALL.iter().map(|b| b.as_str()).collect()
}

fn ca_sources() -> Vec<&'static str> {
    CaSource::ALL.iter().map(|s| s.as_str()).collect()
}

macro_rules! field {
    ($path:literal, $label:literal, $group:ident, $control:expr, $($part:tt).+, $visible:expr) => {
        field!($path, $label, $group, $control, $($part).+, $visible, "")
    };
    ($path:literal, $label:literal, $group:ident, $control:expr, $($part:tt).+, $visible:expr, $hint:expr) => {
        FieldDef {
            path: $path,
            label: $label,
            group: Group::$group,
            control: $control,
            get: |f| f.$($part).+.to_string(),
            set: |f, v| f.$($part).+ = v.into(),
            visible: $visible,
            hint: || $hint.to_string(),
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
    FieldDef {
        path: "profile",
        label: "Profile",
        group: Group::Profile,
        control: Control::Choice(profiles),
        get: |f| f.profile.clone(),
        set: switch_profile,
        visible: always,
        hint: || format!("guide-2016 reproduces the 2016 guide's files for Kubernetes 1.2 exactly; current writes what a careful operator installs on {} today. Fields you changed are kept when you switch.", supported_range()),
    },
    field!("kubernetesVersion", "Kubernetes version", Profile, Control::Text, kubernetes_version, current,
        format!("{} are supported: write a minor such as {DEFAULT_VERSION}, or a patch release such as {DEFAULT_VERSION}.2. Sets the kube-proxy image tag and the CoreDNS release, and which settings the files may use.", supported_range())),
    field!("kubeProxy.delivery", "kube-proxy runs as", Profile, Control::Choice(deliveries), kube_proxy.delivery, current,
        "static-pod: on every worker from the kubelet's manifest directory, with its own certificate (the guide's way). daemonset: applied once from the workstation, authenticated by a ServiceAccount token (kubeadm's way)."),
    field!("join.method", "Workers join with", Profile, Control::Choice(join_methods), join.method, current,
        "certificates: the studio issues each worker's certificates (with the CA key in this tab), or the CA host signs what keys-on-node.sh made. bootstrap-token: as kubeadm joins, each kubelet makes its own key and asks the cluster for its certificates with a short-lived token; only the CA certificate is needed, so no CA key enters this page and no node key leaves its node."),
    field!("join.tokenTTL", "Bootstrap token lifetime", Profile, Control::Text, join.token_ttl, bootstrapping,
        "How long the token can join nodes: 10m to 168h (kubeadm's default is 24h). It is a secret until it expires."),
    field!("join.description", "Bootstrap token description (optional)", Profile, Control::Text, join.description, bootstrapping),
    field!("kubectl.adminGroup", "Admin certificate group", Profile, Control::Choice(admin_groups), kubectl.admin_group, issuing_admin,
        "kubeadm:cluster-admins is bound to cluster-admin by a ClusterRoleBinding the bundle ships, so the access can be revoked by deleting the binding. system:masters bypasses RBAC entirely and cannot be revoked short of replacing the CA: keep it for a break-glass credential."),
    field!("cluster.apiServer", "API server URL (your load balancer)", Cluster, Control::Text, cluster.api_server, external_front,
        "The URL of the front you already run; the API front group below can write one for you instead."),
    field!("cluster.dnsIP", "Cluster DNS IP", Cluster, Control::Text, cluster.dns_ip, always),
    field!("cluster.domain", "Cluster domain", Cluster, Control::Text, cluster.domain, always),
    field!("cluster.serviceCIDR", "Service network (CIDR)", Cluster, Control::Text, cluster.service_cidr, always),
    field!("cluster.podCIDR", "Pod network (CIDR)", Cluster, Control::Text, cluster.pod_cidr, current,
        "kube-proxy's clusterCIDR: traffic from outside it to a Service is masqueraded."),
    field!("kubeProxy.mode", "kube-proxy mode", Cluster, Control::Choice(guide_modes), kube_proxy.mode, guide),
    field!("kubeProxy.mode", "kube-proxy mode", Cluster, Control::Choice(current_modes), kube_proxy.mode, current,
        "nftables is GA since 1.33 and scales better; iptables is still kube-proxy's default."),
    FieldDef {
        path: "apiFront.mode",
        label: "Front",
        group: Group::Front,
        control: Control::Choice(fronts),
        get: |f| f.api_front.mode.clone(),
        set: switch_front,
        visible: always,
        hint: front_summaries,
    },
    field!("apiFront.vip", "Virtual IP (the address workers use)", Front, Control::Text, api_front.vip, vip_front,
        "An address no host has, on the LB hosts' network: keepalived holds it on one healthy LB host at a time."),
    field!("apiFront.prefixLength", "Prefix length of the LB hosts' network", Front, Control::Number, api_front.prefix_length.0, vip_front),
    field!("apiFront.dnsName", "DNS name of the VIP (optional)", Front, Control::Text, api_front.dns_name, vip_front,
        "If given, the kubeconfigs name it instead of the address, so the VIP can move later without new kubeconfigs; it must resolve to the VIP."),
    field!("apiFront.port", "HAProxy port", Front, Control::Number, api_front.port.0, proxied,
        "6443 on dedicated LB hosts and on workers; 8443 on the control plane, where kube-apiserver holds 6443."),
    field!("apiFront.virtualRouterId", "VRRP router id", Front, Control::Number, api_front.virtual_router_id.0, vip_front,
        "1 to 255: the same on every LB host, and unique among the VRRP groups on their network (many distributions preset 51)."),
    field!("apiFront.balance", "Balancing", Front, Control::Choice(balances), api_front.balance, proxied,
        "roundrobin hands each new connection to the next API server; leastconn to the one with the fewest, which evens out long watches and kubectl logs -f."),
    FieldDef {
        path: "apiFront.onControlPlane",
        label: "The LB hosts are the control-plane nodes",
        group: Group::Front,
        control: Control::Check,
        get: |f| f.api_front.on_control_plane.to_string(),
        set: |f, v| f.api_front.set_on_control_plane(v == "true"),
        visible: vip_front,
        hint: || "HAProxy (on 8443) and keepalived run as static pods on the control-plane nodes, as kubeadm's HA guide describes: no extra hosts.".into(),
    },
    FieldDef {
        path: "apiFront.unicast",
        label: "Unicast VRRP",
        group: Group::Front,
        control: Control::Check,
        get: |f| f.api_front.unicast.to_string(),
        set: |f, v| f.api_front.unicast = v == "true",
        visible: vip_front,
        hint: || "For networks that drop VRRP's multicast (many clouds): each LB host sends its adverts to the others' addresses.".into(),
    },
    field!("ca.source", "CA source", Authority, Control::Choice(ca_sources), ca.source, always),
    field!("ca.commonName", "CA common name", Authority, Control::Text, ca.common_name, generating),
    field!("ca.validityDays", "CA validity (days)", Authority, Control::Number, ca.validity_days.0, generating),
    field!("ca.certificate", "CA certificate (PEM)", Authority, Control::Pem, ca.certificate, importing),
    field!("ca.key", "CA private key (PEM; stays in this tab)", Authority, Control::Pem, ca.key, importing_key),
    field!("keys.algorithm", "Key algorithm", Keys, Control::Choice(algorithms), keys.algorithm, always),
    field!("keys.validityDays", "Certificate validity (days)", Keys, Control::Number, keys.validity_days.0, always),
    field!("kubelet.housekeepingInterval", "Kubelet housekeeping interval", Advanced, Control::Text, kubelet.housekeeping_interval, guide),
    field!("kubelet.containerRuntimeEndpoint", "Container runtime socket (CRI)", Advanced, Control::Text, kubelet.container_runtime_endpoint, current,
        "containerd's default; CRI-O listens on unix:///var/run/crio/crio.sock."),
    field!("kubelet.resolvConf", "Resolver file for pods (resolvConf)", Advanced, Control::Text, kubelet.resolv_conf, current,
        "CoreDNS forwards to the nameservers in this file. On hosts with systemd-resolved (Ubuntu) use /run/systemd/resolve/resolv.conf: /etc/resolv.conf there names a loopback stub, and CoreDNS would forward to itself. install.sh checks."),
    field!("kubeProxy.image", "kube-proxy image (empty: the profile's)", Advanced, Control::Text, kube_proxy.image, always),
    field!("paths.sslDir", "Worker SSL directory", Advanced, Control::Text, paths.ssl_dir, always),
    field!("paths.caCert", "CA certificate on the node", Advanced, Control::Text, paths.ca_cert, always),
    field!("paths.kubeconfig", "Worker kubeconfig", Advanced, Control::Text, paths.kubeconfig, always),
    field!("paths.manifestsDir", "Static pod directory", Advanced, Control::Text, paths.manifests_dir, always),
    field!("paths.kubeletUnit", "Kubelet unit file", Advanced, Control::Text, paths.kubelet_unit, always),
    field!("paths.kubeletBinary", "Kubelet binary", Advanced, Control::Text, paths.kubelet_binary, always),
    field!("kubectl.apiserverKubeletClient", "API server's kubelet client (certificate CN)", Advanced, Control::Text, kubectl.apiserver_kubelet_client, current,
        "The user the API server presents to kubelets (the CN of its --kubelet-client-certificate); the add-ons grant it logs, exec and metrics on every kubelet. kubeadm names it kube-apiserver-kubelet-client."),
    field!("paths.kubeletConfig", "KubeletConfiguration file", Advanced, Control::Text, paths.kubelet_config, current),
    field!("paths.kubeProxyDir", "kube-proxy directory (config, kubeconfig, credentials)", Advanced, Control::Text, paths.kube_proxy_dir, current),
    field!("kubectl.cluster", "kubectl cluster name", Advanced, Control::Text, kubectl.cluster, always),
    field!("kubectl.user", "kubectl user name", Advanced, Control::Text, kubectl.user, always),
    field!("kubectl.context", "kubectl context name", Advanced, Control::Text, kubectl.context, always),
    field!("kubectl.adminCommonName", "Admin certificate CN", Advanced, Control::Text, kubectl.admin_common_name, always),
];
