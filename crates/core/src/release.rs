//! Kubernetes releases: versions and their one parser, the two profiles, the releases the current
//! profile supports, and the dated gates the rest of the engine asks about. A leaf: it imports
//! nothing of the crate's, so every layer may use it.

use std::fmt;

/// A Kubernetes minor version such as 1.2 or 1.37.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

pub const fn v(major: u16, minor: u16) -> Version {
    Version { major, minor }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A Kubernetes release: a minor version, and a patch release if one is named (1.37 or 1.37.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KubeVersion {
    pub minor: Version,
    pub patch: Option<u16>,
}

impl KubeVersion {
    /// Reads `1.37`, `v1.37` or `1.37.2`, any minor: the one parser of Kubernetes versions (the
    /// project file, a bundle's README, `--kubernetes-version`).
    pub fn read(text: &str) -> Option<KubeVersion> {
        let bare = text.strip_prefix('v').unwrap_or(text);
        let numbers: Vec<Option<u16>> =
            bare.split('.').map(|n| n.parse().ok().filter(|_| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))).collect();
        match numbers.as_slice() {
            [Some(major), Some(minor)] => Some(KubeVersion { minor: v(*major, *minor), patch: None }),
            [Some(major), Some(minor), Some(patch)] => Some(KubeVersion { minor: v(*major, *minor), patch: Some(*patch) }),
            _ => None,
        }
    }

    /// [`KubeVersion::read`], for the current profile: the minor must be one it supports.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let range = supported_range();
        let version = KubeVersion::read(text)
            .ok_or_else(|| format!("{text:?} is not a Kubernetes version; write it as 1.37 or 1.37.2 ({range} are supported)"))?;
        if !SUPPORTED.contains(&version.minor) {
            return Err(format!("Kubernetes {} is not supported by the current profile; choose {range}", version.minor));
        }
        Ok(version)
    }

    /// The release an image tag names: the patch given, or the minor's first release.
    pub fn release(&self) -> String {
        format!("{}.{}", self.minor, self.patch.unwrap_or(0))
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "{}.{patch}", self.minor),
            None => write!(f, "{}", self.minor),
        }
    }
}

/// Which profile a project uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProfileId {
    /// The 2016 guide exactly: Kubernetes v1.2, hyperkube, SkyDNS.
    Guide2016,
    /// Today's Kubernetes: KubeletConfiguration, Node-authorizer identities, containerd, CoreDNS.
    Current,
}

impl ProfileId {
    pub const ALL: [ProfileId; 2] = [ProfileId::Guide2016, ProfileId::Current];

    /// The name used in project files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileId::Guide2016 => "guide-2016",
            ProfileId::Current => "current",
        }
    }

    pub fn parse(text: &str) -> Option<ProfileId> {
        ProfileId::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// One line for people: which Kubernetes this targets.
    pub fn summary(self) -> &'static str {
        match self {
            ProfileId::Guide2016 => "Kubernetes v1.2 as in the 2016 guide: kubelet flags, hyperkube kube-proxy, SkyDNS",
            ProfileId::Current => {
                "today's Kubernetes: KubeletConfiguration, Node-authorizer identities, containerd, kube-proxy config, CoreDNS"
            }
        }
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Kubernetes version the 2016 guide targets.
pub const GUIDE_VERSION: Version = v(1, 2);

/// The Kubernetes minor versions the current profile supports, oldest first.
pub const SUPPORTED: [Version; 5] = [v(1, 33), v(1, 34), v(1, 35), v(1, 36), v(1, 37)];

/// The version a new current-profile project targets: the newest supported.
pub const DEFAULT_VERSION: Version = SUPPORTED[SUPPORTED.len() - 1];

/// The supported releases as people read them: `1.33 to 1.37`.
pub fn supported_range() -> String {
    format!("{} to {}", SUPPORTED[0], SUPPORTED[SUPPORTED.len() - 1])
}

/// The Node authorizer and NodeRestriction: node credentials are `system:node:<name>` in
/// `system:nodes`.
pub const NODE_AUTHORIZER: Version = v(1, 7);

/// Kubeconfigs name the API server themselves: the kubelet's `--api-servers` (and kube-proxy's
/// reliance on `--master`) went.
pub const KUBECONFIG_NAMES_SERVER: Version = v(1, 8);

/// The kubelet's `--config` names a KubeletConfiguration file (before, the static pod directory).
pub const KUBELET_CONFIG_FILE: Version = v(1, 10);

/// The kubelet refuses cgroup v1 hosts unless told otherwise (`failCgroupV1` defaults to true);
/// before, it only warns.
pub const REFUSES_CGROUP_V1: Version = v(1, 35);

/// kube-apiserver serves `/readyz`, which fails while it starts or drains; `/healthz` is deprecated.
pub const READYZ: Version = v(1, 16);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_and_order() {
        assert_eq!(KubeVersion::read("v1.37.2"), Some(KubeVersion { minor: v(1, 37), patch: Some(2) }));
        assert_eq!(KubeVersion::read("1.2"), Some(KubeVersion { minor: v(1, 2), patch: None }));
        for bad in ["", "1", "1.x", "1.37.2.1", "1..2", "+1.2", "1.+2"] {
            assert_eq!(KubeVersion::read(bad), None, "{bad:?}");
        }
        assert!(KubeVersion::parse("1.32").unwrap_err().contains("1.33 to 1.37"));
        assert!(v(1, 2) < v(1, 8) && v(1, 9) < v(1, 10) && v(1, 37) > v(1, 8));
        assert_eq!(DEFAULT_VERSION, v(1, 37));
    }
}
