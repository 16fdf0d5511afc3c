//! The cluster administrator's own certificates, made with openssl from the bundle's CA as an
//! operator would: the API server's serving certificate, its kubelet client, the controller
//! manager's and scheduler's identities, a break-glass admin, and the service-account keys.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::process::{must, words};

/// A CA whose key the administrator holds.
#[derive(Clone, Debug)]
pub struct Ca {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A key and the certificate the CA signed for it.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What a certificate is for.
pub enum Usage<'a> {
    Client,
    Server { ips: &'a [IpAddr], dns: &'a [&'a str] },
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).to_string_lossy().into_owned()
}

/// Key types the administrator uses.
#[derive(Clone, Copy, Debug)]
pub enum KeyType {
    Rsa2048,
    EcdsaP256,
}

fn new_key_of(dir: &Path, name: &str, kind: KeyType) -> String {
    let key = path(dir, &format!("{name}.key"));
    let options: &[&str] = match kind {
        KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyType::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    };
    let mut argv = words(&["openssl", "genpkey"]);
    argv.extend(words(options));
    argv.extend(words(&["-out", &key]));
    must(&argv);
    must(&words(&["chmod", "600", &key]));
    key
}

fn new_key(dir: &Path, name: &str) -> String {
    new_key_of(dir, name, KeyType::EcdsaP256)
}

/// A self-signed CA of the administrator's (the "other CA" of the negative controls).
pub fn new_ca(dir: &Path, name: &str, common_name: &str, kind: KeyType) -> Ca {
    let key = new_key_of(dir, name, kind);
    let cert = path(dir, &format!("{name}.crt"));
    must(&words(&[
        "openssl", "req", "-x509", "-new", "-key", &key, "-subj", &format!("/CN={common_name}"), "-days", "3650", "-out", &cert,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]));
    Ca { cert: cert.into(), key: key.into() }
}

/// Issues `name.crt` for `subject` (`/O=group/CN=user`) with a fresh ECDSA key.
pub fn issue(ca: &Ca, dir: &Path, name: &str, subject: &str, usage: Usage) -> Leaf {
    let key = new_key(dir, name);
    let csr = path(dir, &format!("{name}.csr"));
    let cert = path(dir, &format!("{name}.crt"));
    let ext = path(dir, &format!("{name}.ext"));
    let mut extensions = String::from("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n");
    match usage {
        Usage::Client => extensions.push_str("extendedKeyUsage=clientAuth\n"),
        Usage::Server { ips, dns } => {
            let sans: Vec<String> = ips.iter().map(|ip| format!("IP:{ip}")).chain(dns.iter().map(|d| format!("DNS:{d}"))).collect();
            extensions.push_str(&format!("extendedKeyUsage=serverAuth\nsubjectAltName={}\n", sans.join(",")));
        }
    }
    std::fs::write(&ext, extensions).expect("extension file");
    must(&words(&["openssl", "req", "-new", "-key", &key, "-subj", subject, "-out", &csr]));
    must(&words(&[
        "openssl", "x509", "-req", "-in", &csr, "-CA", &ca.cert.to_string_lossy(), "-CAkey", &ca.key.to_string_lossy(),
        "-CAserial", &path(dir, "serials.srl"), "-CAcreateserial", "-days", "2", "-extfile", &ext, "-out", &cert,
    ]));
    Leaf { cert: cert.into(), key: key.into() }
}

/// The service-account signing key pair (private, public).
pub fn service_account_keys(dir: &Path) -> (String, String) {
    let key = new_key(dir, "service-account");
    let public = path(dir, "service-account.pub");
    must(&words(&["openssl", "pkey", "-in", &key, "-pubout", "-out", &public]));
    (key, public)
}

/// A kubeconfig for a client certificate, as the control plane's own components use.
pub fn kubeconfig(dir: &Path, name: &str, server: &str, ca: &Path, leaf: &Leaf) -> PathBuf {
    let file = dir.join(format!("{name}.kubeconfig"));
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\n    certificate-authority: {}\n\
         users:\n- name: {name}\n  user:\n    client-certificate: {}\n    client-key: {}\n\
         contexts:\n- name: {name}\n  context:\n    cluster: test\n    user: {name}\ncurrent-context: {name}\n",
        ca.display(),
        leaf.cert.display(),
        leaf.key.display()
    );
    std::fs::write(&file, text).expect("kubeconfig");
    file
}

/// A kubeconfig that authenticates with a bearer token.
pub fn token_kubeconfig(dir: &Path, name: &str, server: &str, ca: &Path, token: &str) -> PathBuf {
    let file = dir.join(format!("{name}.kubeconfig"));
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {server}\n    certificate-authority: {}\n\
         users:\n- name: {name}\n  user:\n    token: {token}\n\
         contexts:\n- name: {name}\n  context:\n    cluster: test\n    user: {name}\ncurrent-context: {name}\n",
        ca.display()
    );
    std::fs::write(&file, text).expect("kubeconfig");
    file
}
