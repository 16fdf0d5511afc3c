//! Keys, CSRs and CA-signed certificates for every worker and the kubectl admin.
//!
//! Keys arrive through a [`KeySet`] so any key source can feed the pipeline: native code generates
//! them here, the browser may hand in WebCrypto keys as PKCS#8. Each leaf goes the guide's way: a
//! CSR is made with the key, then parsed and verified on the "CA side" and signed with the
//! extensions the CA chooses (the guide's `-extensions v3_req -extfile openssl.cnf`).

pub mod ca;
mod der;
mod key;

use std::collections::BTreeMap;
use std::net::IpAddr;

use rcgen::{CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType, IsCa, KeyUsagePurpose, SanType, SerialNumber};
use time::OffsetDateTime;

pub use ca::{CaImportError, CertificateAuthority};
pub use key::{KeyKind, PrivateKey};

use crate::spec::{CaSpec, ClusterSpec, Hostname, KeyAlgorithm};

/// Certificates start this long before "now", so a node whose clock is a little behind accepts them.
pub const BACKDATE_SECONDS: i64 = 300;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    #[error("the private key {0}")]
    UnsupportedKey(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error("the CA: {0}")]
    Ca(#[from] CaImportError),
    #[error("no key was supplied for {0}")]
    MissingKey(KeyId),
    #[error("the key for {id} is {found:?} but the spec asks for {wanted}")]
    WrongKey { id: KeyId, found: KeyKind, wanted: KeyAlgorithm },
    #[error("{0} is outside the dates a certificate can hold")]
    Date(i64),
}

/// Which private key: one per role in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyId {
    /// A CA the studio creates.
    Ca,
    /// A worker's client/serving key.
    Worker(Hostname),
    /// The workstation's kubectl admin key.
    Admin,
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyId::Ca => f.write_str("the CA"),
            KeyId::Worker(name) => write!(f, "worker {name}"),
            KeyId::Admin => f.write_str("the kubectl admin"),
        }
    }
}

/// A key the pipeline needs before it can sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRequest {
    pub id: KeyId,
    pub algorithm: KeyAlgorithm,
}

/// Every key the spec needs, in a stable order (CA first, then workers, then the admin).
pub fn key_requests(spec: &ClusterSpec) -> Vec<KeyRequest> {
    let algorithm = spec.keys.algorithm;
    let ca = matches!(spec.ca, CaSpec::Generate { .. }).then_some(KeyId::Ca);
    ca.into_iter()
        .chain(spec.workers.iter().map(|w| KeyId::Worker(w.name.clone())))
        .chain([KeyId::Admin])
        .map(|id| KeyRequest { id, algorithm })
        .collect()
}

/// Private keys by role, from whichever source made them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: BTreeMap<KeyId, PrivateKey>,
}

impl KeySet {
    /// Generates every requested key here (native, or synchronously in the browser).
    pub fn generate(requests: &[KeyRequest]) -> Result<KeySet, PkiError> {
        let mut set = KeySet::default();
        for request in requests {
            set.insert(request.id.clone(), PrivateKey::generate(request.algorithm)?);
        }
        Ok(set)
    }

    pub fn insert(&mut self, id: KeyId, key: PrivateKey) {
        self.keys.insert(id, key);
    }

    pub fn get(&self, id: &KeyId) -> Option<&PrivateKey> {
        self.keys.get(id)
    }

    /// Whether `key` is of the algorithm a request asks for.
    pub fn fits(key: &PrivateKey, algorithm: KeyAlgorithm) -> bool {
        match key.kind() {
            KeyKind::Rsa { bits } => algorithm.rsa_bits() == Some(bits),
            KeyKind::EcdsaP256 => algorithm == KeyAlgorithm::EcdsaP256,
            KeyKind::EcdsaP384 => algorithm == KeyAlgorithm::EcdsaP384,
        }
    }

    /// The key for a request, checked against the algorithm it asks for.
    fn take(&self, request: &KeyRequest) -> Result<PrivateKey, PkiError> {
        let key = self.keys.get(&request.id).ok_or_else(|| PkiError::MissingKey(request.id.clone()))?;
        if !KeySet::fits(key, request.algorithm) {
            return Err(PkiError::WrongKey { id: request.id.clone(), found: key.kind(), wanted: request.algorithm });
        }
        Ok(key.clone())
    }
}

/// A signed leaf: its key, the CSR made with it, and the CA-signed certificate.
#[derive(Clone, Debug)]
pub struct IssuedLeaf {
    pub key: PrivateKey,
    pub csr_pem: String,
    pub certificate_pem: String,
}

/// What one leaf certificate says about its holder.
pub struct LeafProfile<'a> {
    pub common_name: &'a str,
    pub ip_sans: Vec<IpAddr>,
    pub validity_days: u32,
}

/// Every credential in a bundle.
#[derive(Debug)]
pub struct Credentials {
    pub ca: CertificateAuthority,
    /// Worker leaves in spec order.
    pub workers: Vec<(Hostname, IssuedLeaf)>,
    pub admin: IssuedLeaf,
}

impl Credentials {
    /// Builds or imports the CA, then issues every leaf; `now` is unix seconds.
    pub fn issue(spec: &ClusterSpec, keys: &KeySet, now: i64) -> Result<Credentials, PkiError> {
        let algorithm = spec.keys.algorithm;
        let ca = match &spec.ca {
            CaSpec::Generate { common_name, validity_days } => {
                let key = keys.take(&KeyRequest { id: KeyId::Ca, algorithm })?;
                CertificateAuthority::generate(common_name, *validity_days, key, now)?
            }
            CaSpec::Import { certificate_pem, key_pem } => CertificateAuthority::import(certificate_pem, key_pem, now)?,
        };
        let days = spec.keys.validity_days;
        let workers = spec
            .workers
            .iter()
            .map(|w| {
                let key = keys.take(&KeyRequest { id: KeyId::Worker(w.name.clone()), algorithm })?;
                let leaf = LeafProfile { common_name: w.name.as_str(), ip_sans: vec![w.ip], validity_days: days };
                Ok((w.name.clone(), issue_leaf(&ca, &leaf, key, now)?))
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let admin_key = keys.take(&KeyRequest { id: KeyId::Admin, algorithm })?;
        let admin_profile =
            LeafProfile { common_name: spec.kubectl.admin_common_name.as_str(), ip_sans: Vec::new(), validity_days: days };
        let admin = issue_leaf(&ca, &admin_profile, admin_key, now)?;
        Ok(Credentials { ca, workers, admin })
    }
}

/// The guide's `v3_req`: CA:FALSE; nonRepudiation, digitalSignature, keyEncipherment; IP SANs.
fn v3_req(params: &mut CertificateParams, leaf: &LeafProfile) {
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages =
        vec![KeyUsagePurpose::ContentCommitment, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.subject_alt_names = leaf.ip_sans.iter().map(|ip| SanType::IpAddress(*ip)).collect();
}

/// Makes a CSR with `key`, then verifies and signs it as the CA host would.
pub fn issue_leaf(ca: &CertificateAuthority, leaf: &LeafProfile, key: PrivateKey, now: i64) -> Result<IssuedLeaf, PkiError> {
    let key_pair = key.key_pair()?;
    let mut request = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, leaf.common_name);
    request.distinguished_name = dn;
    v3_req(&mut request, leaf);
    let csr = request.serialize_request(&key_pair).map_err(|e| PkiError::Signing(format!("CSR: {e}")))?;
    let csr_pem = normalize_pem(&csr.pem().map_err(|e| PkiError::Signing(format!("CSR PEM: {e}")))?);

    let mut signing = CertificateSigningRequestParams::from_pem(&csr_pem)
        .map_err(|e| PkiError::Signing(format!("the CA could not read the CSR: {e}")))?;
    v3_req(&mut signing.params, leaf);
    signing.params.not_before = to_offset(now - BACKDATE_SECONDS)?;
    signing.params.not_after = to_offset(now + i64::from(leaf.validity_days) * 86_400)?;
    signing.params.serial_number = Some(random_serial()?);
    signing.params.use_authority_key_identifier_extension = true;
    let certificate = signing.signed_by(ca.issuer()).map_err(|e| PkiError::Signing(e.to_string()))?;
    Ok(IssuedLeaf { key, csr_pem, certificate_pem: normalize_pem(&certificate.pem()) })
}

/// A positive 128-bit random serial number.
fn random_serial() -> Result<SerialNumber, PkiError> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| PkiError::Signing("the system random source failed".into()))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

fn to_offset(unix: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(unix).map_err(|_| PkiError::Date(unix))
}

/// PEM with `\n` line endings, whatever the encoder used.
fn normalize_pem(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// A unix time for messages: `2026-11-25 21:00:00 UTC`.
pub fn format_unix(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("@{unix}"),
    }
}
