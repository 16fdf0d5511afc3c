//! The workstation: the files `setup-kubectl.sh`'s `kubectl config` commands name are the ones it
//! installs next to the kubeconfig, the admin certificate is signed by the CA they name, and the
//! key is the certificate's.

use super::files::BundleFiles;
use super::graph::SIGNED_BY;
use super::{Findings, Status};
use crate::bundle::layout;
use crate::words::split_words;

const WHY_KUBECTL: &str = "kubectl reads the CA, certificate and key its kubeconfig names; a missing or mismatched one stops every kubectl command";

/// Where setup-kubectl.sh puts the files it names relatively: `$HOME/.kube`, the kubeconfig's folder.
const KUBE_DIR: &str = ".kube";

pub(super) fn check(files: &BundleFiles, out: &mut Findings) {
    let script = format!("{}/{}", layout::WORKSTATION, layout::SETUP_KUBECTL);
    let Some(text) = files.text(&script) else { return };
    let mut named: Vec<(&'static str, String)> = Vec::new();
    for line in text.lines().map(str::trim_start).filter(|l| l.starts_with("kubectl config ")) {
        for word in split_words(line) {
            for (flag, kind) in [("--certificate-authority=", "--certificate-authority"), ("--client-certificate=", "--client-certificate"), ("--client-key=", "--client-key")] {
                if let Some(file) = word.strip_prefix(flag) {
                    let path = format!("{}/{}/{KUBE_DIR}/{file}", layout::WORKSTATION, layout::HOME);
                    if !named.iter().any(|(k, p)| *k == kind && *p == path) {
                        named.push((kind, path));
                    }
                }
            }
        }
    }
    if named.is_empty() {
        return;
    }
    let title = "Workstation: kubectl's CA, certificate and key are the files setup-kubectl.sh installs, and fit".to_owned();
    let find = |kind: &str| named.iter().find(|(k, _)| *k == kind).map(|(_, p)| p.clone());
    let (ca_path, cert_path, key_path) = (find("--certificate-authority"), find("--client-certificate"), find("--client-key"));
    let missing: Vec<&str> = named.iter().filter(|(_, p)| files.get(p).is_none()).map(|(_, p)| p.as_str()).collect();
    let verdict = if !missing.is_empty() {
        Err(format!("not installed: {}", missing.join(", ")))
    } else {
        fits(files, ca_path.as_deref(), cert_path.as_deref(), key_path.as_deref())
    };
    let mut involved = vec![script.clone()];
    involved.extend(named.iter().map(|(_, p)| p.clone()));
    let finding = match verdict {
        Ok(()) => out.add(Status::Pass, "kubectl-files", WHY_KUBECTL, title, involved, String::new()),
        Err(e) => out.add(Status::Fail, "kubectl-files", WHY_KUBECTL, title, involved, e),
    };
    for (kind, path) in &named {
        let status = if files.get(path).is_some() { Status::Pass } else { Status::Fail };
        out.link_as(finding, &script, path, kind, status);
    }
    if let (Some(cert), Some(ca)) = (&cert_path, &ca_path) {
        out.link(finding, cert, ca, SIGNED_BY);
    }
}

/// The certificate is signed by the CA named, and the key is the certificate's.
fn fits(files: &BundleFiles, ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> Result<(), String> {
    if let (Some(ca_path), Some(cert_path)) = (ca, cert) {
        let (ca, cert) = (files.certificate(ca_path)?, files.certificate(cert_path)?);
        files.signed_by(cert_path, ca).map_err(|e| format!("{cert_path}: {e}"))?;
        if let Some(key_path) = key {
            let key = files.private_key(key_path)?;
            if !key.matches_public_key(&cert.public_key) {
                return Err(format!("{key_path} does not belong to {cert_path}"));
            }
        }
    }
    Ok(())
}
