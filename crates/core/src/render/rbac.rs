//! Cluster-wide RBAC the workers rely on (current profile): the API server's access to kubelets, and
//! the binding of the admin certificate's group.

use super::addons::AddonManifest;
use crate::profile::history::Topic;
use super::k8s::{cluster_role, cluster_role_binding, rbac_subject, PolicyRule};
use crate::spec::{AdminGroup, Current};

/// Cluster-wide RBAC the workers rely on: the API server's access to kubelets, and the admin group's binding.
/// `with_admin`: the bundle carries an admin certificate whose group needs its binding.
pub fn cluster_rbac(current: &Current, with_admin: bool) -> Vec<AddonManifest> {
    let mut manifests = vec![
        AddonManifest {
            file_name: "apiserver-to-kubelet-clusterrole.yaml",
            topic: Some(Topic::Rbac),
            secret: false,
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
            topic: Some(Topic::Rbac),
            secret: false,
            note: "Grants it to the API server's kubelet client user (the CN of its --kubelet-client-certificate)",
            manifest: cluster_role_binding(
                "worker-studio:apiserver-to-kubelet",
                "worker-studio:apiserver-to-kubelet",
                rbac_subject("User", current.apiserver_kubelet_client.as_str()),
            ),
        },
    ];
    if with_admin && current.admin_group == AdminGroup::KubeadmClusterAdmins {
        manifests.push(AddonManifest {
            file_name: "admin-clusterrolebinding.yaml",
            topic: Some(Topic::Admin),
            secret: false,
            note: "Binds cluster-admin to the kubeadm:cluster-admins group the admin certificate carries (kubeadm clusters have it)",
            manifest: cluster_role_binding("kubeadm:cluster-admins", "cluster-admin", rbac_subject("Group", AdminGroup::KubeadmClusterAdmins.as_str())),
        });
    }
    manifests
}

