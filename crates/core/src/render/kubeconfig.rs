//! Kubeconfig files as typed data: the worker's (kubelet and kube-proxy) and any other.

use serde::{Deserialize, Serialize};

use crate::plan::{NodeLayout, Plan};

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
/// the kubelet's `--api-servers` and kube-proxy's `--master` flags.
pub fn worker(_plan: &Plan, node: &NodeLayout) -> Kubeconfig {
    Kubeconfig {
        api_version: "v1".into(),
        kind: "Config".into(),
        clusters: vec![NamedCluster {
            name: "local".into(),
            cluster: ClusterEntry { server: None, certificate_authority: Some(node.ca_cert.to_string()) },
        }],
        users: vec![NamedUser {
            name: "kubelet".into(),
            user: UserEntry {
                client_certificate: Some(node.cert.to_string()),
                client_key: Some(node.key.to_string()),
                token_file: None,
            },
        }],
        contexts: vec![NamedContext {
            context: ContextEntry { cluster: "local".into(), user: "kubelet".into() },
            name: "kubelet-context".into(),
        }],
        current_context: "kubelet-context".into(),
    }
}
