//! Private keys: generated (RSA with the `rsa` crate, ECDSA with ring), imported from PEM, or handed
//! in as PKCS#8 by another key source such as the browser's WebCrypto.

use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING};

use super::der;
use super::PkiError;
use crate::spec::KeyAlgorithm;

/// What kind of key a PKCS#8 document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa { bits: usize },
    EcdsaP256,
    EcdsaP384,
}

/// A private key as a PKCS#8 DER document whose kind is known.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey {
    kind: KeyKind,
    pkcs8: Vec<u8>,
    /// The raw public key, read once when the key is parsed (checks compare it often).
    public: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({:?}, {} bytes)", self.kind, self.pkcs8.len())
    }
}

impl PrivateKey {
    /// Generates a fresh key.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, PkiError> {
        let pkcs8 = match algorithm.rsa_bits() {
            Some(bits) => {
                use rsa::pkcs8::EncodePrivateKey;
                let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits)
                    .map_err(|e| PkiError::KeyGeneration(format!("RSA-{bits}: {e}")))?;
                key.to_pkcs8_der()
                    .map_err(|e| PkiError::KeyGeneration(format!("RSA-{bits} encoding: {e}")))?
                    .as_bytes()
                    .to_vec()
            }
            None => {
                let alg = if algorithm == KeyAlgorithm::EcdsaP256 {
                    &ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &ECDSA_P384_SHA384_ASN1_SIGNING
                };
                EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new())
                    .map_err(|_| PkiError::KeyGeneration(format!("{algorithm}: the system random source failed")))?
                    .as_ref()
                    .to_vec()
            }
        };
        PrivateKey::from_pkcs8_der(&pkcs8)
    }

    /// Accepts a PKCS#8 DER key made elsewhere (RSA 2048–8192 bits, ECDSA P-256 or P-384).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, PkiError> {
        let rng = SystemRandom::new();
        let (kind, public) = if let Ok(rsa) = RsaKeyPair::from_pkcs8(der) {
            (KeyKind::Rsa { bits: rsa.public().modulus_len() * 8 }, rsa.public().as_ref().to_vec())
        } else if let Ok(ec) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng) {
            (KeyKind::EcdsaP256, ec.public_key().as_ref().to_vec())
        } else if let Ok(ec) = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, der, &rng) {
            (KeyKind::EcdsaP384, ec.public_key().as_ref().to_vec())
        } else {
            return Err(PkiError::UnsupportedKey(
                "not an RSA (2048 to 8192 bits), ECDSA P-256 or ECDSA P-384 private key".into(),
            ));
        };
        Ok(PrivateKey { kind, pkcs8: der.to_vec(), public })
    }

    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<PrivateKey, PkiError> {
        let blocks = pem::parse_many(text).map_err(|e| PkiError::UnsupportedKey(format!("not PEM: {e}")))?;
        let block = blocks
            .iter()
            .find(|b| b.tag().ends_with("PRIVATE KEY"))
            .ok_or_else(|| match blocks.first() {
                Some(b) => PkiError::UnsupportedKey(format!("holds a {} block, not a private key", b.tag())),
                None => PkiError::UnsupportedKey("holds no PEM block (-----BEGIN ... PRIVATE KEY-----)".into()),
            })?;
        if block.tag() == "ENCRYPTED PRIVATE KEY" || block.headers().get("Proc-Type").is_some_and(|v| v.contains("ENCRYPTED")) {
            return Err(PkiError::UnsupportedKey(
                "is encrypted; decrypt it first with: openssl pkey -in ca.key -out ca-plain.key".into(),
            ));
        }
        match block.tag() {
            "PRIVATE KEY" => PrivateKey::from_pkcs8_der(block.contents()),
            "RSA PRIVATE KEY" => PrivateKey::from_pkcs8_der(&der::pkcs1_to_pkcs8(block.contents())),
            "EC PRIVATE KEY" => der::sec1_to_pkcs8_candidates(block.contents())
                .iter()
                .find_map(|pkcs8| PrivateKey::from_pkcs8_der(pkcs8).ok())
                .ok_or_else(|| PkiError::UnsupportedKey("is an EC key on a curve other than P-256 or P-384, or malformed".into())),
            other => Err(PkiError::UnsupportedKey(format!("{other} keys are not supported"))),
        }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key as PKCS#8 PEM, the format `openssl genrsa` writes since OpenSSL 3.
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("PRIVATE KEY", self.pkcs8.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// The raw public key (RSAPublicKey DER or an uncompressed EC point), as in a certificate's SPKI.
    pub fn public_key_raw(&self) -> &[u8] {
        &self.public
    }

    /// The signature algorithm certificates signed with this key use.
    pub fn signature_algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match self.kind {
            KeyKind::Rsa { .. } => &rcgen::PKCS_RSA_SHA256,
            KeyKind::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyKind::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        }
    }

    /// The key as rcgen's signing key (backed by ring).
    pub fn key_pair(&self) -> Result<rcgen::KeyPair, PkiError> {
        let der = rustls_pki_types::PrivatePkcs8KeyDer::from(self.pkcs8.as_slice());
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&der, self.signature_algorithm())
            .map_err(|e| PkiError::UnsupportedKey(format!("ring rejected the key: {e}")))
    }

    /// Whether the key's public half is `raw` (from a certificate or CSR).
    pub fn matches_public_key(&self, raw: &[u8]) -> bool {
        self.public == raw
    }
}
