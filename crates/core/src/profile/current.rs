//! Today's Kubernetes (1.33 to 1.37): a KubeletConfiguration file, Node-authorizer identities,
//! containerd, a KubeProxyConfiguration (static pod or DaemonSet) and CoreDNS, as kubeadm lays them out.

use crate::plan::{CurrentLayout, NodeLayout, Plan, WorkerRef};
use crate::pki::{node_user, KUBE_PROXY_USER};
use crate::render::component_config::{
    ClientConnection, Enabled, KubeProxyConfiguration, KubeletAuthentication, KubeletAuthorization, KubeletConfiguration,
    KubeletWebhookAuthentication, KubeletWebhookAuthorization, KubeletX509Authentication,
};
use crate::render::k8s::{
    Affinity, Binding, Capabilities, ConfigMapData, ConfigMapVolume, Container, ContainerPort, DaemonSetSpec,
    DaemonSetStrategy, DeploymentSpec, DeploymentStrategy, EnvVar, EnvVarSource, FieldRef, HostPath, HttpGet,
    LabelSelector, Manifest, NoBody, Object, ObjectMeta, OrderedMap, Pod, PodAffinityTerm, PodAntiAffinity, PodSpec,
    PodTemplate, PolicyRule, Probe, Resources, RoleRef, RollingUpdate, Rules, SecurityContext, Service, ServicePort,
    ServiceSpec, Subject, TemplateMeta, Toleration, Volume, VolumeMount, WeightedPodAffinityTerm, WithSpec,
};
use crate::render::kubeconfig::{ClusterEntry, ContextEntry, Kubeconfig, NamedCluster, NamedContext, NamedUser, UserEntry};
use crate::spec::{AdminGroup, Current, KubeVersion, ProxyDelivery};

use super::flags::{v, Version};
use super::AddonManifest;

/// The Kubernetes minor versions the profile supports, oldest first.
pub const SUPPORTED: [Version; 5] = [v(1, 33), v(1, 34), v(1, 35), v(1, 36), v(1, 37)];

/// The version a new project targets.
pub const DEFAULT_VERSION: Version = v(1, 37);

/// The CoreDNS release kubeadm installs with each Kubernetes minor (kubeadm's `CoreDNSVersion`).
pub const COREDNS: [(Version, &str); 5] = [
    (v(1, 33), "v1.12.0"),
    (v(1, 34), "v1.12.1"),
    (v(1, 35), "v1.13.1"),
    (v(1, 36), "v1.14.2"),
    (v(1, 37), "v1.14.4"),
];

/// Optional configuration fields the studio writes, with the first release whose type has them.
/// A field is written only for versions that accept it.
pub const CONFIG_FIELDS: [(&str, Version); 3] = [
    ("KubeletConfiguration.containerRuntimeEndpoint", v(1, 27)),
    ("KubeletConfiguration.failCgroupV1", v(1, 31)),
    ("KubeProxyConfiguration.mode=nftables", v(1, 29)),
];

/// Whether `field` (a [`CONFIG_FIELDS`] name) exists in `version`.
pub fn accepts(field: &str, version: Version) -> bool {
    CONFIG_FIELDS.iter().any(|(name, since)| *name == field && *since <= version)
}

/// Whether the kubelet of `version` refuses cgroup v1 hosts unless told otherwise (`failCgroupV1`
/// defaults to true from 1.35); before that it only warns.
pub fn refuses_cgroup_v1(version: Version) -> bool {
    version >= v(1, 35)
}

const NAMESPACE: &str = "kube-system";
const REGISTRY: &str = "registry.k8s.io";

/// The user the API server presents to kubelets by default (its `--kubelet-client-certificate`'s
/// CN, as kubeadm names it).
pub const APISERVER_KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";

pub fn kube_proxy_image(version: KubeVersion) -> String {
    format!("{REGISTRY}/kube-proxy:v{}", version.release())
}

pub fn coredns_image(version: Version) -> String {
    let tag = COREDNS.iter().find(|(minor, _)| *minor == version).map_or(COREDNS[COREDNS.len() - 1].1, |(_, tag)| tag);
    format!("{REGISTRY}/coredns/coredns:{tag}")
}

/// The KubeletConfiguration every worker shares.
pub fn kubelet_config(plan: &Plan, current: &Current, layout: &CurrentLayout) -> KubeletConfiguration {
    let spec = plan.spec;
    let version = current.version.minor;
    KubeletConfiguration {
        api_version: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        authentication: KubeletAuthentication {
            anonymous: Enabled { enabled: false },
            webhook: KubeletWebhookAuthentication { enabled: true, cache_ttl: "2m0s" },
            x509: KubeletX509Authentication { client_ca_file: plan.node.ca_cert.to_string() },
        },
        authorization: KubeletAuthorization {
            mode: "Webhook",
            webhook: KubeletWebhookAuthorization { cache_authorized_ttl: "5m0s", cache_unauthorized_ttl: "30s" },
        },
        cgroup_driver: "systemd",
        cluster_dns: vec![spec.cluster.dns_ip.to_string()],
        cluster_domain: spec.cluster.domain.to_string(),
        container_runtime_endpoint: current.runtime_endpoint.to_string(),
        // Written where it is the default (1.35 on); before, true would stop the kubelet on a
        // cgroup v1 host that install.sh only warns about.
        fail_cgroup_v1: (accepts("KubeletConfiguration.failCgroupV1", version) && refuses_cgroup_v1(version)).then_some(true),
        resolv_conf: current.resolv_conf.to_string(),
        read_only_port: 0,
        static_pod_path: plan.node.manifests_dir.to_string(),
        tls_cert_file: layout.serving_cert.to_string(),
        tls_private_key_file: layout.serving_key.to_string(),
        tls_min_version: "VersionTLS12",
    }
}

/// The kubelet's command line: the config file, the kubeconfig, and what has no config field.
pub fn kubelet_flags(layout: &CurrentLayout, node: &NodeLayout, worker: WorkerRef) -> Vec<String> {
    vec![
        format!("--config={}", layout.kubelet_config),
        format!("--kubeconfig={}", node.kubeconfig),
        format!("--hostname-override={}", worker.name),
        format!("--node-ip={}", worker.ip),
    ]
}

fn kubeconfig(plan: &Plan, ca: String, user_name: &str, user: UserEntry) -> Kubeconfig {
    let cluster = "kubernetes";
    Kubeconfig {
        api_version: "v1".into(),
        kind: "Config".into(),
        clusters: vec![NamedCluster {
            name: cluster.into(),
            cluster: ClusterEntry { server: Some(plan.spec.cluster.api_server.to_string()), certificate_authority: Some(ca) },
        }],
        users: vec![NamedUser { name: user_name.into(), user }],
        contexts: vec![NamedContext {
            context: ContextEntry { cluster: cluster.into(), user: user_name.into() },
            name: format!("{user_name}@{cluster}"),
        }],
        current_context: format!("{user_name}@{cluster}"),
    }
}

/// The kubelet's kubeconfig: the API server, the CA, and the node's `system:node:<name>` client certificate.
pub fn kubelet_kubeconfig(plan: &Plan, layout: &CurrentLayout, worker: WorkerRef) -> Kubeconfig {
    let user = UserEntry {
        client_certificate: Some(layout.client_cert.to_string()),
        client_key: Some(layout.client_key.to_string()),
        token_file: None,
    };
    kubeconfig(plan, plan.node.ca_cert.to_string(), &node_user(worker.name), user)
}

/// kube-proxy's kubeconfig: its own certificate on the node, or the DaemonSet's ServiceAccount token.
pub fn kube_proxy_kubeconfig(plan: &Plan, current: &Current, layout: &CurrentLayout) -> Kubeconfig {
    match current.proxy_delivery {
        ProxyDelivery::StaticPod => {
            let user = UserEntry {
                client_certificate: Some(layout.proxy_cert.to_string()),
                client_key: Some(layout.proxy_key.to_string()),
                token_file: None,
            };
            kubeconfig(plan, plan.node.ca_cert.to_string(), KUBE_PROXY_USER, user)
        }
        ProxyDelivery::DaemonSet => {
            let account = "/var/run/secrets/kubernetes.io/serviceaccount";
            let user = UserEntry { client_certificate: None, client_key: None, token_file: Some(format!("{account}/token")) };
            kubeconfig(plan, format!("{account}/ca.crt"), "kube-proxy", user)
        }
    }
}

/// The KubeProxyConfiguration; a static pod names its node, a DaemonSet passes it by flag.
pub fn kube_proxy_config(plan: &Plan, current: &Current, layout: &CurrentLayout, worker: Option<WorkerRef>) -> KubeProxyConfiguration {
    KubeProxyConfiguration {
        api_version: "kubeproxy.config.k8s.io/v1alpha1",
        kind: "KubeProxyConfiguration",
        client_connection: ClientConnection { kubeconfig: layout.proxy_kubeconfig.to_string() },
        cluster_cidr: current.pod_cidr.to_string(),
        hostname_override: worker.map(|w| w.name.to_string()),
        mode: plan.spec.kube_proxy.mode.as_str(),
    }
}

fn host_path(name: &'static str, path: &str, kind: Option<&'static str>) -> Volume {
    Volume { name, host_path: Some(HostPath { path: path.to_owned(), kind }), empty_dir: None, config_map: None }
}

fn mount(name: &'static str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount { mount_path: path.to_owned(), name, read_only: read_only.then_some(true) }
}

/// The kube-proxy container, volumes and mounts shared by the static pod and the DaemonSet.
fn kube_proxy_pod_spec(plan: &Plan, layout: &CurrentLayout, config_volume: Volume, extra_flag: Option<&str>) -> PodSpec {
    let mut command = vec!["/usr/local/bin/kube-proxy".to_owned(), format!("--config={}", layout.proxy_config)];
    command.extend(extra_flag.map(str::to_owned));
    let mut mounts = vec![
        mount("kube-proxy", layout.proxy_dir.as_str(), true),
        mount("xtables-lock", "/run/xtables.lock", false),
        mount("lib-modules", "/lib/modules", true),
    ];
    let mut volumes = vec![
        config_volume,
        host_path("xtables-lock", "/run/xtables.lock", Some("FileOrCreate")),
        host_path("lib-modules", "/lib/modules", None),
    ];
    // A static pod reads the cluster CA from the node (that file alone, not its directory, which
    // may hold keys); the DaemonSet's comes with its ServiceAccount.
    let ca = plan.node.ca_cert.as_str();
    if volumes[0].host_path.is_some() && !ca.starts_with(&format!("{}/", layout.proxy_dir)) {
        mounts.push(mount("cluster-ca", ca, true));
        volumes.push(host_path("cluster-ca", ca, Some("File")));
    }
    PodSpec {
        priority_class_name: Some("system-node-critical"),
        host_network: Some(true),
        tolerations: vec![Toleration { key: None, operator: "Exists", effect: None }],
        node_selector: OrderedMap::of([("kubernetes.io/os", "linux")]),
        containers: vec![Container {
            name: "kube-proxy".into(),
            image: plan.spec.kube_proxy.image.to_string(),
            image_pull_policy: Some("IfNotPresent"),
            command,
            env: extra_flag
                .map(|_| EnvVar { name: "NODE_NAME", value_from: EnvVarSource { field_ref: FieldRef { field_path: "spec.nodeName" } } })
                .into_iter()
                .collect(),
            security_context: Some(SecurityContext { privileged: Some(true), ..SecurityContext::default() }),
            volume_mounts: mounts,
            ..Container::default()
        }],
        volumes,
        ..PodSpec::default()
    }
}

/// kube-proxy as a static pod in the kubelet's manifest directory (the guide's way, today's fields).
pub fn kube_proxy_static_pod(plan: &Plan, layout: &CurrentLayout) -> Manifest {
    let config = host_path("kube-proxy", layout.proxy_dir.as_str(), Some("Directory"));
    Manifest::Pod(Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: ObjectMeta {
            name: "kube-proxy".into(),
            namespace: Some(NAMESPACE.into()),
            labels: OrderedMap::of([("k8s-app", "kube-proxy")]),
        },
        spec: kube_proxy_pod_spec(plan, layout, config, None),
    })
}

fn meta(name: &str, namespace: bool, labels: OrderedMap) -> ObjectMeta {
    ObjectMeta { name: name.into(), namespace: namespace.then(|| NAMESPACE.into()), labels }
}

fn cluster_role_binding(name: &str, role: &str, subject: Subject) -> Manifest {
    Manifest::ClusterRoleBinding(Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: meta(name, false, OrderedMap::default()),
        body: Binding {
            role_ref: RoleRef { api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.into() },
            subjects: vec![subject],
        },
    })
}

fn service_account(name: &str) -> Manifest {
    Manifest::ServiceAccount(Object { api_version: "v1", kind: "ServiceAccount", metadata: meta(name, true, OrderedMap::default()), body: NoBody {} })
}

fn config_map(name: &str, labels: OrderedMap, data: Vec<(String, String)>) -> Manifest {
    Manifest::ConfigMap(Object { api_version: "v1", kind: "ConfigMap", metadata: meta(name, true, labels), body: ConfigMapData { data: OrderedMap(data) } })
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> Manifest {
    Manifest::ClusterRole(Object {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: meta(name, false, OrderedMap::default()),
        body: Rules { rules },
    })
}

fn service_account_subject(name: &str) -> Subject {
    Subject { kind: "ServiceAccount", api_group: None, name: name.into(), namespace: Some(NAMESPACE) }
}

fn rbac_subject(kind: &'static str, name: &str) -> Subject {
    Subject { kind, api_group: Some("rbac.authorization.k8s.io"), name: name.into(), namespace: None }
}

/// kube-proxy as a DaemonSet with its ServiceAccount, binding and ConfigMap (kubeadm's way).
pub fn kube_proxy_daemonset(plan: &Plan, current: &Current, layout: &CurrentLayout) -> Result<Vec<AddonManifest>, crate::yaml::YamlError> {
    let config = crate::yaml::to_string(&kube_proxy_config(plan, current, layout, None))?;
    let kubeconfig = crate::yaml::to_string(&kube_proxy_kubeconfig(plan, current, layout))?;
    let labels = OrderedMap::of([("k8s-app", "kube-proxy")]);
    let config_volume =
        Volume { name: "kube-proxy", host_path: None, empty_dir: None, config_map: Some(ConfigMapVolume { name: "kube-proxy" }) };
    let mut pod = kube_proxy_pod_spec(plan, layout, config_volume, Some("--hostname-override=$(NODE_NAME)"));
    pod.service_account_name = Some("kube-proxy");
    Ok(vec![
        AddonManifest {
            file_name: "kube-proxy-serviceaccount.yaml",
            note: "The ServiceAccount kube-proxy runs as (its identity: system:serviceaccount:kube-system:kube-proxy)",
            manifest: service_account("kube-proxy"),
        },
        AddonManifest {
            file_name: "kube-proxy-clusterrolebinding.yaml",
            note: "Grants kube-proxy's ServiceAccount the built-in system:node-proxier role (Services, EndpointSlices, Nodes)",
            manifest: cluster_role_binding("worker-studio:node-proxier", "system:node-proxier", service_account_subject("kube-proxy")),
        },
        AddonManifest {
            file_name: "kube-proxy-configmap.yaml",
            note: "kube-proxy's KubeProxyConfiguration and a kubeconfig that authenticates with the ServiceAccount token",
            manifest: config_map(
                "kube-proxy",
                labels.clone(),
                vec![(crate::plan::names::PROXY_CONFIG.to_owned(), config), (crate::plan::names::PROXY_KUBECONFIG.to_owned(), kubeconfig)],
            ),
        },
        AddonManifest {
            file_name: "kube-proxy-daemonset.yaml",
            note: "Runs kube-proxy on every node, configured from the ConfigMap; the kubelet's node name is passed in",
            manifest: Manifest::DaemonSet(Object {
                api_version: "apps/v1",
                kind: "DaemonSet",
                metadata: meta("kube-proxy", true, labels.clone()),
                body: WithSpec {
                    spec: DaemonSetSpec {
                        selector: LabelSelector { match_labels: labels.clone() },
                        update_strategy: DaemonSetStrategy { kind: "RollingUpdate" },
                        template: PodTemplate { metadata: TemplateMeta { labels }, spec: pod },
                    },
                },
            }),
        },
    ])
}

/// The Corefile for the cluster domain (kubeadm's).
fn corefile(domain: &str) -> String {
    format!(
        ".:53 {{
    errors
    health {{
       lameduck 5s
    }}
    ready
    kubernetes {domain} in-addr.arpa ip6.arpa {{
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }}
    prometheus :9153
    forward . /etc/resolv.conf {{
       max_concurrent 1000
    }}
    cache 30 {{
       disable success {domain}
       disable denial {domain}
    }}
    loop
    reload
    loadbalance
}}
"
    )
}

/// CoreDNS as kubeadm installs it, serving the cluster domain behind the `kube-dns` Service.
pub fn dns_addon(plan: &Plan, current: &Current) -> Vec<AddonManifest> {
    let spec = plan.spec;
    let labels = OrderedMap::of([("k8s-app", "kube-dns")]);
    let port = |container_port, name, protocol| ContainerPort { container_port, name: Some(name), protocol };
    let probe = |path, port, delays: Option<(u32, u32, u32, u32)>| Probe {
        http_get: HttpGet { path, port, scheme: "HTTP" },
        initial_delay_seconds: delays.map(|d| d.0),
        timeout_seconds: delays.map(|d| d.1),
        success_threshold: delays.map(|d| d.2),
        failure_threshold: delays.map(|d| d.3),
    };
    let coredns = Container {
        name: "coredns".into(),
        image: coredns_image(current.version.minor),
        image_pull_policy: Some("IfNotPresent"),
        resources: Some(Resources {
            limits: OrderedMap::of([("memory", "170Mi")]),
            requests: OrderedMap::of([("cpu", "100m"), ("memory", "70Mi")]),
        }),
        args: vec!["-conf".into(), "/etc/coredns/Corefile".into()],
        volume_mounts: vec![mount("config-volume", "/etc/coredns", true)],
        ports: vec![
            port(53, "dns", "UDP"),
            port(53, "dns-tcp", "TCP"),
            port(9153, "metrics", "TCP"),
            port(8080, "liveness-probe", "TCP"),
            port(8181, "readiness-probe", "TCP"),
        ],
        liveness_probe: Some(probe("/health", 8080, Some((60, 5, 1, 5)))),
        readiness_probe: Some(probe("/ready", 8181, None)),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities { add: vec!["NET_BIND_SERVICE"], drop: vec!["ALL"] }),
            read_only_root_filesystem: Some(true),
            ..SecurityContext::default()
        }),
        ..Container::default()
    };
    let pod = PodSpec {
        priority_class_name: Some("system-cluster-critical"),
        service_account_name: Some("coredns"),
        affinity: Some(Affinity {
            pod_anti_affinity: PodAntiAffinity {
                preferred: vec![WeightedPodAffinityTerm {
                    weight: 100,
                    pod_affinity_term: PodAffinityTerm {
                        label_selector: LabelSelector { match_labels: labels.clone() },
                        topology_key: "kubernetes.io/hostname",
                    },
                }],
            },
        }),
        tolerations: vec![
            Toleration { key: Some("CriticalAddonsOnly"), operator: "Exists", effect: None },
            Toleration { key: Some("node-role.kubernetes.io/control-plane"), operator: "Exists", effect: Some("NoSchedule") },
        ],
        node_selector: OrderedMap::of([("kubernetes.io/os", "linux")]),
        containers: vec![coredns],
        volumes: vec![Volume { name: "config-volume", host_path: None, empty_dir: None, config_map: Some(ConfigMapVolume { name: "coredns" }) }],
        dns_policy: Some("Default"),
        ..PodSpec::default()
    };
    let read = |api_group, resources: Vec<&'static str>| PolicyRule { api_groups: vec![api_group], resources, verbs: vec!["list", "watch"] };
    vec![
        AddonManifest {
            file_name: "coredns-serviceaccount.yaml",
            note: "The ServiceAccount CoreDNS runs as",
            manifest: service_account("coredns"),
        },
        AddonManifest {
            file_name: "coredns-clusterrole.yaml",
            note: "What CoreDNS may read: Services, Pods, Namespaces, Endpoints and EndpointSlices",
            manifest: cluster_role(
                "system:coredns",
                vec![read("", vec!["endpoints", "services", "pods", "namespaces"]), read("discovery.k8s.io", vec!["endpointslices"])],
            ),
        },
        AddonManifest {
            file_name: "coredns-clusterrolebinding.yaml",
            note: "Binds system:coredns to the coredns ServiceAccount",
            manifest: cluster_role_binding("system:coredns", "system:coredns", service_account_subject("coredns")),
        },
        AddonManifest {
            file_name: "coredns-configmap.yaml",
            note: "The Corefile: serves the cluster domain from the API, forwards the rest to the node's resolver",
            manifest: config_map("coredns", OrderedMap::default(), vec![("Corefile".into(), corefile(spec.cluster.domain.as_str()))]),
        },
        AddonManifest {
            file_name: "coredns-deployment.yaml",
            note: "Two CoreDNS replicas, spread over nodes, rolled one at a time",
            manifest: Manifest::Deployment(Object {
                api_version: "apps/v1",
                kind: "Deployment",
                metadata: meta("coredns", true, labels.clone()),
                body: WithSpec {
                    spec: DeploymentSpec {
                        replicas: 2,
                        strategy: DeploymentStrategy { kind: "RollingUpdate", rolling_update: RollingUpdate { max_unavailable: 1 } },
                        selector: LabelSelector { match_labels: labels.clone() },
                        template: PodTemplate { metadata: TemplateMeta { labels: labels.clone() }, spec: pod },
                    },
                },
            }),
        },
        AddonManifest {
            file_name: "coredns-service.yaml",
            note: "The Service still named kube-dns, at the cluster DNS IP every kubelet hands to pods",
            manifest: Manifest::Service(Service {
                api_version: "v1",
                kind: "Service",
                metadata: meta(
                    "kube-dns",
                    true,
                    OrderedMap::of([("k8s-app", "kube-dns"), ("kubernetes.io/cluster-service", "true"), ("kubernetes.io/name", "CoreDNS")]),
                ),
                spec: ServiceSpec {
                    selector: labels,
                    cluster_ip: spec.cluster.dns_ip.to_string(),
                    ports: vec![
                        ServicePort { name: "dns", port: 53, protocol: "UDP", target_port: Some(53) },
                        ServicePort { name: "dns-tcp", port: 53, protocol: "TCP", target_port: Some(53) },
                        ServicePort { name: "metrics", port: 9153, protocol: "TCP", target_port: Some(9153) },
                    ],
                },
            }),
        },
    ]
}

/// Cluster-wide RBAC the workers rely on: the API server's access to kubelets, and the admin group's binding.
pub fn cluster_rbac(current: &Current) -> Vec<AddonManifest> {
    let mut manifests = vec![
        AddonManifest {
            file_name: "apiserver-to-kubelet-clusterrole.yaml",
            note: "What the API server may do on a kubelet: logs, exec/attach/port-forward (nodes/proxy), stats and metrics",
            manifest: cluster_role(
                "worker-studio:apiserver-to-kubelet",
                vec![PolicyRule {
                    api_groups: vec![""],
                    resources: vec!["nodes/proxy", "nodes/stats", "nodes/log", "nodes/metrics", "nodes/spec"],
                    verbs: vec!["*"],
                }],
            ),
        },
        AddonManifest {
            file_name: "apiserver-to-kubelet-clusterrolebinding.yaml",
            note: "Grants it to the API server's kubelet client user (the CN of its --kubelet-client-certificate)",
            manifest: cluster_role_binding(
                "worker-studio:apiserver-to-kubelet",
                "worker-studio:apiserver-to-kubelet",
                rbac_subject("User", current.apiserver_kubelet_client.as_str()),
            ),
        },
    ];
    if current.admin_group == AdminGroup::KubeadmClusterAdmins {
        manifests.push(AddonManifest {
            file_name: "admin-clusterrolebinding.yaml",
            note: "Binds cluster-admin to the kubeadm:cluster-admins group the admin certificate carries (kubeadm clusters have it)",
            manifest: cluster_role_binding("kubeadm:cluster-admins", "cluster-admin", rbac_subject("Group", AdminGroup::KubeadmClusterAdmins.as_str())),
        });
    }
    manifests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_version_has_a_coredns_release() {
        for version in SUPPORTED {
            assert!(COREDNS.iter().any(|(minor, _)| *minor == version), "{version}");
        }
        assert_eq!(coredns_image(v(1, 33)), "registry.k8s.io/coredns/coredns:v1.12.0");
        assert_eq!(kube_proxy_image(KubeVersion { minor: v(1, 37), patch: Some(2) }), "registry.k8s.io/kube-proxy:v1.37.2");
    }
}
