//! A bundle as the checks see it: files by zip path with their modes, from the studio's own
//! bundle, a zip, or a directory laid out the same way (hand-written files included). Each file
//! is read as a certificate, a private key or YAML at most once, however many checks look at it.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::sync::OnceLock;

use super::x509::{self, CertFacts};
use crate::bundle::{layout, Bundle};
use crate::pki::PrivateKey;
use crate::yaml;

/// One file: its bytes and, when known, its unix mode.
#[derive(Clone, Debug)]
pub struct FileEntry {
    pub mode: Option<u32>,
    bytes: Vec<u8>,
    read: Readings,
}

/// What the checks read from one file, each the first time a check asks.
#[derive(Clone, Debug, Default)]
struct Readings {
    certificate: OnceLock<Result<CertFacts, String>>,
    /// The issuer's DER and whether this certificate's signature verifies with its key.
    signed_by: OnceLock<(Vec<u8>, Result<(), String>)>,
    key: OnceLock<Result<PrivateKey, String>>,
    documents: OnceLock<Result<Vec<yaml::Value>, String>>,
}

/// What a file of no YAML documents reads as, as for the YAML library.
static EMPTY_DOCUMENT: yaml::Value = yaml::Value::Null;

impl PartialEq for FileEntry {
    fn eq(&self, other: &Self) -> bool {
        self.mode == other.mode && self.bytes == other.bytes
    }
}

impl Eq for FileEntry {}

impl FileEntry {
    pub fn new(mode: Option<u32>, bytes: Vec<u8>) -> FileEntry {
        FileEntry { mode, bytes, read: Readings::default() }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The file's first PEM certificate.
    pub(crate) fn certificate(&self) -> Result<&CertFacts, String> {
        let read = self.read.certificate.get_or_init(|| self.text().ok_or_else(|| "is not text".to_owned()).and_then(x509::certificate));
        read.as_ref().map_err(Clone::clone)
    }

    /// Whether the file's certificate carries a valid signature by `issuer`'s key and names it as
    /// issuer (verified once for the first issuer asked about).
    pub(crate) fn signed_by(&self, issuer: &CertFacts) -> Result<(), String> {
        let cert = self.certificate()?;
        let (first, verdict) = self.read.signed_by.get_or_init(|| (issuer.der.clone(), x509::signed_by(cert, issuer)));
        if *first == issuer.der { verdict.clone() } else { x509::signed_by(cert, issuer) }
    }

    /// The file's PEM private key.
    pub(crate) fn private_key(&self) -> Result<&PrivateKey, String> {
        let read = self.read.key.get_or_init(|| PrivateKey::from_pem(self.text().unwrap_or_default()).map_err(|e| e.to_string()));
        read.as_ref().map_err(Clone::clone)
    }

    /// Every YAML document of the file.
    pub(crate) fn documents(&self) -> Result<&[yaml::Value], String> {
        let read = self.read.documents.get_or_init(|| {
            let text = self.text().ok_or_else(|| "is not UTF-8 text".to_owned())?;
            yaml::parse_documents(text).map_err(|e| e.message)
        });
        read.as_deref().map_err(Clone::clone)
    }

    /// The file as one YAML document (none reads as null); `None` where it does not parse or holds several.
    pub(crate) fn document(&self) -> Option<&yaml::Value> {
        match self.documents().ok()? {
            [] => Some(&EMPTY_DOCUMENT),
            [doc] => Some(doc),
            _ => None,
        }
    }
}

/// Files by their path inside the bundle (`workers/worker01/etc/kubernetes/ssl/worker.crt`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleFiles {
    pub entries: BTreeMap<String, FileEntry>,
}

/// Most bytes read from one zip entry, and from a whole zip (zip bombs stop here).
const MAX_ENTRY: u64 = 16 << 20;
const MAX_TOTAL: u64 = 256 << 20;

impl BundleFiles {
    pub fn from_bundle(bundle: &Bundle) -> BundleFiles {
        let entries = bundle
            .artifacts
            .iter()
            .map(|a| (a.zip_path(), FileEntry::new(Some(a.mode), a.content.as_bytes().to_vec())))
            .collect();
        BundleFiles { entries }
    }

    /// Reads a zip (as the studio writes it, or any zip laid out like it).
    pub fn from_zip(bytes: &[u8]) -> Result<BundleFiles, String> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a readable zip: {e}"))?;
        let mut entries = BTreeMap::new();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).map_err(|e| format!("zip entry {i}: {e}"))?;
            if file.is_dir() {
                continue;
            }
            let Some(name) = file.enclosed_name().map(|p| p.to_string_lossy().replace('\\', "/")) else {
                return Err(format!("zip entry {:?} points outside the bundle", file.name()));
            };
            let mode = file.unix_mode().map(|m| m & 0o777);
            let mut data = Vec::new();
            file.by_ref().take(MAX_ENTRY + 1).read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
            total += data.len() as u64;
            if data.len() as u64 > MAX_ENTRY || total > MAX_TOTAL {
                return Err(format!("{name}: the bundle is larger than a worker bundle can be"));
            }
            entries.insert(name, FileEntry::new(mode, data));
        }
        Ok(BundleFiles { entries })
    }

    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(path)
    }

    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(FileEntry::text)
    }

    /// The certificate at `path`; the error names the file.
    pub(crate) fn certificate(&self, path: &str) -> Result<&CertFacts, String> {
        let entry = self.get(path).ok_or_else(|| format!("{path} is missing"))?;
        entry.certificate().map_err(|e| format!("{path} {e}"))
    }

    /// Whether the certificate at `path` is signed by `issuer` (see [`FileEntry::signed_by`]).
    pub(crate) fn signed_by(&self, path: &str, issuer: &CertFacts) -> Result<(), String> {
        self.get(path).ok_or_else(|| format!("{path} is missing"))?.signed_by(issuer)
    }

    /// The private key at `path`; the error names the file.
    pub(crate) fn private_key(&self, path: &str) -> Result<&PrivateKey, String> {
        let entry = self.get(path).ok_or_else(|| format!("{path} is missing"))?;
        entry.private_key().map_err(|e| format!("{path}: {e}"))
    }

    /// The file at `path` as one YAML document.
    pub(crate) fn document(&self, path: &str) -> Option<&yaml::Value> {
        self.get(path)?.document()
    }

    /// The worker names: every `workers/<name>/` folder.
    pub fn workers(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .keys()
            .filter_map(|p| p.strip_prefix(layout::WORKERS)?.strip_prefix('/'))
            .filter_map(|rest| rest.split_once('/').map(|(name, _)| name.to_owned()))
            .collect();
        names.dedup();
        names
    }

    /// Files below a folder, as (path relative to it, entry).
    pub fn below(&self, dir: &str) -> Vec<(&str, &FileEntry)> {
        let prefix = format!("{dir}/");
        self.entries
            .range(prefix.clone()..)
            .map_while(|(path, entry)| path.strip_prefix(prefix.as_str()).map(|rel| (rel, entry)))
            .collect()
    }
}
