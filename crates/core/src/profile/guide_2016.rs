//! The 2016 guide's Kubernetes v1.2 worker: kubelet flags, a hyperkube kube-proxy pod, SkyDNS v11.

use crate::plan::{NodeLayout, Plan};
use crate::render::k8s::{
    Container, ContainerPort, EmptyDir, HostPath, HttpGet, Manifest, ObjectMeta, OrderedMap, Pod, PodSpec, PodTemplate,
    Probe, ReplicationController, ReplicationControllerSpec, Resources, SecurityContext, Service, ServicePort,
    ServiceSpec, TemplateMeta, Volume, VolumeMount,
};

use super::AddonManifest;
use crate::spec::Guide;

/// The guide's kube-proxy image (Kubernetes v1.2.2, CoreOS hyperkube).
pub const KUBE_PROXY_IMAGE: &str = "quay.io/coreos/hyperkube:v1.2.2_coreos.0";

const NAMESPACE: &str = "kube-system";
const DNS_VERSION: &str = "v11";

/// The kubelet command line after the binary, one flag per element.
pub fn kubelet_flags(plan: &Plan, guide: &Guide, node: &NodeLayout) -> Vec<String> {
    let spec = plan.spec;
    vec![
        format!("--api-servers={}", spec.cluster.api_server),
        "--register-node=true".into(),
        "--register-schedulable=true".into(),
        "--allow-privileged=true".into(),
        format!("--config={}", node.manifests_dir),
        format!("--cluster-dns={}", spec.cluster.dns_ip),
        format!("--cluster-domain={}", spec.cluster.domain),
        format!("--kubeconfig={}", node.kubeconfig),
        format!("--tls-cert-file={}", node.cert),
        format!("--tls-private-key-file={}", node.key),
        format!("--housekeeping-interval={}", guide.housekeeping_interval),
    ]
}

/// The kube-proxy static pod placed in the kubelet's manifest directory.
pub fn kube_proxy_pod(plan: &Plan, node: &NodeLayout) -> Manifest {
    let spec = plan.spec;
    let ca_dir = node.ca_cert.parent().to_owned();
    let mut mounts = vec![
        VolumeMount { mount_path: "/etc/ssl/certs".into(), name: "ssl-certs", read_only: None },
        VolumeMount { mount_path: node.kubeconfig.to_string(), name: "kubeconfig", read_only: Some(true) },
        VolumeMount { mount_path: node.ssl_dir.to_string(), name: "etc-kube-ssl", read_only: Some(true) },
    ];
    let mut volumes = vec![
        host_path_volume("ssl-certs", "/usr/share/ca-certificates"),
        host_path_volume("kubeconfig", node.kubeconfig.as_str()),
        host_path_volume("etc-kube-ssl", node.ssl_dir.as_str()),
    ];
    // The CA usually sits beside the etcd client certificates; when it shares the worker's SSL
    // directory, that mount already carries it and a second mount of the same path is invalid.
    if ca_dir != node.ssl_dir.as_str() {
        mounts.push(VolumeMount { mount_path: ca_dir.clone(), name: "etcd-kube-ca", read_only: Some(true) });
        volumes.push(host_path_volume("etcd-kube-ca", &ca_dir));
    }
    Manifest::Pod(Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: ObjectMeta { name: "kube-proxy".into(), namespace: Some(NAMESPACE.into()), ..ObjectMeta::default() },
        spec: PodSpec {
            host_network: Some(true),
            containers: vec![Container {
                name: "kube-proxy".into(),
                image: spec.kube_proxy.image.to_string(),
                command: vec![
                    "/hyperkube".into(),
                    "proxy".into(),
                    format!("--master={}", spec.cluster.api_server),
                    format!("--kubeconfig={}", node.kubeconfig),
                    format!("--proxy-mode={}", spec.kube_proxy.mode.as_str()),
                ],
                security_context: Some(SecurityContext { privileged: Some(true), ..SecurityContext::default() }),
                volume_mounts: mounts,
                ..Container::default()
            }],
            volumes,
            ..PodSpec::default()
        },
    })
}

/// SkyDNS v11 and the kube-dns Service, created from the workstation.
pub fn dns_addon(plan: &Plan) -> Vec<AddonManifest> {
    let domain = plan.spec.cluster.domain.as_str();
    vec![
        AddonManifest {
            file_name: "kube-dns-rc.yaml",
            note: "SkyDNS v11 ReplicationController: etcd, kube2sky, skydns and a health checker in one pod",
            manifest: Manifest::ReplicationController(skydns_controller(domain)),
        },
        AddonManifest {
            file_name: "kube-dns-svc.yaml",
            note: "The kube-dns Service at the cluster DNS IP every kubelet hands to pods",
            manifest: Manifest::Service(Service {
                api_version: "v1",
                kind: "Service",
                metadata: ObjectMeta {
                    name: "kube-dns".into(),
                    namespace: Some(NAMESPACE.into()),
                    labels: OrderedMap::of([
                        ("k8s-app", "kube-dns"),
                        ("kubernetes.io/cluster-service", "true"),
                        ("kubernetes.io/name", "KubeDNS"),
                    ]),
                },
                spec: ServiceSpec {
                    selector: OrderedMap::of([("k8s-app", "kube-dns")]),
                    cluster_ip: plan.spec.cluster.dns_ip.to_string(),
                    ports: vec![
                        ServicePort { name: "dns", port: 53, protocol: "UDP", target_port: None },
                        ServicePort { name: "dns-tcp", port: 53, protocol: "TCP", target_port: None },
                    ],
                },
            }),
        },
    ]
}

fn host_path_volume(name: &'static str, path: &str) -> Volume {
    Volume { name, host_path: Some(HostPath { path: path.to_owned(), kind: None }), empty_dir: None, config_map: None }
}

fn resources(cpu: &str, memory_limit: &str, memory_request: &str) -> Option<Resources> {
    Some(Resources {
        limits: OrderedMap::of([("cpu", cpu), ("memory", memory_limit)]),
        requests: OrderedMap::of([("cpu", cpu), ("memory", memory_request)]),
    })
}

fn skydns_controller(domain: &str) -> ReplicationController {
    let labels =
        OrderedMap::of([("k8s-app", "kube-dns"), ("version", DNS_VERSION), ("kubernetes.io/cluster-service", "true")]);
    let etcd_urls = "http://127.0.0.1:2379,http://127.0.0.1:4001";
    let containers = vec![
        Container {
            name: "etcd".into(),
            image: "gcr.io/google_containers/etcd-amd64:2.2.1".into(),
            resources: resources("100m", "500Mi", "50Mi"),
            command: [
                "/usr/local/bin/etcd",
                "-data-dir",
                "/var/etcd/data",
                "-listen-client-urls",
                etcd_urls,
                "-advertise-client-urls",
                etcd_urls,
                "-initial-cluster-token",
                "skydns-etcd",
            ]
            .map(String::from)
            .to_vec(),
            volume_mounts: vec![VolumeMount {
                mount_path: "/var/etcd/data".into(),
                name: "etcd-storage",
                read_only: None,
            }],
            ..Container::default()
        },
        Container {
            name: "kube2sky".into(),
            image: "gcr.io/google_containers/kube2sky:1.14".into(),
            resources: resources("100m", "200Mi", "50Mi"),
            liveness_probe: Some(Probe {
                http_get: HttpGet { path: "/healthz", port: 8080, scheme: "HTTP" },
                initial_delay_seconds: Some(60),
                timeout_seconds: Some(5),
                success_threshold: Some(1),
                failure_threshold: Some(5),
            }),
            readiness_probe: Some(Probe {
                http_get: HttpGet { path: "/readiness", port: 8081, scheme: "HTTP" },
                initial_delay_seconds: Some(30),
                timeout_seconds: Some(5),
                success_threshold: None,
                failure_threshold: None,
            }),
            args: vec![format!("--domain={domain}")],
            ..Container::default()
        },
        Container {
            name: "skydns".into(),
            image: "gcr.io/google_containers/skydns:2015-10-13-8c72f8c".into(),
            resources: resources("100m", "200Mi", "50Mi"),
            args: vec![
                "-machines=http://127.0.0.1:4001".into(),
                "-addr=0.0.0.0:53".into(),
                "-ns-rotate=false".into(),
                format!("-domain={domain}."),
            ],
            ports: vec![
                ContainerPort { container_port: 53, name: Some("dns"), protocol: "UDP" },
                ContainerPort { container_port: 53, name: Some("dns-tcp"), protocol: "TCP" },
            ],
            ..Container::default()
        },
        Container {
            name: "healthz".into(),
            image: "gcr.io/google_containers/exechealthz:1.0".into(),
            resources: resources("10m", "20Mi", "20Mi"),
            args: vec![
                format!("-cmd=nslookup kubernetes.default.svc.{domain} 127.0.0.1 >/dev/null"),
                "-port=8080".into(),
            ],
            ports: vec![ContainerPort { container_port: 8080, name: None, protocol: "TCP" }],
            ..Container::default()
        },
    ];
    ReplicationController {
        api_version: "v1",
        kind: "ReplicationController",
        metadata: ObjectMeta {
            name: format!("kube-dns-{DNS_VERSION}"),
            namespace: Some(NAMESPACE.into()),
            labels: labels.clone(),
        },
        spec: ReplicationControllerSpec {
            replicas: 1,
            selector: OrderedMap::of([("k8s-app", "kube-dns"), ("version", DNS_VERSION)]),
            template: PodTemplate {
                metadata: TemplateMeta { labels },
                spec: PodSpec {
                    host_network: None,
                    containers,
                    volumes: vec![Volume {
                        name: "etcd-storage",
                        host_path: None,
                        empty_dir: Some(EmptyDir {}),
                        config_map: None,
                    }],
                    dns_policy: Some("Default"),
                    ..PodSpec::default()
                },
            },
        },
    }
}
