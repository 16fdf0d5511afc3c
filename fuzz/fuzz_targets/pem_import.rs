//! Pasted or dropped PEM: a CA certificate and key (split at the first NUL), and any private key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studio::pki::{CertificateAuthority, PrivateKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = PrivateKey::from_pem(text);
    let (cert, key) = text.split_once('\0').unwrap_or((text, text));
    let _ = CertificateAuthority::import(cert, key, 1_764_000_000);
});
