//! The bundle: every artifact with its machine, path, mode and kind, and the zip that mirrors it;
//! `layout` names the folders and files of its format.

pub mod layout;

use std::io::Write;

use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;

use crate::profile::history::Topic;
use crate::spec::{Hostname, NodePath};

/// Which machine a file is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Machine {
    /// Files about the bundle itself (README.txt).
    Bundle,
    /// The host that keeps the CA key and signs.
    CaHost,
    Worker(Hostname),
    /// A host of the API front: HAProxy and keepalived.
    LbHost(Hostname),
    /// The control-plane nodes, as far as the front concerns them.
    ControlPlane,
    /// The admin's machine with kubectl.
    Workstation,
    /// Objects created in the cluster with kubectl.
    ClusterAddons,
}

impl Machine {
    /// The machine's folder in the zip.
    pub fn dir(&self) -> String {
        match self {
            Machine::Bundle => String::new(),
            Machine::CaHost => layout::CA_HOST.into(),
            Machine::Worker(name) => layout::worker_dir(name.as_str()),
            Machine::LbHost(name) => layout::lb_host_dir(name.as_str()),
            Machine::ControlPlane => layout::CONTROL_PLANE.into(),
            Machine::Workstation => layout::WORKSTATION.into(),
            Machine::ClusterAddons => layout::CLUSTER_ADDONS.into(),
        }
    }

    /// A name for people.
    pub fn label(&self) -> String {
        layout::machine_label(&self.dir())
    }
}

/// Where on its machine a file goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Location {
    /// An absolute path on the machine.
    Node(NodePath),
    /// A path relative to the user's home directory (`.kube/kubectl.crt`).
    Home(String),
    /// Not installed anywhere: a script or document you run or read (`install.sh`).
    Loose(String),
}

impl Location {
    /// As people write it: `/etc/...`, `~/.kube/...`, or the bare file name.
    pub fn display(&self) -> String {
        match self {
            Location::Node(path) => path.to_string(),
            Location::Home(rel) => format!("~/{rel}"),
            Location::Loose(name) => name.clone(),
        }
    }
}

/// What an artifact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ArtifactKind {
    PrivateKey,
    Certificate,
    CertificateRequest,
    OpensslConfig,
    Kubeconfig,
    SystemdUnit,
    /// A KubeletConfiguration or KubeProxyConfiguration file.
    ComponentConfig,
    StaticPod,
    AddonManifest,
    /// haproxy.cfg or keepalived.conf.
    LoadBalancerConfig,
    /// A ClusterConfiguration fragment for kubeadm.
    KubeadmConfig,
    Script,
    Readme,
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub machine: Machine,
    pub location: Location,
    /// Unix permission bits: 0o600 for private keys, 0o700 for scripts (they carry keys), 0o644 otherwise.
    pub mode: u32,
    pub kind: ArtifactKind,
    /// One line: what reads this file and what it points to.
    pub note: String,
    /// What changed here since the 2016 guide (the current profile's files).
    pub topic: Option<Topic>,
    pub content: String,
}

impl Artifact {
    /// This artifact, marked as the file of a topic of the "since 2016" notes.
    pub fn about(self, topic: Topic) -> Artifact {
        Artifact { topic: Some(topic), ..self }
    }

    /// This script, runnable by everyone and writable by root only: it carries no secret, and
    /// keepalived refuses a check script others could change.
    pub fn executable(self) -> Artifact {
        Artifact { mode: 0o755, ..self }
    }

    /// This artifact, readable by its owner only: it carries a secret (a bootstrap token).
    pub fn secret(self) -> Artifact {
        Artifact { mode: 0o600, ..self }
    }

    /// The default mode for a kind.
    pub fn mode_for(kind: ArtifactKind) -> u32 {
        match kind {
            ArtifactKind::PrivateKey => 0o600,
            // Scripts carry keys in here-documents (install.sh, setup-kubectl.sh): owner only.
            ArtifactKind::Script => 0o700,
            _ => 0o644,
        }
    }

    /// Whether the file's path inside the zip is `zip_path`; a file whose name differs is told
    /// without building its path (a large cluster has tens of thousands).
    pub fn is_at(&self, zip_path: &str) -> bool {
        let tail = match &self.location {
            Location::Node(path) => path.as_str().trim_start_matches('/'),
            Location::Home(rel) => rel.as_str(),
            Location::Loose(name) => name.as_str(),
        };
        zip_path.ends_with(tail) && self.zip_path() == zip_path
    }

    /// The file's path inside the zip (`workers/worker01/etc/kubernetes/ssl/worker.crt`).
    pub fn zip_path(&self) -> String {
        let dir = self.machine.dir();
        let rest = match &self.location {
            Location::Node(path) => path.as_str().trim_start_matches('/').to_owned(),
            Location::Home(rel) => format!("{}/{rel}", layout::HOME),
            Location::Loose(name) => name.clone(),
        };
        if dir.is_empty() {
            rest
        } else {
            format!("{dir}/{rest}")
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("two artifacts would be written to {0}")]
    Collision(String),
    #[error("zip: {0}")]
    Zip(String),
}

/// Every artifact of one generation run, in a fixed order: README, CA host, workers in spec order,
/// LB hosts, control plane, workstation, cluster add-ons.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub artifacts: Vec<Artifact>,
}

impl Bundle {
    /// Looks an artifact up by its zip path.
    pub fn find(&self, zip_path: &str) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.is_at(zip_path))
    }

    /// Fails if two artifacts share a zip path.
    pub fn check_unique_paths(&self) -> Result<(), BundleError> {
        let mut seen = std::collections::HashSet::new();
        for artifact in &self.artifacts {
            let path = artifact.zip_path();
            if !seen.insert(path.clone()) {
                return Err(BundleError::Collision(path));
            }
        }
        Ok(())
    }

    /// The whole bundle as a zip; `modified` (unix seconds) stamps every entry so equal bundles
    /// give equal bytes.
    pub fn to_zip(&self, modified: i64) -> Result<Vec<u8>, BundleError> {
        self.write_zip(modified, Vec::new())
    }

    /// Writes the zip to `out` as it is made, and returns `out`. It is a streamed zip (each
    /// entry's sizes follow its data, as `unzip` and every zip reader expect), so nothing of it is
    /// held but what `out` keeps.
    pub fn write_zip<W: Write>(&self, modified: i64, out: W) -> Result<W, BundleError> {
        self.check_unique_paths()?;
        let stamp = zip_time(modified);
        let mut writer = zip::ZipWriter::new_stream(out);
        let zip_err = |e: zip::result::ZipError| BundleError::Zip(e.to_string());
        for artifact in &self.artifacts {
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(artifact.mode)
                .last_modified_time(stamp);
            writer.start_file(artifact.zip_path(), options).map_err(zip_err)?;
            writer.write_all(artifact.content.as_bytes()).map_err(|e| BundleError::Zip(e.to_string()))?;
        }
        Ok(writer.finish().map_err(zip_err)?.into_inner())
    }
}

fn zip_time(unix: i64) -> zip::DateTime {
    let fallback = zip::DateTime::default();
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(unix) else { return fallback };
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or(fallback)
}
