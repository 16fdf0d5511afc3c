//! The kubelet's and kube-proxy's configuration files (the current profile), as typed data.
//!
//! Field names follow the published Go types (`kubelet.config.k8s.io/v1beta1` and
//! `kubeproxy.config.k8s.io/v1alpha1`); a test decodes the output strictly against them.

use serde::Serialize;

/// `KubeletConfiguration`: what were flags in 2016.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeletConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub authentication: KubeletAuthentication,
    pub authorization: KubeletAuthorization,
    pub cgroup_driver: &'static str,
    #[serde(rename = "clusterDNS")]
    pub cluster_dns: Vec<String>,
    pub cluster_domain: String,
    pub container_runtime_endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_cgroup_v1: Option<bool>,
    pub read_only_port: u16,
    /// The resolver file pods with `dnsPolicy: Default` (CoreDNS among them) inherit.
    pub resolv_conf: String,
    /// Renew the client certificate through the CSR API before it expires (a bootstrap-token join).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate_certificates: Option<bool>,
    /// Ask the CSR API for the serving certificate too (a bootstrap-token join).
    #[serde(rename = "serverTLSBootstrap", skip_serializing_if = "Option::is_none")]
    pub server_tls_bootstrap: Option<bool>,
    pub static_pod_path: String,
    /// The serving certificate the bundle ships (absent where the kubelet asks for one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_private_key_file: Option<String>,
    pub tls_min_version: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct KubeletAuthentication {
    pub anonymous: Enabled,
    pub webhook: KubeletWebhookAuthentication,
    pub x509: KubeletX509Authentication,
}

#[derive(Clone, Debug, Serialize)]
pub struct Enabled {
    pub enabled: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeletWebhookAuthentication {
    pub enabled: bool,
    #[serde(rename = "cacheTTL")]
    pub cache_ttl: &'static str,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeletX509Authentication {
    #[serde(rename = "clientCAFile")]
    pub client_ca_file: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct KubeletAuthorization {
    pub mode: &'static str,
    pub webhook: KubeletWebhookAuthorization,
}

#[derive(Clone, Debug, Serialize)]
pub struct KubeletWebhookAuthorization {
    #[serde(rename = "cacheAuthorizedTTL")]
    pub cache_authorized_ttl: &'static str,
    #[serde(rename = "cacheUnauthorizedTTL")]
    pub cache_unauthorized_ttl: &'static str,
}

/// `KubeProxyConfiguration`: kube-proxy's flags of 2016, as a file.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeProxyConfiguration {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub client_connection: ClientConnection,
    #[serde(rename = "clusterCIDR")]
    pub cluster_cidr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname_override: Option<String>,
    pub mode: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientConnection {
    pub kubeconfig: String,
}
