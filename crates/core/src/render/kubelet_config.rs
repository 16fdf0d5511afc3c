//! The KubeletConfiguration every worker of the current profile shares.

use super::component_config::{
    Enabled, KubeletAuthentication, KubeletAuthorization, KubeletConfiguration, KubeletWebhookAuthentication,
    KubeletWebhookAuthorization, KubeletX509Authentication,
};
use crate::plan::{CurrentLayout, Plan};
use crate::profile::current::accepts;
use crate::release::REFUSES_CGROUP_V1;
use crate::spec::{Current, Join};

/// The KubeletConfiguration every worker shares.
pub fn kubelet_config(plan: &Plan, current: &Current, layout: &CurrentLayout) -> KubeletConfiguration {
    let spec = plan.spec;
    let version = current.version.minor;
    // A bootstrap-token join: the kubelet asks for both its certificates, and renews them.
    let bootstrap = matches!(current.join, Join::BootstrapToken(_));
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
        fail_cgroup_v1: (accepts("KubeletConfiguration.failCgroupV1", version) && version >= REFUSES_CGROUP_V1).then_some(true),
        resolv_conf: current.resolv_conf.to_string(),
        read_only_port: 0,
        rotate_certificates: bootstrap.then_some(true),
        server_tls_bootstrap: bootstrap.then_some(true),
        static_pod_path: plan.node.manifests_dir.to_string(),
        tls_cert_file: (!bootstrap).then(|| layout.serving.cert.to_string()),
        tls_private_key_file: (!bootstrap).then(|| layout.serving.key.to_string()),
        tls_min_version: "VersionTLS12",
    }
}

