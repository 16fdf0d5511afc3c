//! What differs between Kubernetes versions: flags, manifests, images and identities.
//!
//! A profile is a module of facts and builders for one era of Kubernetes: `guide_2016` reproduces
//! the 2016 guide exactly, `current` targets today's releases (1.33 to 1.37). `history` says what
//! changed between the two, and when.

pub mod current;
pub mod flags;
pub mod guide_2016;
pub mod history;

use std::fmt;

use crate::render::k8s::Manifest;
use crate::spec::Target;

/// The Kubernetes version the 2016 guide targets.
pub const GUIDE_VERSION: flags::Version = flags::v(1, 2);

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

/// The kube-proxy image a project gets when it names none.
pub fn default_kube_proxy_image(target: &Target) -> String {
    match target {
        Target::Guide2016(_) => guide_2016::KUBE_PROXY_IMAGE.to_owned(),
        Target::Current(current) => current::kube_proxy_image(current.version),
    }
}

/// A named add-on manifest (file name and object).
pub struct AddonManifest {
    pub file_name: &'static str,
    pub note: &'static str,
    pub manifest: Manifest,
}
