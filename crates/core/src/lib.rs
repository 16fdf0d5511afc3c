//! The Worker Studio engine: a cluster spec in, every file a Kubernetes worker needs out.
//!
//! The flow is a chain of plain functions over plain data:
//! [`input::SpecFile`] (as typed) → [`spec::ClusterSpec`] (validated) → [`plan::Plan`] (who gets
//! which file where) → [`pki::KeySet`] (keys from any source) → [`pki::Credentials`] (CSRs and
//! certificates) → [`bundle::Bundle`] (rendered artifacts) → zip. It has no browser dependency;
//! the web app and the CLI are two fronts on it.

pub mod bundle;
pub mod check;
pub mod identity;
pub mod input;
pub mod json;
pub mod pki;
pub mod plan;
pub mod profile;
pub mod release;
pub mod render;
pub mod spec;
pub mod words;
pub mod yaml;

pub use bundle::{Artifact, ArtifactKind, Bundle, Location, Machine};
pub use input::{FieldError, SpecFile};
pub use pki::KeySet;
pub use plan::key_requests;
pub use render::RenderOptions;
pub use spec::ClusterSpec;

/// Why a bundle could not be generated from a valid spec.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Pki(#[from] pki::PkiError),
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

/// Issues every certificate with the given keys, renders the whole bundle, checks it, and adds the
/// check report as CHECKS.md.
pub fn generate(spec: &ClusterSpec, keys: &KeySet, options: RenderOptions) -> Result<Bundle, GenerateError> {
    generate_checked(spec, keys, options).map(|(bundle, _)| bundle)
}

/// [`generate`], also returning the check report (the studio shows it as a checklist).
pub fn generate_checked(spec: &ClusterSpec, keys: &KeySet, options: RenderOptions) -> Result<(Bundle, check::Report), GenerateError> {
    generate_staged(spec, keys, options, |_| {})
}

/// A stage of [`generate_staged`], reported as it ends (the studio times each one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Every certificate: the CA's, then each leaf's CSR made, read, verified and signed.
    Sign,
    /// Every artifact written.
    Render,
    /// Every artifact checked against the others, and CHECKS.md added.
    Check,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Sign => "sign",
            Stage::Render => "render",
            Stage::Check => "check",
        }
    }
}

/// [`generate_checked`], calling `ended` as each [`Stage`] ends.
pub fn generate_staged(spec: &ClusterSpec, keys: &KeySet, options: RenderOptions, mut ended: impl FnMut(Stage)) -> Result<(Bundle, check::Report), GenerateError> {
    let plan = plan::Plan::new(spec);
    let credentials = pki::Credentials::issue(&plan, keys, options.now)?;
    ended(Stage::Sign);
    let mut bundle = render::build(&plan, &credentials, options)?;
    ended(Stage::Render);
    let report = check::check(&check::BundleFiles::from_bundle(&bundle), &check_context(spec, options.now));
    bundle.artifacts.insert(
        1,
        Artifact {
            machine: Machine::Bundle,
            location: Location::Loose(bundle::layout::CHECKS.into()),
            mode: Artifact::mode_for(ArtifactKind::Readme),
            kind: ArtifactKind::Readme,
            note: format!("Every artifact checked against the others: {}", report.summary()),
            topic: None,
            content: report.to_markdown(),
        },
    );
    bundle.check_unique_paths()?;
    ended(Stage::Check);
    Ok((bundle, report))
}

/// What the checks need to know about a spec's bundle: its Kubernetes version, and the worker and
/// LB host IPs.
pub fn check_context(spec: &ClusterSpec, now: i64) -> check::CheckContext {
    let workers = spec.workers.iter().map(|w| (w.name.to_string(), w.ip));
    let lb_hosts = match &spec.api_front {
        spec::ApiFront::Vip(vip) => vip.lb_hosts.iter().map(|h| (h.name.to_string(), h.ip)).collect(),
        _ => Vec::new(),
    };
    check::CheckContext { now, version: spec.kubernetes_version(), expected_ips: workers.chain(lb_hosts).collect() }
}

/// Generates the keys here, then the bundle: the one-call path for native code and tests.
pub fn generate_with_new_keys(spec: &ClusterSpec, options: RenderOptions) -> Result<Bundle, GenerateError> {
    let keys = KeySet::generate_for(&plan::Plan::new(spec))?;
    generate(spec, &keys, options)
}

/// A certificate signed for a CSR that a node or the workstation made: what it is for, where it
/// goes, and the commands that put it there.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedCsr {
    /// For people: `worker01's kubelet serving certificate`.
    pub role: String,
    /// Where the certificate goes (a node path, or `~/.kube/...`).
    pub path: String,
    pub certificate_pem: String,
    /// The commands that install it (a copy-pasteable script).
    pub install: String,
}

/// Checks a CSR against the spec (its subject, SANs, usage, key and signature must be exactly what
/// the plan says one of its certificates is) and signs it with the spec's imported CA; or names
/// every way it differs.
pub fn sign_pasted_csr(spec: &ClusterSpec, csr_pem: &str, now: i64) -> Result<SignedCsr, Vec<String>> {
    use plan::ProfilePlan;
    use render::node_commands::{install_signed, SignedPath};
    let ca = match &spec.ca {
        spec::CaSpec::Import { certificate_pem, key_pem } => {
            pki::CertificateAuthority::import(certificate_pem, key_pem, now).map_err(|e| vec![format!("{}: {e}", e.field())])?
        }
        spec::CaSpec::Generate { .. } => {
            return Err(vec!["ca: signing a node's CSR needs the CA you keep: import it (ca.source: import, with its certificate and key)".into()])
        }
        spec::CaSpec::Trust { .. } => {
            return Err(vec!["join.method: under a bootstrap-token join the control plane signs the nodes' CSRs; the studio holds no CA key".into()])
        }
    };
    let plan = plan::Plan::new(spec);
    let ws = &plan.workstation;
    let mut candidates = Vec::new();
    match &plan.profile {
        ProfilePlan::Guide2016 { layout, workers, .. } => {
            for worker in workers {
                let name = worker.node.name.to_string();
                candidates.push(pki::csr::Candidate { leaf: &worker.leaf, role: format!("{name}'s worker certificate"), path: layout.cert.to_string(), worker: Some(name) });
            }
        }
        ProfilePlan::Current { layout, workers, .. } => {
            for worker in workers {
                if let plan::NodeJoin::Certificates(leaves) = &worker.join {
                    for (leaf, files) in leaves.with_files(layout) {
                        let role = match leaf.id {
                            plan::KeyId::KubeletServing(_) => "kubelet serving certificate",
                            plan::KeyId::KubeProxy(_) => "kube-proxy certificate",
                            _ => "kubelet client certificate",
                        };
                        let name = worker.node.name.to_string();
                        candidates.push(pki::csr::Candidate { leaf, role: format!("{name}'s {role}"), path: files.cert.to_string(), worker: Some(name) });
                    }
                }
            }
        }
    }
    if let Some(admin) = &plan.admin {
        candidates.push(pki::csr::Candidate { leaf: admin, role: "the kubectl admin certificate".into(), path: format!("{}/{}", ws.dir, ws.cert), worker: None });
    }
    let request = pki::csr::read(csr_pem).map_err(|e| vec![format!("the CSR {e}")])?;
    let chosen = pki::csr::match_leaf(&request, &candidates)?;
    let certificate_pem = pki::csr::sign(&ca, chosen.leaf, csr_pem, &request, now).map_err(|e| vec![e])?;
    let (at, path) = match &chosen.worker {
        Some(worker) => (SignedPath::Node { worker, path: &chosen.path }, chosen.path.clone()),
        None => (SignedPath::Home(&chosen.path), format!("~/{}", chosen.path)),
    };
    Ok(SignedCsr { role: chosen.role.clone(), path, install: install_signed(&chosen.role, at, &certificate_pem), certificate_pem })
}
