//! What changed between the 2016 guide and today's Kubernetes, artifact by artifact, with the
//! release where it happened: the studio's "since 2016" view and the README's notes.

use crate::release::{v, Version};

/// Which part of a worker's setup a change concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Topic {
    KubeletUnit,
    KubeletConfig,
    NodeIdentity,
    ServingCertificate,
    Kubeconfig,
    KubeProxy,
    ClusterDns,
    Rbac,
    Admin,
    Runtime,
    ApiFront,
}

impl Topic {
    pub fn title(self) -> &'static str {
        match self {
            Topic::KubeletUnit => "The kubelet's systemd unit",
            Topic::KubeletConfig => "The KubeletConfiguration file",
            Topic::NodeIdentity => "The worker's client certificate",
            Topic::ServingCertificate => "The kubelet's serving certificate",
            Topic::Kubeconfig => "The kubelet's kubeconfig",
            Topic::KubeProxy => "kube-proxy",
            Topic::ClusterDns => "Cluster DNS",
            Topic::Rbac => "The API server's access to kubelets",
            Topic::Admin => "The kubectl admin credentials",
            Topic::Runtime => "The container runtime and install.sh",
            Topic::ApiFront => "The API front (high availability)",
        }
    }
}

/// One change since the guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub topic: Topic,
    /// What the guide wrote in 2016.
    pub then: &'static str,
    /// What the current profile writes instead.
    pub now: &'static str,
    pub why: &'static str,
    /// The Kubernetes release where it happened.
    pub since: Version,
}

const fn change(topic: Topic, since: Version, then: &'static str, now: &'static str, why: &'static str) -> Change {
    Change { topic, then, now, why, since }
}

/// Every change, grouped by topic, oldest first within a topic.
pub const CHANGES: &[Change] = &[
    change(Topic::KubeletUnit, v(1, 8), "--api-servers=https://loadbalancer.example.com",
        "the server: line of the kubelet's kubeconfig",
        "--api-servers was removed in 1.8; the kubeconfig already says where the API server is and how to trust it"),
    change(Topic::KubeletUnit, v(1, 10), "--config=/etc/kubernetes/manifests (the static pod directory)",
        "--config=/var/lib/kubelet/config.yaml (a KubeletConfiguration); the pod directory is its staticPodPath",
        "since 1.10 --config names a versioned configuration file, so settings can be validated and shared across nodes"),
    change(Topic::KubeletUnit, v(1, 15), "--allow-privileged=true",
        "nothing: the flag is gone",
        "--allow-privileged was removed in 1.15; who may run privileged pods is decided by admission (Pod Security since 1.25)"),
    change(Topic::KubeletUnit, v(1, 34), "--register-schedulable=true",
        "nothing: nodes register schedulable; taints keep pods off",
        "--register-schedulable was deprecated for --register-with-taints and removed in 1.34"),
    change(Topic::KubeletUnit, v(1, 10), "eleven flags, the same on every worker",
        "--config, --kubeconfig, --hostname-override and --node-ip only",
        "flags are deprecated wherever a config field exists; the node name and IP have none and must match the certificates"),
    change(Topic::KubeletConfig, v(1, 10), "--cluster-dns, --cluster-domain, --tls-cert-file, --tls-private-key-file",
        "clusterDNS, clusterDomain, tlsCertFile, tlsPrivateKeyFile in kubelet.config.k8s.io/v1beta1",
        "the KubeletConfiguration (beta since 1.10) replaced the flags; the flags still parse but are deprecated"),
    change(Topic::KubeletConfig, v(1, 6), "the kubelet API open to anyone who reaches port 10250 (and read-only 10255)",
        "authentication.anonymous.enabled: false, webhook authentication and authorization, x509 clientCAFile, readOnlyPort: 0",
        "an unauthenticated kubelet lets anyone on the network run commands in pods; kubeadm turned webhook authz on from 1.6"),
    change(Topic::Runtime, v(1, 24), "Docker, started before the kubelet (After=docker.service)",
        "containerd through CRI: containerRuntimeEndpoint: unix:///run/containerd/containerd.sock, cgroupDriver: systemd",
        "dockershim was removed in 1.24; the kubelet talks CRI to containerd or CRI-O, and both must use the systemd cgroup driver"),
    change(Topic::Runtime, v(1, 35), "any cgroup setup the host had",
        "failCgroupV1: true, and install.sh checks for cgroup v2",
        "cgroup v1 is in maintenance; from 1.35 the kubelet refuses to start on cgroup v1 unless told otherwise"),
    change(Topic::NodeIdentity, v(1, 7), "CN=worker01, no group, one certificate for everything",
        "CN=system:node:worker01, O=system:nodes, extendedKeyUsage clientAuth",
        "the Node authorizer (1.7) and NodeRestriction admission let a kubelet touch only its own Node and pods, but only if its user is system:node:<name> in group system:nodes"),
    change(Topic::NodeIdentity, v(1, 12), "the CA host signs a certificate for every worker, from a CSR copied over by hand",
        "join.method bootstrap-token: each kubelet makes its own key and asks the CSR API for its certificates with a short-lived bootstrap token (as kubeadm join does), and renews them",
        "TLS bootstrapping went GA in 1.12: no CA key has to leave the control plane and no node key its node; approve-serving-csrs.sh approves only the serving certificates that name their own worker"),
    change(Topic::ServingCertificate, v(1, 7), "the same worker certificate for the kubelet's own HTTPS server",
        "a separate kubelet.crt: CN=system:node:<name>, DNS and IP SANs, extendedKeyUsage serverAuth",
        "an API server started with --kubelet-certificate-authority checks the kubelet's name and IP; a client certificate should not double as a server one"),
    change(Topic::Kubeconfig, v(1, 8), "no server: (it came from --api-servers)",
        "server:, certificate-authority and the system:node client certificate, one user per node",
        "the kubeconfig is now the one place a kubelet learns where and who it is"),
    change(Topic::KubeProxy, v(1, 10), "hyperkube proxy --master=… --kubeconfig=<the worker's> --proxy-mode=iptables",
        "kube-proxy --config=config.conf (KubeProxyConfiguration: mode, clusterCIDR, clientConnection.kubeconfig)",
        "kube-proxy's flags moved into kubeproxy.config.k8s.io/v1alpha1; --master is no longer needed"),
    change(Topic::KubeProxy, v(1, 19), "quay.io/coreos/hyperkube:v1.2.2_coreos.0",
        "registry.k8s.io/kube-proxy at the cluster's version",
        "hyperkube images stopped at 1.19; since 1.25 images come from registry.k8s.io"),
    change(Topic::KubeProxy, v(1, 8), "the worker's own credentials (CN=worker01)",
        "its own identity: CN=system:kube-proxy (static pod) or the kube-proxy ServiceAccount (DaemonSet), bound to system:node-proxier",
        "with RBAC (GA in 1.8) each component gets only the rights it needs; node credentials no longer fit kube-proxy"),
    change(Topic::KubeProxy, v(1, 26), "--proxy-mode=userspace as the alternative",
        "mode: iptables or nftables (nftables GA in 1.33)",
        "the userspace proxier was removed in 1.26; nftables arrived in 1.29 and went GA in 1.33"),
    change(Topic::ClusterDns, v(1, 11), "SkyDNS v11: etcd, kube2sky, skydns and exechealthz in one ReplicationController",
        "CoreDNS (one container, a Corefile in a ConfigMap) in a Deployment of two spread replicas",
        "kube-dns replaced SkyDNS in 1.3, CoreDNS became kubeadm's default in 1.11 and its only DNS in 1.21"),
    change(Topic::ClusterDns, v(1, 21), "no ServiceAccount, no RBAC",
        "a coredns ServiceAccount with a ClusterRole to list and watch Services, Pods, Namespaces and EndpointSlices",
        "with RBAC every add-on needs explicit rights; EndpointSlices (GA 1.21) replace Endpoints, deprecated in 1.33"),
    change(Topic::ClusterDns, v(1, 11), "Service kube-dns",
        "still Service kube-dns, at the same cluster DNS IP",
        "the name stayed so that nothing that looks it up breaks"),
    change(Topic::Rbac, v(1, 8), "nothing: the API server reached kubelets without asking",
        "a ClusterRole for nodes/proxy, stats, log, metrics bound to the API server's kubelet client user",
        "with webhook authorization on the kubelet, the API server needs RBAC rights for logs, exec and metrics"),
    change(Topic::Admin, v(1, 29), "CN=kubectl with no group (everything was allowed)",
        "CN=kubernetes-admin, O=kubeadm:cluster-admins bound to cluster-admin, or O=system:masters",
        "system:masters bypasses RBAC and cannot be revoked; kubeadm 1.29 moved its admin.conf to a bound group"),
    change(Topic::ApiFront, v(1, 15), "one load balancer in front of the API servers, \"not failure-resistant\" as the guide admits",
        "a virtual IP that keepalived moves between two or more LB hosts, each running HAProxy to every API server; or HAProxy on every worker at 127.0.0.1",
        "kubeadm's HA setup (controlPlaneEndpoint, stable in 1.15) and kubespray's local load balancers remove the last single point of failure"),
    change(Topic::ApiFront, v(1, 16), "no health check of the API servers",
        "HAProxy and keepalived ask each API server's /readyz over TLS",
        "/readyz (1.16) fails while an API server starts or drains, so connections leave it before it stops; /healthz is deprecated"),
];

/// The changes of one topic.
pub fn changes(topic: Topic) -> impl Iterator<Item = &'static Change> {
    CHANGES.iter().filter(move |c| c.topic == topic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::flags::kubelet_flag;

    #[test]
    fn removed_flags_agree_with_the_flag_table() {
        for change in CHANGES.iter().filter(|c| c.topic == Topic::KubeletUnit) {
            let Some(flag) = change.then.split('=').next().filter(|f| f.starts_with("--")) else { continue };
            if let Some(history) = kubelet_flag(flag).filter(|h| h.removed.is_some()) {
                assert_eq!(history.removed, Some(change.since), "{flag}");
            }
        }
    }

    #[test]
    fn every_topic_has_a_change() {
        use Topic::*;
        for topic in [KubeletUnit, KubeletConfig, NodeIdentity, ServingCertificate, Kubeconfig, KubeProxy, ClusterDns, Rbac, Admin, Runtime, ApiFront] {
            assert!(changes(topic).next().is_some(), "{topic:?}");
        }
    }
}
