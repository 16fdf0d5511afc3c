//! CoreDNS as kubeadm installs it (current profile): its ServiceAccount, ClusterRole and binding, the
//! Corefile, the Deployment, and the Service still named `kube-dns` at the cluster DNS IP.

use super::addons::AddonManifest;
use crate::profile::history::Topic;
use super::k8s::{
    cluster_role, cluster_role_binding, config_map, meta, mount, service_account, service_account_subject, Affinity,
    Capabilities, ConfigMapVolume, Container, ContainerPort, DeploymentSpec, DeploymentStrategy, HttpGet, LabelSelector,
    Manifest, Object, OrderedMap, PodAffinityTerm, PodAntiAffinity, PodSpec, PodTemplate, PolicyRule, Probe, Resources,
    RollingUpdate, SecurityContext, Service, ServicePort, ServiceSpec, TemplateMeta, Toleration, Volume,
    WeightedPodAffinityTerm, WithSpec,
};
use crate::plan::Plan;
use crate::profile::current::coredns_image;
use crate::spec::Current;

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
        http_get: HttpGet { host: None, path, port, scheme: "HTTP" },
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
            topic: Some(Topic::ClusterDns),
            secret: false,
            note: "The ServiceAccount CoreDNS runs as",
            manifest: service_account("coredns"),
        },
        AddonManifest {
            file_name: "coredns-clusterrole.yaml",
            topic: Some(Topic::ClusterDns),
            secret: false,
            note: "What CoreDNS may read: Services, Pods, Namespaces, Endpoints and EndpointSlices",
            manifest: cluster_role(
                "system:coredns",
                vec![read("", vec!["endpoints", "services", "pods", "namespaces"]), read("discovery.k8s.io", vec!["endpointslices"])],
            ),
        },
        AddonManifest {
            file_name: "coredns-clusterrolebinding.yaml",
            topic: Some(Topic::ClusterDns),
            secret: false,
            note: "Binds system:coredns to the coredns ServiceAccount",
            manifest: cluster_role_binding("system:coredns", "system:coredns", service_account_subject("coredns")),
        },
        AddonManifest {
            file_name: "coredns-configmap.yaml",
            topic: Some(Topic::ClusterDns),
            secret: false,
            note: "The Corefile: serves the cluster domain from the API, forwards the rest to the node's resolver",
            manifest: config_map("coredns", OrderedMap::default(), vec![("Corefile".into(), corefile(spec.cluster.domain.as_str()))]),
        },
        AddonManifest {
            file_name: "coredns-deployment.yaml",
            topic: Some(Topic::ClusterDns),
            secret: false,
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
            topic: Some(Topic::ClusterDns),
            secret: false,
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

