//! Keys, CSRs and CA-signed certificates for every worker and the kubectl admin.
//!
//! Every leaf is the plan's [`LeafPlan`]: this module issues exactly what it says.
//! Keys arrive through a [`KeySet`] so any key source can feed the pipeline: native code generates
//! them here, the browser may hand in WebCrypto keys as PKCS#8. Each leaf goes the guide's way: a
//! CSR is made with the key, then parsed and verified on the "CA side" and signed with the
//! extensions the CA chooses (the guide's `-extensions v3_req -extfile openssl.cnf`).

pub mod ca;
pub mod csr;
mod der;
mod key;
mod token;

use std::collections::BTreeMap;
use std::net::IpAddr;

use rcgen::{
    CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

pub use ca::{CaImportError, CertificateAuthority};
pub use key::{KeyKind, PrivateKey};
pub use token::BootstrapToken;

use crate::plan::{KeyId, KeyRequest, LeafPlan, LeafUsage, Plan};
use crate::spec::{CaSpec, KeyAlgorithm};

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
    #[error("no certificate was issued for {0}")]
    NotIssued(KeyId),
    #[error("no bootstrap token was supplied")]
    MissingToken,
    #[error("the plan has no admin certificate to write")]
    MissingAdmin,
    #[error("{0} is outside the dates a certificate can hold")]
    Date(i64),
}

/// Private keys by role, and the bootstrap token, from whichever source made them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: BTreeMap<KeyId, PrivateKey>,
    token: Option<BootstrapToken>,
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

    /// The bootstrap token workers join with (a bootstrap-token join).
    pub fn set_token(&mut self, token: BootstrapToken) {
        self.token = Some(token);
    }

    /// Every key of `plan`, and a bootstrap token where it needs one, made here.
    pub fn generate_for(plan: &Plan) -> Result<KeySet, PkiError> {
        let mut set = KeySet::generate(&plan.key_requests())?;
        if plan.spec.bootstrap().is_some() {
            set.set_token(BootstrapToken::generate()?);
        }
        Ok(set)
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

/// The cluster CA as a bundle holds it: one the studio signs with, or one the nodes only trust.
#[derive(Debug)]
pub enum Authority {
    Signing(CertificateAuthority),
    /// A bootstrap-token join: the control plane signs; the bundle carries the certificate only.
    Trusted { certificate_pem: String },
}

impl Authority {
    pub fn certificate_pem(&self) -> &str {
        match self {
            Authority::Signing(ca) => ca.certificate_pem(),
            Authority::Trusted { certificate_pem } => certificate_pem,
        }
    }

    /// The key of a CA the studio made (for the CA host, when asked to export it).
    pub fn generated_key(&self) -> Option<&PrivateKey> {
        match self {
            Authority::Signing(ca) => Some(ca.key()),
            Authority::Trusted { .. } => None,
        }
    }
}

/// Every credential in a bundle: the CA, each planned leaf by its key, and the bootstrap token.
#[derive(Debug)]
pub struct Credentials {
    pub ca: Authority,
    leaves: BTreeMap<KeyId, IssuedLeaf>,
    token: Option<BootstrapToken>,
}

impl Credentials {
    /// Builds or imports the CA, then issues every leaf of the plan; `now` is unix seconds.
    pub fn issue(plan: &Plan, keys: &KeySet, now: i64) -> Result<Credentials, PkiError> {
        let spec = plan.spec;
        let ca = match &spec.ca {
            CaSpec::Generate { common_name, validity_days } => {
                let key = keys.take(&KeyRequest { id: KeyId::Ca, algorithm: spec.keys.algorithm })?;
                CertificateAuthority::generate(common_name, *validity_days, key, now)?
            }
            CaSpec::Import { certificate_pem, key_pem } => CertificateAuthority::import(certificate_pem, key_pem, now)?,
            CaSpec::Trust { certificate_pem } => {
                let (der, _) = ca::examine_certificate(certificate_pem, now)?;
                let token = keys.token.clone().ok_or(PkiError::MissingToken)?;
                return Ok(Credentials {
                    ca: Authority::Trusted { certificate_pem: ca::certificate_text(&der) },
                    leaves: BTreeMap::new(),
                    token: Some(token),
                });
            }
        };
        let leaves = plan
            .leaves()
            .into_iter()
            .map(|leaf| {
                let key = keys.take(&KeyRequest { id: leaf.id.clone(), algorithm: leaf.algorithm })?;
                Ok((leaf.id.clone(), issue_leaf(&ca, leaf, key, now)?))
            })
            .collect::<Result<_, PkiError>>()?;
        Ok(Credentials { ca: Authority::Signing(ca), leaves, token: None })
    }

    /// The token workers join with (a bootstrap-token join).
    pub fn token(&self) -> Result<&BootstrapToken, PkiError> {
        self.token.as_ref().ok_or(PkiError::MissingToken)
    }

    /// The certificate issued for a planned leaf.
    pub fn leaf(&self, leaf: &LeafPlan) -> Result<&IssuedLeaf, PkiError> {
        self.leaves.get(&leaf.id).ok_or_else(|| PkiError::NotIssued(leaf.id.clone()))
    }
}

/// The extensions a leaf carries. The guide's `v3_req`: CA:FALSE; nonRepudiation,
/// digitalSignature, keyEncipherment; IP SANs. Client and server leaves name their purpose.
fn extensions(params: &mut CertificateParams, leaf: &LeafPlan, rsa: bool) -> Result<(), PkiError> {
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = match leaf.usage {
        LeafUsage::GuideV3Req => {
            vec![KeyUsagePurpose::ContentCommitment, KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment]
        }
        // RSA key exchange needs keyEncipherment; an ECDSA key only ever signs.
        LeafUsage::Client | LeafUsage::Server if rsa => vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment],
        LeafUsage::Client | LeafUsage::Server => vec![KeyUsagePurpose::DigitalSignature],
    };
    params.extended_key_usages = match leaf.usage {
        LeafUsage::GuideV3Req => Vec::new(),
        LeafUsage::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
        LeafUsage::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
    };
    let dns = leaf.dns_sans.iter().map(|name| {
        name.as_str()
            .try_into()
            .map(SanType::DnsName)
            .map_err(|e| PkiError::Signing(format!("the DNS name {name} cannot go into a certificate: {e}")))
    });
    params.subject_alt_names = dns.chain(leaf.ip_sans.iter().map(|ip| Ok(SanType::IpAddress(*ip)))).collect::<Result<_, _>>()?;
    Ok(())
}

/// Makes a CSR with `key`, then verifies and signs it as the CA host would.
pub fn issue_leaf(ca: &CertificateAuthority, leaf: &LeafPlan, key: PrivateKey, now: i64) -> Result<IssuedLeaf, PkiError> {
    let key_pair = key.key_pair()?;
    let mut request = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    if let Some(organization) = &leaf.organization {
        dn.push(DnType::OrganizationName, organization.as_str());
    }
    dn.push(DnType::CommonName, leaf.common_name.as_str());
    request.distinguished_name = dn;
    let rsa = matches!(key.kind(), KeyKind::Rsa { .. });
    extensions(&mut request, leaf, rsa)?;
    let csr = request.serialize_request(&key_pair).map_err(|e| PkiError::Signing(format!("CSR: {e}")))?;
    let csr_pem = normalize_pem(&csr.pem().map_err(|e| PkiError::Signing(format!("CSR PEM: {e}")))?);

    let certificate_pem = sign_request(ca, leaf, &csr_pem, key.public_key_raw(), rsa, now)?;
    Ok(IssuedLeaf { key, csr_pem, certificate_pem })
}

/// Signs a CSR (PEM) for `leaf` as the CA host would: with the leaf's own extensions, not the
/// request's, valid from a little before `now` for the leaf's days. `public_key` is the request's
/// raw public key; `rsa` whether it is an RSA key (which needs keyEncipherment).
pub(crate) fn sign_request(ca: &CertificateAuthority, leaf: &LeafPlan, csr_pem: &str, public_key: &[u8], rsa: bool, now: i64) -> Result<String, PkiError> {
    let mut signing = CertificateSigningRequestParams::from_pem(csr_pem)
        .map_err(|e| PkiError::Signing(format!("the CA could not read the CSR: {e}")))?;
    // Only the subject comes from the request; everything else is the plan's.
    let mut params = CertificateParams::default();
    params.distinguished_name = signing.params.distinguished_name.clone();
    signing.params = params;
    extensions(&mut signing.params, leaf, rsa)?;
    signing.params.not_before = to_offset(now - BACKDATE_SECONDS)?;
    signing.params.not_after = to_offset(now + i64::from(leaf.validity_days) * 86_400)?;
    let sans: Vec<String> = leaf.dns_sans.iter().map(ToString::to_string).chain(leaf.ip_sans.iter().map(IpAddr::to_string)).collect();
    signing.params.serial_number = Some(serial_for(
        ca.key(),
        &[
            public_key,
            leaf.common_name.as_bytes(),
            leaf.organization.as_deref().unwrap_or_default().as_bytes(),
            sans.join(",").as_bytes(),
            format!("{:?}", leaf.usage).as_bytes(),
            &now.to_be_bytes(),
            &leaf.validity_days.to_be_bytes(),
        ],
    ));
    signing.params.use_authority_key_identifier_extension = true;
    let certificate = signing.signed_by(ca.issuer()).map_err(|e| PkiError::Signing(e.to_string()))?;
    Ok(normalize_pem(&certificate.pem()))
}

/// A positive 128-bit serial number that no one without the signing key can predict, and that is
/// the same when the same certificate is issued again: HMAC-SHA256, keyed with the signer's
/// private key, over everything the certificate says. So equal inputs (keys, spec, `now`) give
/// equal bundles, and two different certificates of one CA never share a serial.
fn serial_for(signer: &PrivateKey, parts: &[&[u8]]) -> SerialNumber {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, signer.pkcs8_der());
    let mut context = ring::hmac::Context::with_key(&key);
    context.update(b"worker-studio serial v1");
    for part in parts {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    let tag = context.sign();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&tag.as_ref()[..16]);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

fn to_offset(unix: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(unix).map_err(|_| PkiError::Date(unix))
}

/// PEM with `\n` line endings, whatever the encoder used.
fn normalize_pem(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// A unix time as RFC 3339 (`2026-11-25T21:00:00Z`), as Kubernetes objects write times.
pub fn rfc3339(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => "1970-01-01T00:00:00Z".into(),
    }
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
