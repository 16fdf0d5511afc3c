//! The kubelet's command-line flags through Kubernetes history: when each appeared and went.
//! The checks use it to tell whether a unit fits the profile's Kubernetes version.

use crate::release::{v, Version};

/// One flag's history.
pub struct FlagHistory {
    pub flag: &'static str,
    pub added: Version,
    /// The first version without the flag.
    pub removed: Option<Version>,
    /// What replaced it, or what changed.
    pub note: &'static str,
}

const fn flag(flag: &'static str, added: Version, removed: Option<Version>, note: &'static str) -> FlagHistory {
    FlagHistory { flag, added, removed, note }
}

/// Kubelet flags the studio writes or meets in hand-written units.
pub const KUBELET_FLAGS: &[FlagHistory] = &[
    flag("--api-servers", v(1, 0), Some(v(1, 8)), "the API server now comes from the kubeconfig's cluster.server"),
    flag("--register-node", v(1, 0), None, ""),
    flag("--register-schedulable", v(1, 0), Some(v(1, 34)), "use --register-with-taints"),
    flag("--allow-privileged", v(1, 0), Some(v(1, 15)), "privileged pods are governed by Pod Security admission"),
    flag("--config", v(1, 0), None, "until 1.10 the static pod directory, since then a KubeletConfiguration file"),
    flag("--pod-manifest-path", v(1, 3), None, "deprecated for staticPodPath in the KubeletConfiguration"),
    flag("--cluster-dns", v(1, 0), None, "deprecated for clusterDNS in the KubeletConfiguration"),
    flag("--cluster-domain", v(1, 0), None, "deprecated for clusterDomain in the KubeletConfiguration"),
    flag("--kubeconfig", v(1, 0), None, ""),
    flag("--bootstrap-kubeconfig", v(1, 4), None, "the kubeconfig a kubelet asks the CSR API for its certificates with (TLS bootstrapping)"),
    flag("--tls-cert-file", v(1, 0), None, "deprecated for tlsCertFile in the KubeletConfiguration"),
    flag("--tls-private-key-file", v(1, 0), None, "deprecated for tlsPrivateKeyFile in the KubeletConfiguration"),
    flag("--housekeeping-interval", v(1, 0), None, ""),
    flag("--container-runtime-endpoint", v(1, 5), None, ""),
    flag("--node-ip", v(1, 3), None, ""),
    flag("--hostname-override", v(1, 0), None, ""),
];

/// The history of one flag (`--name=value` or `--name`).
pub fn kubelet_flag(word: &str) -> Option<&'static FlagHistory> {
    let name = word.split_once('=').map_or(word, |(n, _)| n);
    KUBELET_FLAGS.iter().find(|f| f.flag == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_flags_that_went_are_dated() {
        assert_eq!(kubelet_flag("--api-servers=https://x").unwrap().removed, Some(v(1, 8)));
        assert_eq!(kubelet_flag("--allow-privileged=true").unwrap().removed, Some(v(1, 15)));
        assert!(kubelet_flag("--no-such-flag").is_none());
    }
}
