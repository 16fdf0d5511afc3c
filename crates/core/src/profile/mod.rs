//! What differs between Kubernetes versions: flags, manifests, images and identities.
//!
//! A profile is a module of facts for one era of Kubernetes: `guide_2016` reproduces the 2016
//! guide exactly, `current` targets today's supported releases. `history` says what changed
//! between the two, and when.

pub mod current;
pub mod flags;
pub mod guide_2016;
pub mod history;

use crate::spec::Target;

/// The namespace of the cluster's own add-ons.
pub const KUBE_SYSTEM: &str = "kube-system";

/// The kube-proxy image a project gets when it names none.
pub fn default_kube_proxy_image(target: &Target) -> String {
    match target {
        Target::Guide2016(_) => guide_2016::KUBE_PROXY_IMAGE.to_owned(),
        Target::Current(current) => current::kube_proxy_image(current.version),
    }
}
