//! The guide's cluster DNS: SkyDNS v11 (etcd, kube2sky, skydns, exechealthz) in a
//! ReplicationController, and the kube-dns Service.

use super::addons::AddonManifest;
use super::k8s::{
    Container, ContainerPort, EmptyDir, HttpGet, Manifest, ObjectMeta, OrderedMap, PodSpec, PodTemplate, Probe,
    ReplicationController, ReplicationControllerSpec, Resources, Service, ServicePort, ServiceSpec, TemplateMeta, Volume,
    VolumeMount,
};
use crate::plan::Plan;
use crate::profile::guide_2016::{DNS_ETCD_IMAGE, DNS_HEALTHZ_IMAGE, DNS_KUBE2SKY_IMAGE, DNS_SKYDNS_IMAGE, DNS_VERSION};
use crate::profile::KUBE_SYSTEM;

/// SkyDNS v11 and the kube-dns Service, created from the workstation.
pub fn dns_addon(plan: &Plan) -> Vec<AddonManifest> {
    let domain = plan.spec.cluster.domain.as_str();
    vec![
        AddonManifest {
            file_name: "kube-dns-rc.yaml",
            topic: None,
            secret: false,
            note: "SkyDNS v11 ReplicationController: etcd, kube2sky, skydns and a health checker in one pod",
            manifest: Manifest::ReplicationController(skydns_controller(domain)),
        },
        AddonManifest {
            file_name: "kube-dns-svc.yaml",
            topic: None,
            secret: false,
            note: "The kube-dns Service at the cluster DNS IP every kubelet hands to pods",
            manifest: Manifest::Service(Service {
                api_version: "v1",
                kind: "Service",
                metadata: ObjectMeta {
                    name: "kube-dns".into(),
                    namespace: Some(KUBE_SYSTEM.into()),
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
            image: DNS_ETCD_IMAGE.into(),
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
            image: DNS_KUBE2SKY_IMAGE.into(),
            resources: resources("100m", "200Mi", "50Mi"),
            liveness_probe: Some(Probe {
                http_get: HttpGet { host: None, path: "/healthz", port: 8080, scheme: "HTTP" },
                initial_delay_seconds: Some(60),
                timeout_seconds: Some(5),
                success_threshold: Some(1),
                failure_threshold: Some(5),
            }),
            readiness_probe: Some(Probe {
                http_get: HttpGet { host: None, path: "/readiness", port: 8081, scheme: "HTTP" },
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
            image: DNS_SKYDNS_IMAGE.into(),
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
            image: DNS_HEALTHZ_IMAGE.into(),
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
            namespace: Some(KUBE_SYSTEM.into()),
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
