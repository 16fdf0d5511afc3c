//! kube-proxy: the guide's hyperkube static pod, and today's KubeProxyConfiguration with its
//! kubeconfig, run as a static pod (a certificate per node) or a DaemonSet (a ServiceAccount).

use super::addons::AddonManifest;
use crate::profile::history::Topic;
use super::component_config::{ClientConnection, KubeProxyConfiguration};
use super::k8s::{
    cluster_role_binding, config_map, host_path, meta, mount, service_account, service_account_subject, ConfigMapVolume,
    Container, DaemonSetSpec, DaemonSetStrategy, EnvVar, EnvVarSource, FieldRef, HostPath, LabelSelector, Manifest, ObjectMeta,
    Object, OrderedMap, Pod, PodSpec, PodTemplate, SecurityContext, TemplateMeta, Toleration, Volume, VolumeMount, WithSpec,
};
use super::kubeconfig::{kubeconfig, Kubeconfig, UserEntry};
use crate::identity::KUBE_PROXY_USER;
use crate::plan::{CurrentLayout, NodeLayout, Plan, WorkerRef};
use crate::profile::KUBE_SYSTEM;
use crate::spec::{Current, ProxyDelivery};

/// The kube-proxy static pod placed in the kubelet's manifest directory.
pub fn guide_pod(plan: &Plan, node: &NodeLayout) -> Manifest {
    let spec = plan.spec;
    let ca_dir = node.ca_cert.parent().to_owned();
    let mut mounts = vec![
        VolumeMount { mount_path: "/etc/ssl/certs".into(), name: "ssl-certs", read_only: None },
        VolumeMount { mount_path: node.kubeconfig.to_string(), name: "kubeconfig", read_only: Some(true) },
        VolumeMount { mount_path: node.ssl_dir.to_string(), name: "etc-kube-ssl", read_only: Some(true) },
    ];
    let mut volumes = vec![
        guide_host_path("ssl-certs", "/usr/share/ca-certificates"),
        guide_host_path("kubeconfig", node.kubeconfig.as_str()),
        guide_host_path("etc-kube-ssl", node.ssl_dir.as_str()),
    ];
    // The CA usually sits beside the etcd client certificates; when it shares the worker's SSL
    // directory, that mount already carries it and a second mount of the same path is invalid.
    if ca_dir != node.ssl_dir.as_str() {
        mounts.push(VolumeMount { mount_path: ca_dir.clone(), name: "etcd-kube-ca", read_only: Some(true) });
        volumes.push(guide_host_path("etcd-kube-ca", &ca_dir));
    }
    Manifest::Pod(Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: ObjectMeta { name: "kube-proxy".into(), namespace: Some(KUBE_SYSTEM.into()), ..ObjectMeta::default() },
        spec: PodSpec {
            host_network: Some(true),
            containers: vec![Container {
                name: "kube-proxy".into(),
                image: spec.kube_proxy.image.to_string(),
                command: vec![
                    "/hyperkube".into(),
                    "proxy".into(),
                    format!("--master={}", plan.api_server()),
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


/// kube-proxy's kubeconfig: its own certificate on the node, or the DaemonSet's ServiceAccount token.
pub fn kube_proxy_kubeconfig(plan: &Plan, current: &Current, layout: &CurrentLayout) -> Kubeconfig {
    match current.proxy_delivery {
        ProxyDelivery::StaticPod => {
            let user = UserEntry {
                client_certificate: Some(layout.proxy.cert.to_string()),
                client_key: Some(layout.proxy.key.to_string()),
                token_file: None,
                token: None,
            };
            kubeconfig(plan, plan.node.ca_cert.to_string(), KUBE_PROXY_USER, user)
        }
        ProxyDelivery::DaemonSet => {
            let account = "/var/run/secrets/kubernetes.io/serviceaccount";
            let user = UserEntry { client_certificate: None, client_key: None, token_file: Some(format!("{account}/token")), token: None };
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
            namespace: Some(KUBE_SYSTEM.into()),
            labels: OrderedMap::of([("k8s-app", "kube-proxy")]),
        },
        spec: kube_proxy_pod_spec(plan, layout, config, None),
    })
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
            topic: Some(Topic::KubeProxy),
            secret: false,
            note: "The ServiceAccount kube-proxy runs as (its identity: system:serviceaccount:kube-system:kube-proxy)",
            manifest: service_account("kube-proxy"),
        },
        AddonManifest {
            file_name: "kube-proxy-clusterrolebinding.yaml",
            topic: Some(Topic::KubeProxy),
            secret: false,
            note: "Grants kube-proxy's ServiceAccount the built-in system:node-proxier role (Services, EndpointSlices, Nodes)",
            manifest: cluster_role_binding("worker-studio:node-proxier", "system:node-proxier", service_account_subject("kube-proxy")),
        },
        AddonManifest {
            file_name: "kube-proxy-configmap.yaml",
            topic: Some(Topic::KubeProxy),
            secret: false,
            note: "kube-proxy's KubeProxyConfiguration and a kubeconfig that authenticates with the ServiceAccount token",
            manifest: config_map(
                "kube-proxy",
                labels.clone(),
                vec![(crate::plan::names::PROXY_CONFIG.to_owned(), config), (crate::plan::names::PROXY_KUBECONFIG.to_owned(), kubeconfig)],
            ),
        },
        AddonManifest {
            file_name: "kube-proxy-daemonset.yaml",
            topic: Some(Topic::KubeProxy),
            secret: false,
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

fn guide_host_path(name: &'static str, path: &str) -> Volume {
    Volume { name, host_path: Some(HostPath { path: path.to_owned(), kind: None }), empty_dir: None, config_map: None }
}
