//! The cluster CA: created by the studio, or imported from the guide's earlier etcd/flannel steps.

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{serial_for, to_offset, PkiError, PrivateKey};
use crate::spec::CommonName;

/// A CA certificate with the key that signs for it.
pub struct CertificateAuthority {
    certificate_pem: String,
    key: PrivateKey,
    not_after: i64,
    issuer: Issuer<'static, KeyPair>,
}

/// Why an imported CA was refused, and which input field is at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaImportError {
    #[error("{0}")]
    Certificate(String),
    #[error("{0}")]
    Key(String),
}

impl CaImportError {
    /// The project file field the problem belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            CaImportError::Certificate(_) => "ca.certificate",
            CaImportError::Key(_) => "ca.key",
        }
    }
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateAuthority(not_after={})", self.not_after)
    }
}

impl CertificateAuthority {
    /// Creates a self-signed CA (CA:TRUE, keyCertSign, cRLSign) valid from `now` for `days`.
    pub fn generate(common_name: &CommonName, days: u32, key: PrivateKey, now: i64) -> Result<Self, PkiError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name.as_str());
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let not_after = now + i64::from(days) * 86_400;
        params.not_before = to_offset(now - super::BACKDATE_SECONDS)?;
        params.not_after = to_offset(not_after)?;
        params.serial_number = Some(serial_for(&key, &[b"ca", common_name.as_str().as_bytes(), &now.to_be_bytes(), &days.to_be_bytes()]));
        let key_pair = key.key_pair()?;
        let certificate = params.self_signed(&key_pair).map_err(|e| PkiError::Signing(e.to_string()))?;
        Ok(CertificateAuthority {
            certificate_pem: super::normalize_pem(&certificate.pem()),
            key,
            not_after,
            issuer: Issuer::new(params, key_pair),
        })
    }

    /// Accepts an existing CA after checking that it is one: the key matches the certificate,
    /// basicConstraints says CA:TRUE, keyUsage (if present) allows keyCertSign, and `now` lies
    /// inside its validity window.
    pub fn import(certificate_pem: &str, key_pem: &str, now: i64) -> Result<Self, CaImportError> {
        let (der, not_after) = examine_certificate(certificate_pem, now)?;
        let (_, cert) = X509Certificate::from_der(&der)
            .map_err(|e| CaImportError::Certificate(format!("is not a valid X.509 certificate: {e}")))?;
        let key = PrivateKey::from_pem(key_pem).map_err(|e| CaImportError::Key(e.to_string()))?;
        if !key.matches_public_key(&cert.public_key().subject_public_key.data) {
            return Err(CaImportError::Key("does not belong to the CA certificate (their public keys differ)".into()));
        }
        let key_pair = key.key_pair().map_err(|e| CaImportError::Key(e.to_string()))?;
        let issuer = Issuer::from_ca_cert_der(&rustls_pki_types::CertificateDer::from(der.clone()), key_pair)
            .map_err(|e| CaImportError::Certificate(format!("cannot be used to sign: {e}")))?;
        Ok(CertificateAuthority { certificate_pem: certificate_text(&der), key, not_after, issuer })
    }

    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// When the CA expires (unix seconds).
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    pub(super) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }
}

/// A certificate as PEM with `\n` line endings.
pub fn certificate_text(der: &[u8]) -> String {
    pem::encode_config(&pem::Pem::new("CERTIFICATE", der.to_vec()), pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF))
}

/// Checks that `certificate_pem` holds a CA certificate valid at `now` (CA:TRUE, keyUsage allowing
/// keyCertSign if present); gives its DER and expiry. A CA the nodes only trust needs no more.
pub fn examine_certificate(certificate_pem: &str, now: i64) -> Result<(Vec<u8>, i64), CaImportError> {
    let blocks = pem::parse_many(certificate_pem).map_err(|e| CaImportError::Certificate(format!("is not PEM: {e}")))?;
    let block = blocks.iter().find(|b| b.tag() == "CERTIFICATE").ok_or_else(|| {
        CaImportError::Certificate(match blocks.first() {
            Some(b) if b.tag().contains("PRIVATE KEY") => "holds a private key; paste the certificate here and the key under ca.key".into(),
            Some(b) => format!("holds a {} block, not a CERTIFICATE", b.tag()),
            None => "holds no PEM block; expected -----BEGIN CERTIFICATE-----".into(),
        })
    })?;
    let der = block.contents();
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| CaImportError::Certificate(format!("is not a valid X.509 certificate: {e}")))?;
    let is_ca = cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca);
    if !is_ca {
        return Err(CaImportError::Certificate(
            "is not a CA certificate (basicConstraints CA:TRUE is missing); workers need the CA that signs, not a leaf".into(),
        ));
    }
    if let Ok(Some(usage)) = cert.key_usage() {
        if !usage.value.key_cert_sign() {
            return Err(CaImportError::Certificate("has a keyUsage without keyCertSign, so it may not sign certificates".into()));
        }
    }
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now < not_before {
        return Err(CaImportError::Certificate(format!("is not valid yet: it starts {}", super::format_unix(not_before))));
    }
    if now > not_after {
        return Err(CaImportError::Certificate(format!("expired {}", super::format_unix(not_after))));
    }
    Ok((der.to_vec(), not_after))
}
