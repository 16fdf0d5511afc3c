//! Certificate and CSR facts the checks need, read with x509-parser (signatures verified with ring).

use std::net::IpAddr;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The DER of the first PEM block with `tag` in `text`.
pub fn pem_block(text: &str, tag: &str) -> Option<Vec<u8>> {
    pem::parse_many(text).ok()?.into_iter().find(|b| b.tag() == tag).map(|b| b.contents().to_vec())
}

/// What the checks read from one certificate.
#[derive(Clone, Debug)]
pub struct CertFacts {
    pub der: Vec<u8>,
    pub common_name: Option<String>,
    /// The subject's `O=` values (Kubernetes groups).
    pub organizations: Vec<String>,
    pub ip_sans: Vec<IpAddr>,
    pub dns_sans: Vec<String>,
    /// Extended key usage: (clientAuth, serverAuth); both true when the extension is absent.
    pub client_auth: bool,
    pub server_auth: bool,
    pub is_ca: bool,
    pub not_before: i64,
    pub not_after: i64,
    /// The raw subject public key (as in `PrivateKey::matches_public_key`).
    pub public_key: Vec<u8>,
}

pub fn certificate(text: &str) -> Result<CertFacts, String> {
    let der = pem_block(text, "CERTIFICATE").ok_or("holds no PEM CERTIFICATE")?;
    let (_, cert) = X509Certificate::from_der(&der).map_err(|e| format!("is not a valid certificate: {e}"))?;
    let common_name = cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let names: Vec<GeneralName> = cert.subject_alternative_name().ok().flatten().map(|san| san.value.general_names.clone()).unwrap_or_default();
    let ip_sans = names
        .iter()
        .filter_map(|name| match name {
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let dns_sans = names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            _ => None,
        })
        .collect();
    let is_ca = cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca);
    let organizations =
        cert.subject().iter_organization().filter_map(|o| o.as_str().ok()).map(str::to_owned).collect();
    let (client_auth, server_auth) = match cert.extended_key_usage().ok().flatten() {
        Some(eku) => (eku.value.any || eku.value.client_auth, eku.value.any || eku.value.server_auth),
        None => (true, true),
    };
    Ok(CertFacts {
        common_name,
        organizations,
        client_auth,
        server_auth,
        ip_sans,
        dns_sans,
        is_ca,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        public_key: cert.public_key().subject_public_key.data.to_vec(),
        der: der.clone(),
    })
}

/// Whether `child` carries a valid signature by `issuer`'s key and names it as issuer.
pub fn signed_by(child: &CertFacts, issuer: &CertFacts) -> Result<(), String> {
    let (_, child_cert) = X509Certificate::from_der(&child.der).map_err(|e| e.to_string())?;
    let (_, issuer_cert) = X509Certificate::from_der(&issuer.der).map_err(|e| e.to_string())?;
    if child_cert.issuer() != issuer_cert.subject() {
        return Err(format!("its issuer is {}, not the CA {}", child_cert.issuer(), issuer_cert.subject()));
    }
    child_cert
        .verify_signature(Some(issuer_cert.public_key()))
        .map_err(|_| "its signature does not verify with the CA's key".to_owned())
}

/// What the checks read from a CSR.
pub struct CsrFacts {
    pub common_name: Option<String>,
    pub public_key: Vec<u8>,
}

pub fn csr(text: &str) -> Result<CsrFacts, String> {
    let der = pem_block(text, "CERTIFICATE REQUEST").ok_or("holds no PEM CERTIFICATE REQUEST")?;
    let (_, request) = X509CertificationRequest::from_der(&der).map_err(|e| format!("is not a valid CSR: {e}"))?;
    request.verify_signature().map_err(|_| "its self-signature does not verify".to_owned())?;
    let info = &request.certification_request_info;
    let common_name = info.subject.iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_owned);
    let public_key = info.subject_pki.subject_public_key.data.to_vec();
    Ok(CsrFacts { common_name, public_key })
}
