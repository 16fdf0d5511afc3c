//! The Kubernetes users and groups the bundle's certificates carry and its RBAC names, spelled once:
//! the Node authorizer's `system:node:<name>` in `system:nodes`, kube-proxy's `system:kube-proxy`,
//! the admin groups and the API server's kubelet client. A leaf of the crate.

/// The Node authorizer's user name for a node.
pub fn node_user(node: &str) -> String {
    format!("{NODE_USER_PREFIX}{node}")
}

/// What every node's user name starts with.
pub const NODE_USER_PREFIX: &str = "system:node:";

/// The group every node's user belongs to.
pub const NODES_GROUP: &str = "system:nodes";

/// kube-proxy's user, bound to `system:node-proxier` by the built-in RBAC policy.
pub const KUBE_PROXY_USER: &str = "system:kube-proxy";

/// kube-proxy's ServiceAccount when it runs as a DaemonSet (in `kube-system`).
pub const KUBE_PROXY_SERVICE_ACCOUNT: &str = "kube-proxy";

/// The admin group kubeadm binds to `cluster-admin` with a ClusterRoleBinding (revocable).
pub const KUBEADM_CLUSTER_ADMINS: &str = "kubeadm:cluster-admins";

/// The hard-wired superuser group: bypasses RBAC, revocable only by replacing the CA.
pub const SYSTEM_MASTERS: &str = "system:masters";

/// The group a bootstrap token of the studio's authenticates as (besides `system:bootstrappers`):
/// its bindings let exactly these tokens ask for node certificates.
pub const BOOTSTRAPPERS_GROUP: &str = "system:bootstrappers:worker-studio";

/// The built-in ClusterRole that may create CertificateSigningRequests.
pub const NODE_BOOTSTRAPPER_ROLE: &str = "system:node-bootstrapper";

/// The built-in ClusterRole whose holders' node client CSRs the controller manager approves.
pub const NODE_CLIENT_APPROVAL_ROLE: &str = "system:certificates.k8s.io:certificatesigningrequests:nodeclient";

/// The built-in ClusterRole whose holders' renewals of their own client certificate are approved.
pub const SELF_NODE_CLIENT_APPROVAL_ROLE: &str = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";

/// The signer of kubelet serving certificates, whose CSRs Kubernetes never approves by itself.
pub const KUBELET_SERVING_SIGNER: &str = "kubernetes.io/kubelet-serving";

/// The user the API server presents to kubelets by default (its `--kubelet-client-certificate`'s
/// CN, as kubeadm names it).
pub const APISERVER_KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";
