//! Today's Kubernetes (the releases in [`crate::release::SUPPORTED`]): the facts that differ by
//! release, as kubeadm installs them: the CoreDNS release per minor, the configuration fields and
//! when they came, the images. The documents built from them are in `render/`.

use crate::release::{v, KubeVersion, Version};

/// The CoreDNS release kubeadm installs with each Kubernetes minor (kubeadm's `CoreDNSVersion`).
pub const COREDNS: [(Version, &str); 5] = [
    (v(1, 33), "v1.12.0"),
    (v(1, 34), "v1.12.1"),
    (v(1, 35), "v1.13.1"),
    (v(1, 36), "v1.14.2"),
    (v(1, 37), "v1.14.4"),
];

/// Optional configuration fields the studio writes, with the first release whose type has them.
/// A field is written only for versions that accept it.
pub const CONFIG_FIELDS: [(&str, Version); 3] = [
    ("KubeletConfiguration.containerRuntimeEndpoint", v(1, 27)),
    ("KubeletConfiguration.failCgroupV1", v(1, 31)),
    ("KubeProxyConfiguration.mode=nftables", v(1, 29)),
];

/// Whether `field` (a [`CONFIG_FIELDS`] name) exists in `version`.
pub fn accepts(field: &str, version: Version) -> bool {
    CONFIG_FIELDS.iter().any(|(name, since)| *name == field && *since <= version)
}

/// Where today's Kubernetes images come from.
const REGISTRY: &str = "registry.k8s.io";

/// The kube-proxy image of a release.
pub fn kube_proxy_image(version: KubeVersion) -> String {
    format!("{REGISTRY}/kube-proxy:v{}", version.release())
}

/// The CoreDNS image kubeadm installs with a minor.
pub fn coredns_image(version: Version) -> String {
    let tag = COREDNS.iter().find(|(minor, _)| *minor == version).map_or(COREDNS[COREDNS.len() - 1].1, |(_, tag)| tag);
    format!("{REGISTRY}/coredns/coredns:{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::SUPPORTED;

    #[test]
    fn every_supported_version_has_a_coredns_release() {
        for version in SUPPORTED {
            assert!(COREDNS.iter().any(|(minor, _)| *minor == version), "{version}");
        }
        assert_eq!(coredns_image(v(1, 33)), "registry.k8s.io/coredns/coredns:v1.12.0");
        assert_eq!(kube_proxy_image(KubeVersion { minor: v(1, 37), patch: Some(2) }), "registry.k8s.io/kube-proxy:v1.37.2");
    }
}

