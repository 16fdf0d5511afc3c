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
    let plan = plan::Plan::new(spec);
    let credentials = pki::Credentials::issue(&plan, keys, options.now)?;
    let mut bundle = render::build(&plan, &credentials, options)?;
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
    Ok((bundle, report))
}

/// What the checks need to know about a spec's bundle: its Kubernetes version and worker IPs.
pub fn check_context(spec: &ClusterSpec, now: i64) -> check::CheckContext {
    check::CheckContext {
        now,
        version: spec.kubernetes_version(),
        expected_ips: spec.workers.iter().map(|w| (w.name.to_string(), w.ip)).collect(),
    }
}

/// Generates the keys here, then the bundle: the one-call path for native code and tests.
pub fn generate_with_new_keys(spec: &ClusterSpec, options: RenderOptions) -> Result<Bundle, GenerateError> {
    let keys = KeySet::generate_for(&plan::Plan::new(spec))?;
    generate(spec, &keys, options)
}
