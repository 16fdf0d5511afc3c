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

use rcgen::{
    CertificateParams, CertificateSigningRequestParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SanType, SerialNumber,
};
use time::OffsetDateTime;

pub use ca::{CaImportError, CertificateAuthority};
pub use key::{KeyKind, PrivateKey};

use crate::identity::{node_user, KUBE_PROXY_USER, NODES_GROUP};
use crate::spec::{CaSpec, ClusterSpec, Hostname, KeyAlgorithm, ProxyDelivery, Target};

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
    /// A worker's key: the guide's one client and serving key, the current profile's kubelet client key.
    Worker(Hostname),
    /// The current profile's kubelet serving key.
    KubeletServing(Hostname),
    /// The current profile's kube-proxy client key (static pod delivery).
    KubeProxy(Hostname),
    /// The workstation's kubectl admin key.
    Admin,
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyId::Ca => f.write_str("the CA"),
            KeyId::Worker(name) => write!(f, "worker {name}"),
            KeyId::KubeletServing(name) => write!(f, "{name}'s kubelet serving key"),
            KeyId::KubeProxy(name) => write!(f, "{name}'s kube-proxy key"),
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

/// Every key the spec needs, in a stable order (CA first, then each worker's, then the admin).
pub fn key_requests(spec: &ClusterSpec) -> Vec<KeyRequest> {
    let algorithm = spec.keys.algorithm;
    let ca = matches!(spec.ca, CaSpec::Generate { .. }).then_some(KeyId::Ca);
    let per_worker = |name: &Hostname| -> Vec<KeyId> {
        match &spec.target {
            Target::Guide2016(_) => vec![KeyId::Worker(name.clone())],
            Target::Current(current) => {
                let mut ids = vec![KeyId::Worker(name.clone()), KeyId::KubeletServing(name.clone())];
                if current.proxy_delivery == ProxyDelivery::StaticPod {
                    ids.push(KeyId::KubeProxy(name.clone()));
                }
                ids
            }
        }
    };
    ca.into_iter()
        .chain(spec.workers.iter().flat_map(|w| per_worker(&w.name)))
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

/// What a leaf certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafUsage {
    /// The guide's `v3_req`: no extended key usage, good for client and server alike.
    GuideV3Req,
    /// TLS client authentication only (kubelet and kube-proxy to the API server, kubectl).
    Client,
    /// TLS server authentication only (the kubelet's API, reached by the API server).
    Server,
}

/// What one leaf certificate says about its holder.
pub struct LeafProfile<'a> {
    pub common_name: &'a str,
    /// The subject's `O=`: a Kubernetes group such as `system:nodes`.
    pub organization: Option<&'a str>,
    pub dns_sans: Vec<String>,
    pub ip_sans: Vec<IpAddr>,
    pub usage: LeafUsage,
    pub validity_days: u32,
}

impl<'a> LeafProfile<'a> {
    /// A leaf without SANs.
    pub fn new(common_name: &'a str, organization: Option<&'a str>, usage: LeafUsage, validity_days: u32) -> Self {
        LeafProfile { common_name, organization, dns_sans: Vec::new(), ip_sans: Vec::new(), usage, validity_days }
    }
}

/// A worker's certificates: the guide has one; the current profile separates client, serving and kube-proxy.
#[derive(Clone, Debug)]
pub struct WorkerCredentials {
    pub name: Hostname,
    /// The guide's worker certificate, or the current profile's kubelet client certificate.
    pub kubelet: IssuedLeaf,
    pub serving: Option<IssuedLeaf>,
    pub proxy: Option<IssuedLeaf>,
}

/// Every credential in a bundle.
#[derive(Debug)]
pub struct Credentials {
    pub ca: CertificateAuthority,
    /// Worker credentials in spec order.
    pub workers: Vec<WorkerCredentials>,
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
        let issue = |id: KeyId, leaf: LeafProfile| -> Result<IssuedLeaf, PkiError> {
            let key = keys.take(&KeyRequest { id, algorithm })?;
            issue_leaf(&ca, &leaf, key, now)
        };
        let leaf = |common_name, organization, usage| LeafProfile::new(common_name, organization, usage, days);
        let workers = spec
            .workers
            .iter()
            .map(|w| {
                let id = KeyId::Worker(w.name.clone());
                Ok(match &spec.target {
                    Target::Guide2016(_) => WorkerCredentials {
                        name: w.name.clone(),
                        kubelet: issue(id, LeafProfile { ip_sans: vec![w.ip], ..leaf(w.name.as_str(), None, LeafUsage::GuideV3Req) })?,
                        serving: None,
                        proxy: None,
                    },
                    Target::Current(current) => {
                        let user = node_user(w.name.as_str());
                        let serving = LeafProfile {
                            dns_sans: vec![w.name.to_string()],
                            ip_sans: vec![w.ip],
                            ..LeafProfile::new(&user, Some(NODES_GROUP), LeafUsage::Server, days)
                        };
                        let proxy = (current.proxy_delivery == ProxyDelivery::StaticPod)
                            .then(|| issue(KeyId::KubeProxy(w.name.clone()), leaf(KUBE_PROXY_USER, None, LeafUsage::Client)))
                            .transpose()?;
                        WorkerCredentials {
                            name: w.name.clone(),
                            kubelet: issue(id, LeafProfile::new(&user, Some(NODES_GROUP), LeafUsage::Client, days))?,
                            serving: Some(issue(KeyId::KubeletServing(w.name.clone()), serving)?),
                            proxy,
                        }
                    }
                })
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let admin_profile = match spec.current() {
            None => leaf(spec.kubectl.admin_common_name.as_str(), None, LeafUsage::GuideV3Req),
            Some(current) => leaf(spec.kubectl.admin_common_name.as_str(), Some(current.admin_group.as_str()), LeafUsage::Client),
        };
        let admin = issue(KeyId::Admin, admin_profile)?;
        Ok(Credentials { ca, workers, admin })
    }
}

/// The extensions a leaf carries. The guide's `v3_req`: CA:FALSE; nonRepudiation,
/// digitalSignature, keyEncipherment; IP SANs. Client and server leaves name their purpose.
fn extensions(params: &mut CertificateParams, leaf: &LeafProfile, rsa: bool) {
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
    let dns = leaf.dns_sans.iter().filter_map(|name| name.clone().try_into().ok().map(SanType::DnsName));
    params.subject_alt_names = dns.chain(leaf.ip_sans.iter().map(|ip| SanType::IpAddress(*ip))).collect();
}

/// Makes a CSR with `key`, then verifies and signs it as the CA host would.
pub fn issue_leaf(ca: &CertificateAuthority, leaf: &LeafProfile, key: PrivateKey, now: i64) -> Result<IssuedLeaf, PkiError> {
    let key_pair = key.key_pair()?;
    let mut request = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    if let Some(organization) = leaf.organization {
        dn.push(DnType::OrganizationName, organization);
    }
    dn.push(DnType::CommonName, leaf.common_name);
    request.distinguished_name = dn;
    let rsa = matches!(key.kind(), KeyKind::Rsa { .. });
    extensions(&mut request, leaf, rsa);
    let csr = request.serialize_request(&key_pair).map_err(|e| PkiError::Signing(format!("CSR: {e}")))?;
    let csr_pem = normalize_pem(&csr.pem().map_err(|e| PkiError::Signing(format!("CSR PEM: {e}")))?);

    let mut signing = CertificateSigningRequestParams::from_pem(&csr_pem)
        .map_err(|e| PkiError::Signing(format!("the CA could not read the CSR: {e}")))?;
    extensions(&mut signing.params, leaf, rsa);
    signing.params.not_before = to_offset(now - BACKDATE_SECONDS)?;
    signing.params.not_after = to_offset(now + i64::from(leaf.validity_days) * 86_400)?;
    let sans: Vec<String> = leaf.dns_sans.iter().cloned().chain(leaf.ip_sans.iter().map(IpAddr::to_string)).collect();
    signing.params.serial_number = Some(serial_for(
        ca.key(),
        &[
            key.public_key_raw(),
            leaf.common_name.as_bytes(),
            leaf.organization.unwrap_or_default().as_bytes(),
            sans.join(",").as_bytes(),
            format!("{:?}", leaf.usage).as_bytes(),
            &now.to_be_bytes(),
            &leaf.validity_days.to_be_bytes(),
        ],
    ));
    signing.params.use_authority_key_identifier_extension = true;
    let certificate = signing.signed_by(ca.issuer()).map_err(|e| PkiError::Signing(e.to_string()))?;
    Ok(IssuedLeaf { key, csr_pem, certificate_pem: normalize_pem(&certificate.pem()) })
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
