//! The bundle's format, named once: the machine folders, the top-level file names, and the README's
//! first line (written by the renderer and read back by the checks with the same code), so a zip or
//! a directory made by hand is read the way the studio writes it.

use crate::plan::names::CA_CERT;
use crate::release::{KubeVersion, ProfileId};

/// The CA host's folder: the CA certificate (and key, if exported) and the signing scripts.
pub const CA_HOST: &str = "ca-host";
/// Each worker's folder is `workers/<name>`.
pub const WORKERS: &str = "workers";
/// The admin's machine with kubectl.
pub const WORKSTATION: &str = "workstation";
/// Objects created in the cluster with kubectl.
pub const CLUSTER_ADDONS: &str = "cluster-addons";
/// Stands for the user's home directory inside a machine's folder.
pub const HOME: &str = "HOME";

/// What goes where, and in which order (the bundle's first file).
pub const README: &str = "README.txt";
/// The check report.
pub const CHECKS: &str = "CHECKS.md";
/// A worker's installer.
pub const INSTALL: &str = "install.sh";
/// A worker's keys-stay-on-the-node alternative.
pub const KEYS_ON_NODE: &str = "keys-on-node.sh";
/// The workstation's kubectl installer.
pub const SETUP_KUBECTL: &str = "setup-kubectl.sh";
/// The workstation's keys-stay-on-the-workstation alternative (the guide's profile).
pub const KEYS_ON_WORKSTATION: &str = "keys-on-workstation.sh";
/// The CA host's signing script for the kubectl CSR (the guide's profile).
pub const SIGN_KUBECTL: &str = "sign-kubectl.sh";
/// The add-ons' script: the guide's `kubectl create`.
pub const CREATE_DNS: &str = "create-dns.sh";
/// The add-ons' script: the current profile's `kubectl apply`.
pub const APPLY_ADDONS: &str = "apply-addons.sh";

/// A worker's folder: `workers/<name>`.
pub fn worker_dir(name: &str) -> String {
    format!("{WORKERS}/{name}")
}

/// The CA host's signing script for a worker: `sign-<name>.sh`.
pub fn sign_worker(name: &str) -> String {
    format!("sign-{name}.sh")
}

/// The CA certificate's path in a bundle: `ca-host/HOME/ca.crt`.
pub fn ca_cert_path() -> String {
    format!("{CA_HOST}/{HOME}/{CA_CERT}")
}

/// README.txt's first line: which profile and Kubernetes release the bundle is for.
pub fn readme_header(profile: ProfileId, version: &str) -> String {
    format!("Worker Studio bundle, profile {profile} for Kubernetes {version} ({})", profile.summary())
}

/// What [`readme_header`] wrote: the profile and the release, or `None` for a README that is not
/// the studio's (a hand-written bundle).
pub fn read_readme_header(first_line: &str) -> Option<(ProfileId, KubeVersion)> {
    let rest = first_line.strip_prefix("Worker Studio bundle, profile ")?;
    let (profile, rest) = rest.split_once(" for Kubernetes ")?;
    let version = rest.split_whitespace().next()?;
    Some((ProfileId::parse(profile)?, KubeVersion::read(version)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_header_reads_back() {
        for (profile, version) in [(ProfileId::Guide2016, "1.2"), (ProfileId::Current, "1.37.2"), (ProfileId::Current, "1.33")] {
            let line = readme_header(profile, version);
            assert_eq!(read_readme_header(&line), Some((profile, KubeVersion::read(version).unwrap())), "{line}");
        }
        assert_eq!(read_readme_header("My own notes"), None);
    }
}
