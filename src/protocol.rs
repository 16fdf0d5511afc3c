//! The page–engine protocol: one typed request and one typed reply, encoded with postcard. The page
//! sends a [`Request`]'s bytes to the engine's one entry point (`call`, in a background worker or on
//! the page) and decodes the [`Reply`]; `worker.js` only moves the bytes, so it names no call. A zip
//! crosses beside its reply as a file (a Blob), so the page's memory never holds it.

use serde::{Deserialize, Serialize};
use studio::check::graph::Reference;
use studio::check::{Finding, Report};
use studio::input::{CaVerdict, FieldError};
use studio::spec::KeyAlgorithm;
use studio::{Artifact, SignedCsr};

/// What the page asks of the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// A key for each algorithm, as PKCS#8 (the page hands out keys in batches to a pool of workers).
    MakeKeys { algorithms: Vec<KeyAlgorithm> },
    /// One run: sign, render, check and zip `project` (JSON, `SpecFile::to_json`) with `keys`,
    /// PKCS#8 in the order of `studio::key_requests` for the project.
    Generate { project: String, now: i64, include_ca_key: bool, keys: Vec<Vec<u8>> },
    /// A zip of some artifacts (one machine's files).
    Zip { artifacts: Vec<Artifact>, now: i64 },
    /// Check a bundle zip the user uploaded, against the Kubernetes version its README names.
    CheckBundle { zip: Vec<u8>, now: i64 },
    /// Examine an imported CA's certificate and key (PEM texts).
    ExamineCa { certificate: String, key: String, now: i64 },
    /// Read a project file (YAML) the user loaded, or an older studio's saved project.
    ReadProject { text: String },
    /// Write a project (JSON) as a project file (YAML).
    WriteProject { project: String },
    /// Check a CSR a node made against the project (JSON) and sign it with its imported CA.
    SignCsr { project: String, csr: String, now: i64 },
    /// Check an API server's serving certificate (PEM) against a bundle zip made here.
    CheckApiserverCert { zip: Vec<u8>, certificate: String, now: i64 },
}

impl Request {
    /// Whether the call belongs to a generation run: a cancel ends it, where any other call under
    /// way is sent again to a fresh worker.
    pub fn belongs_to_run(&self) -> bool {
        matches!(self, Request::MakeKeys { .. } | Request::Generate { .. })
    }
}

/// What the engine answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// PKCS#8 keys in the order asked for.
    Keys(Vec<Vec<u8>>),
    /// A bundle was made: the engine's stages. Beside the reply cross its parts
    /// ([`crate::engine::Answer`]), which the page decodes one per task: the first `report_parts`
    /// are [`ReportPart`]s, the rest the artifacts in order, in postcard lists of about
    /// [`PIECE_BYTES`] each; and the zip, as a file.
    Generated { report_parts: usize, stages: Stages },
    /// A zip was made; it crosses beside the reply, as a file.
    Zip,
    Checked(Report),
    /// An uploaded bundle's report, and its files' paths (the picture of how they fit together).
    BundleChecked { report: Report, paths: Vec<String> },
    /// A usable CA's expiry (unix seconds), or the field at fault and why.
    CaExamined(CaVerdict),
    /// The project read (as JSON), or the field at fault and why.
    Project(Result<String, FieldError>),
    /// The project file's text (YAML).
    ProjectFile(String),
    /// The certificate for the CSR, or every reason it was refused.
    Signed(Result<SignedCsr, Vec<String>>),
    /// The request could not be carried out; says why.
    Failed(String),
}

/// When the engine began a run ([`crate::platform::clock`], comparable with the page's) and how
/// long each of its stages took, in order (milliseconds: read, sign, render, check, zip, pack).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stages {
    pub began: f64,
    pub laps: Vec<(String, f64)>,
}

/// A bundle's artifacts cross in postcard pieces of about this many bytes of content.
pub const PIECE_BYTES: usize = 512 * 1024;

/// A report's findings and references cross in lists of at most this many items.
pub const PART_ITEMS: usize = 2000;

/// A part of a check report, so a large cluster's report never holds the page up long.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReportPart {
    Findings(Vec<Finding>),
    Names(Vec<String>),
    Edges(Vec<Reference>),
}

/// `report` as encoded [`ReportPart`]s.
pub fn report_parts(report: Report) -> Result<Vec<Vec<u8>>, String> {
    let Report { findings, references } = report;
    let mut parts = Vec::new();
    for findings in findings.chunks(PART_ITEMS) {
        parts.push(encode(&ReportPart::Findings(findings.to_vec()))?);
    }
    for names in references.names.chunks(PART_ITEMS) {
        parts.push(encode(&ReportPart::Names(names.to_vec()))?);
    }
    for edges in references.edges.chunks(PART_ITEMS) {
        parts.push(encode(&ReportPart::Edges(edges.to_vec()))?);
    }
    Ok(parts)
}

impl ReportPart {
    /// Adds this part to the report being read back.
    pub fn add_to(self, report: &mut Report) {
        match self {
            ReportPart::Findings(findings) => report.findings.extend(findings),
            ReportPart::Names(names) => report.references.names.extend(names),
            ReportPart::Edges(edges) => report.references.edges.extend(edges),
        }
    }
}

/// Bytes for the other side.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(message).map_err(|e| format!("the message could not be encoded: {e}"))
}

/// A message from the other side.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    postcard::from_bytes(bytes).map_err(|e| format!("the message could not be read: {e}"))
}
