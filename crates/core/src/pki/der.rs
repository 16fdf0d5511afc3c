//! The few DER structures the studio writes by hand: wrapping PKCS#1 and SEC1 keys as PKCS#8.

const RSA_ALGORITHM: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];
const EC_PUBLIC_KEY_OID: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// One DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// PrivateKeyInfo { version 0, algorithm, privateKey OCTET STRING }.
fn private_key_info(algorithm: &[u8], private_key: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(algorithm);
    body.extend(tlv(0x04, private_key));
    tlv(0x30, &body)
}

/// Wraps an RSAPrivateKey (PKCS#1) as PKCS#8.
pub fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    private_key_info(RSA_ALGORITHM, pkcs1)
}

/// Wraps an ECPrivateKey (SEC1) as PKCS#8, once per supported curve; the caller keeps the one ring accepts.
pub fn sec1_to_pkcs8_candidates(sec1: &[u8]) -> [Vec<u8>; 2] {
    [P256_OID, P384_OID].map(|curve| {
        let mut algorithm = EC_PUBLIC_KEY_OID.to_vec();
        algorithm.extend_from_slice(curve);
        private_key_info(&tlv(0x30, &algorithm), sec1)
    })
}

#[cfg(test)]
mod tests {
    use super::tlv;

    #[test]
    fn long_lengths_use_the_long_form() {
        assert_eq!(&tlv(0x04, &[0; 5])[..2], &[0x04, 5]);
        assert_eq!(&tlv(0x04, &[0; 200])[..3], &[0x04, 0x81, 200]);
        assert_eq!(&tlv(0x04, &[0; 1200])[..4], &[0x04, 0x82, 0x04, 0xb0]);
    }
}
