//! Kubeconfig files as typed data, and the kubelet's: the guide's (shared with kube-proxy) and the
//! current profile's (the node's own client certificate).

use serde::{Deserialize, Serialize};

use crate::pki::BootstrapToken;
use crate::plan::{CurrentLayout, FrontPlan, GuideLayout, LeafPlan, Plan};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kubeconfig {
    pub api_version: String,
    pub kind: String,
    pub clusters: Vec<NamedCluster>,
    pub users: Vec<NamedUser>,
    pub contexts: Vec<NamedContext>,
    #[serde(rename = "current-context")]
    pub current_context: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCluster {
    pub name: String,
    pub cluster: ClusterEntry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ClusterEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_authority: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedUser {
    pub name: String,
    pub user: UserEntry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct UserEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
    /// A bearer token read from a file (a ServiceAccount's, in a pod).
    #[serde(rename = "tokenFile", skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// A bearer token (a bootstrap token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedContext {
    pub context: ContextEntry,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextEntry {
    pub cluster: String,
    pub user: String,
}

/// The guide's worker kubeconfig: CA, client certificate and key by path; the server comes from
/// the kubelet's `--api-servers` and kube-proxy's `--master` flags. Behind a front the studio
/// writes, the kubeconfig names it too (the flags still win on Kubernetes 1.2), so every
/// kubeconfig says where the API is.
pub fn worker(plan: &Plan, layout: &GuideLayout) -> Kubeconfig {
    let node = &plan.node;
    let server = (!matches!(plan.front, FrontPlan::External)).then(|| plan.api_server().to_string());
    Kubeconfig {
        api_version: "v1".into(),
        kind: "Config".into(),
        clusters: vec![NamedCluster {
            name: "local".into(),
            cluster: ClusterEntry { server, certificate_authority: Some(node.ca_cert.to_string()) },
        }],
        users: vec![NamedUser {
            name: "kubelet".into(),
            user: UserEntry {
                client_certificate: Some(layout.cert.to_string()),
                client_key: Some(layout.key.to_string()),
                token_file: None,
                token: None,
            },
        }],
        contexts: vec![NamedContext {
            context: ContextEntry { cluster: "local".into(), user: "kubelet".into() },
            name: "kubelet-context".into(),
        }],
        current_context: "kubelet-context".into(),
    }
}

/// A kubeconfig of one cluster (the spec's API server), one user and the context joining them.
pub(super) fn kubeconfig(plan: &Plan, ca: String, user_name: &str, user: UserEntry) -> Kubeconfig {
    let cluster = "kubernetes";
    Kubeconfig {
        api_version: "v1".into(),
        kind: "Config".into(),
        clusters: vec![NamedCluster {
            name: cluster.into(),
            cluster: ClusterEntry { server: Some(plan.api_server().to_string()), certificate_authority: Some(ca) },
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
pub fn kubelet_kubeconfig(plan: &Plan, layout: &CurrentLayout, client: &LeafPlan) -> Kubeconfig {
    let user = UserEntry {
        client_certificate: Some(layout.client.cert.to_string()),
        client_key: Some(layout.client.key.to_string()),
        token_file: None,
        token: None,
    };
    kubeconfig(plan, plan.node.ca_cert.to_string(), &client.common_name, user)
}

/// The kubelet's bootstrap kubeconfig: the API server, the CA, and the bootstrap token it asks the
/// CSR API for its client certificate with (kubeadm's `tls-bootstrap-token-user`).
pub fn bootstrap_kubeconfig(plan: &Plan, token: &BootstrapToken) -> Kubeconfig {
    let user = UserEntry { client_certificate: None, client_key: None, token_file: None, token: Some(token.bearer()) };
    kubeconfig(plan, plan.node.ca_cert.to_string(), "tls-bootstrap-token-user", user)
}

