//! Bootstrap tokens (`[a-z0-9]{6}.[a-z0-9]{16}`): the id is public (it names the Secret), the
//! secret part is a credential. Made from the system's CSPRNG (the OS natively, WebCrypto's
//! `getRandomValues` in the browser).

use std::fmt;

use super::PkiError;

const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A bootstrap token as the API server's bootstrap authenticator reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapToken {
    id: String,
    secret: String,
}

impl fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BootstrapToken({}.<secret>)", self.id)
    }
}

impl BootstrapToken {
    /// A fresh token from the system's random source.
    pub fn generate() -> Result<BootstrapToken, PkiError> {
        let mut chars = String::with_capacity(22);
        let mut bytes = [0u8; 64];
        while chars.len() < 22 {
            getrandom::fill(&mut bytes).map_err(|e| PkiError::KeyGeneration(format!("the system random source failed: {e}")))?;
            // 252 is the largest multiple of 36 below 256: no letter or digit is likelier than another.
            chars.extend(bytes.iter().filter(|b| **b < 252).map(|b| ALPHABET[usize::from(*b) % 36] as char).take(22 - chars.len()));
        }
        Ok(BootstrapToken { id: chars[..6].to_owned(), secret: chars[6..].to_owned() })
    }

    /// Reads `abcdef.0123456789abcdef`.
    pub fn parse(text: &str) -> Result<BootstrapToken, String> {
        let valid = |part: &str, len: usize| part.len() == len && part.bytes().all(|b| ALPHABET.contains(&b));
        match text.split_once('.') {
            Some((id, secret)) if valid(id, 6) && valid(secret, 16) => Ok(BootstrapToken { id: id.to_owned(), secret: secret.to_owned() }),
            _ => Err("is not a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})".into()),
        }
    }

    /// The public part: the Secret is `bootstrap-token-<id>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// `id.secret`, as a kubeconfig's `token:` carries it.
    pub fn bearer(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_bootstrap_shape_and_differ() {
        let a = BootstrapToken::generate().unwrap();
        let b = BootstrapToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(BootstrapToken::parse(&a.bearer()), Ok(a.clone()));
        assert_eq!((a.id().len(), a.secret().len()), (6, 16));
        for bad in ["abcdef0123456789abcdef", "ABCDEF.0123456789abcdef", "abcde.0123456789abcdef", "abcdef.0123456789abcde!"] {
            assert!(BootstrapToken::parse(bad).is_err(), "{bad}");
        }
    }
}
