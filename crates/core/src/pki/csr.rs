//! Signing a CSR a node (or the workstation) made itself: read what it asks for, find the leaf of
//! the plan it is for, name every way it differs, and sign it with that leaf's own extensions, as
//! `sign-<name>.sh` does on the CA host. The private key never leaves where it was made.

use std::net::IpAddr;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::{sign_request, CertificateAuthority};
use crate::identity::SYSTEM_MASTERS;
use crate::plan::{LeafPlan, LeafUsage};

/// What a CSR asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrRequest {
    pub common_name: String,
    pub organizations: Vec<String>,
    pub dns_sans: Vec<String>,
    pub ip_sans: Vec<IpAddr>,
    /// Requested extended key usages: (clientAuth, serverAuth); `None` when it requests none.
    pub usages: Option<(bool, bool)>,
    /// It asks to be a CA (basicConstraints CA:TRUE).
    pub ca: bool,
    /// `RSA-2048`, `ECDSA P-256`, ...; `None` for any other key.
    pub key: Option<String>,
    /// Whether an RSA key (which needs keyEncipherment).
    pub rsa: bool,
    /// The raw public key.
    pub public_key: Vec<u8>,
}

/// Reads a PEM CSR and checks its self-signature.
pub fn read(pem_text: &str) -> Result<CsrRequest, String> {
    let block = pem::parse_many(pem_text)
        .ok()
        .and_then(|blocks| blocks.into_iter().find(|b| b.tag() == "CERTIFICATE REQUEST" || b.tag() == "NEW CERTIFICATE REQUEST"))
        .ok_or("is not a certificate signing request (no -----BEGIN CERTIFICATE REQUEST----- block)")?;
    let (_, request) = X509CertificationRequest::from_der(block.contents()).map_err(|e| format!("is not a valid CSR: {e}"))?;
    let info = &request.certification_request_info;
    let text_of = |attr: Option<&x509_parser::x509::AttributeTypeAndValue>| attr.and_then(|a| a.as_str().ok()).map(str::to_owned);
    let common_name = text_of(info.subject.iter_common_name().next()).unwrap_or_default();
    let organizations = info.subject.iter_organization().filter_map(|o| o.as_str().ok()).map(str::to_owned).collect();
    let (mut dns_sans, mut ip_sans, mut usages, mut ca) = (Vec::new(), Vec::new(), None, false);
    for extension in request.requested_extensions().into_iter().flatten() {
        match extension {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(dns) => dns_sans.push((*dns).to_owned()),
                        GeneralName::IPAddress(bytes) => match bytes.len() {
                            4 => ip_sans.extend(<[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from)),
                            16 => ip_sans.extend(<[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from)),
                            _ => {}
                        },
                        _ => {}
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => usages = Some((eku.any || eku.client_auth, eku.any || eku.server_auth)),
            ParsedExtension::BasicConstraints(bc) => ca = bc.ca,
            _ => {}
        }
    }
    let spki = &info.subject_pki;
    let (key, rsa) = if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
        (match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => Some(format!("RSA-{}", rsa.key_size())),
            _ => None,
        }, true)
    } else if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
        (match curve {
            Some(oid) if oid == OID_EC_P256 => Some("ECDSA P-256".to_owned()),
            Some(oid) if oid == OID_NIST_EC_P384 => Some("ECDSA P-384".to_owned()),
            _ => None,
        }, false)
    } else {
        (None, false)
    };
    if request.verify_signature().is_err() {
        // ring verifies no signature of a key too weak to allow: say so rather than blame the signature.
        return Err(match &key {
            Some(key) if !ALLOWED_KEYS.contains(&key.as_str()) => format!("has a key ({key}) of a size or kind not allowed; allowed are {}", ALLOWED_KEYS.join(", ")),
            _ => "has a signature that does not verify: it was not made with the key it carries, or was altered".to_owned(),
        });
    }
    Ok(CsrRequest { common_name, organizations, dns_sans, ip_sans, usages, ca, key, rsa, public_key: spki.subject_public_key.data.to_vec() })
}

/// The keys a node may bring: what the studio itself makes.
const ALLOWED_KEYS: [&str; 5] = ["RSA-2048", "RSA-3072", "RSA-4096", "ECDSA P-256", "ECDSA P-384"];

/// A leaf a CSR may be for, and where its certificate goes.
pub struct Candidate<'a> {
    pub leaf: &'a LeafPlan,
    /// For people: `worker01's kubelet serving certificate`.
    pub role: String,
    /// Where the certificate goes: a node path, or one below the workstation user's home.
    pub path: String,
    /// The worker it goes on; `None` for the workstation.
    pub worker: Option<String>,
}

/// The leaf `request` is for, among `candidates`, or every reason it is none of them.
pub fn match_leaf<'a>(request: &CsrRequest, candidates: &'a [Candidate<'a>]) -> Result<&'a Candidate<'a>, Vec<String>> {
    let mut reasons = Vec::new();
    if request.ca {
        reasons.push("it asks to be a CA (basicConstraints CA:TRUE); a node's certificate never may".to_owned());
    }
    match &request.key {
        Some(key) if ALLOWED_KEYS.contains(&key.as_str()) => {}
        Some(key) => reasons.push(format!("its key is {key}; allowed are {}", ALLOWED_KEYS.join(", "))),
        None => reasons.push(format!("its key is of a kind the studio does not sign; allowed are {}", ALLOWED_KEYS.join(", "))),
    }
    let asked = subject(&request.common_name, &request.organizations);
    if request.organizations.iter().any(|o| o == SYSTEM_MASTERS) {
        reasons.push(format!("it asks for {asked}: {SYSTEM_MASTERS} is the superuser group, which no node or CSR of this bundle may have"));
    }
    let same_subject: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.leaf.common_name == request.common_name && sorted(c.leaf.organization.iter().cloned().collect()) == sorted(request.organizations.clone()))
        .collect();
    let chosen = match same_subject.as_slice() {
        [] => {
            let known: Vec<String> = candidates.iter().map(|c| subject(&c.leaf.common_name, &c.leaf.organization.iter().cloned().collect::<Vec<_>>())).collect();
            reasons.push(format!("it asks for {asked}, which no certificate of this bundle is; expected one of: {}", dedup(known).join("; ")));
            None
        }
        [one] => Some(*one),
        several => {
            // One subject, two roles (the kubelet's client and serving certificates): the usage the
            // request names decides, or its SANs (only a serving certificate has any).
            let wants_server = match request.usages {
                Some((client, server)) if server && !client => Some(true),
                Some((client, server)) if client && !server => Some(false),
                Some(_) => {
                    reasons.push("it asks for both client and server authentication; a node's certificates serve one purpose each".into());
                    None
                }
                None => Some(!request.dns_sans.is_empty() || !request.ip_sans.is_empty()),
            };
            wants_server.and_then(|server| {
                let usage = if server { LeafUsage::Server } else { LeafUsage::Client };
                several.iter().copied().find(|c| c.leaf.usage == usage)
            })
        }
    };
    if let Some(candidate) = chosen {
        let leaf = candidate.leaf;
        let (client_ok, server_ok) = match leaf.usage {
            LeafUsage::Client => (true, false),
            LeafUsage::Server => (false, true),
            LeafUsage::GuideV3Req => (true, true),
        };
        if let Some((client, server)) = request.usages {
            if (client && !client_ok) || (server && !server_ok) {
                reasons.push(format!("it asks for {} authentication, which {} is not for", if server { "server" } else { "client" }, candidate.role));
            }
        }
        let want_dns: Vec<String> = sorted(leaf.dns_sans.iter().map(ToString::to_string).collect());
        let got_dns = sorted(request.dns_sans.clone());
        let mut want_ip = leaf.ip_sans.clone();
        want_ip.sort();
        let mut got_ip = request.ip_sans.clone();
        got_ip.sort();
        // The guide's worker CSR asks for its IP through openssl.cnf; a CSR that asks for no SANs
        // at all leaves them to the CA, as sign-<name>.sh does.
        let asks_for_sans = !got_dns.is_empty() || !got_ip.is_empty();
        if asks_for_sans && (got_dns != want_dns || got_ip != want_ip) {
            let extra: Vec<String> = got_ip.iter().filter(|ip| !want_ip.contains(ip)).map(|ip| ip.to_string()).chain(got_dns.iter().filter(|d| !want_dns.contains(d)).cloned()).collect();
            let missing: Vec<String> = want_ip.iter().filter(|ip| !got_ip.contains(ip)).map(|ip| ip.to_string()).chain(want_dns.iter().filter(|d| !got_dns.contains(d)).cloned()).collect();
            let mut why = format!("its names are not exactly {}'s ({})", candidate.role, [want_dns.clone(), want_ip.iter().map(ToString::to_string).collect()].concat().join(", "));
            if !extra.is_empty() {
                why.push_str(&format!("; it also asks for {}", extra.join(", ")));
            }
            if !missing.is_empty() {
                why.push_str(&format!("; it lacks {}", missing.join(", ")));
            }
            reasons.push(why);
        }
    }
    match (chosen, reasons.is_empty()) {
        (Some(candidate), true) => Ok(candidate),
        _ => Err(reasons),
    }
}

/// Signs a request [`match_leaf`] accepted, with the leaf's extensions.
pub fn sign(ca: &CertificateAuthority, leaf: &LeafPlan, pem_text: &str, request: &CsrRequest, now: i64) -> Result<String, String> {
    sign_request(ca, leaf, pem_text, &request.public_key, request.rsa, now).map_err(|e| e.to_string())
}

fn subject(common_name: &str, organizations: &[String]) -> String {
    let mut parts = vec![format!("CN={common_name}")];
    parts.extend(organizations.iter().map(|o| format!("O={o}")));
    parts.join(", ")
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

fn dedup(mut values: Vec<String>) -> Vec<String> {
    values.dedup();
    values
}
