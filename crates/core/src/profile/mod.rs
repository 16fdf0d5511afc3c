//! What differs between Kubernetes versions: flags, manifests, images and identities.
//!
//! Each profile is a table of facts plus the few builders that differ; renderers ask the profile
//! instead of hard-coding a version, so a new Kubernetes version is a new profile, not a fork.

pub mod flags;
mod guide_2016;

use std::fmt;

use crate::plan::{NodeLayout, Plan};
use crate::render::k8s::Manifest;

pub use guide_2016::Guide2016;

/// Which profile a project uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProfileId {
    /// The 2016 guide exactly: Kubernetes v1.2, hyperkube, SkyDNS.
    Guide2016,
}

impl ProfileId {
    pub const ALL: [ProfileId; 1] = [ProfileId::Guide2016];

    /// The name used in project files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileId::Guide2016 => "guide-2016",
        }
    }

    pub fn parse(text: &str) -> Option<ProfileId> {
        ProfileId::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The profile's table and builders.
    pub fn profile(self) -> &'static dyn Profile {
        match self {
            ProfileId::Guide2016 => &Guide2016,
        }
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named add-on manifest (file name and object).
pub struct AddonManifest {
    pub file_name: &'static str,
    pub note: &'static str,
    pub manifest: Manifest,
}

/// The facts and builders a Kubernetes version contributes.
pub trait Profile: Sync {
    fn id(&self) -> ProfileId;
    /// One line for people: which Kubernetes this targets.
    fn summary(&self) -> &'static str;
    /// The Kubernetes version the profile targets.
    fn kubernetes_version(&self) -> flags::Version;
    /// The kube-proxy image a new project starts with.
    fn default_kube_proxy_image(&self) -> &'static str;
    /// The kubelet command line after the binary, one flag per element.
    fn kubelet_flags(&self, plan: &Plan, node: &NodeLayout) -> Vec<String>;
    /// The kube-proxy static pod placed in the kubelet's manifest directory.
    fn kube_proxy_pod(&self, plan: &Plan, node: &NodeLayout) -> Manifest;
    /// The cluster DNS add-on, applied from the workstation.
    fn dns_addon(&self, plan: &Plan) -> Vec<AddonManifest>;
}
