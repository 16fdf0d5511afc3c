//! `worker-studio sign`: the CSRs keys-on-node.sh makes are signed for exactly their role and
//! verify with openssl; hostile CSRs are refused, each for its own reason, and nothing is written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn studio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worker-studio")).args(args).current_dir(cwd).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sh(cwd: &Path, script: &str) -> String {
    let out = Command::new("bash").args(["-euo", "pipefail", "-c", script]).current_dir(cwd).output().expect("bash runs");
    assert!(out.status.success(), "{script}:\n{}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// The cluster CA (openssl) and a current-profile project with two workers.
fn setup(dir: &Path) -> PathBuf {
    sh(dir, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
             openssl req -x509 -new -key ca.key -subj /CN=kubernetes -days 3650 -out ca.crt \
               -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
    let init = text(&studio(&["init", "--profile", "current"], dir).stdout);
    let spec = dir.join("cluster.yaml");
    fs::write(&spec, init.replace("algorithm: rsa-2048", "algorithm: ecdsa-p256")).unwrap();
    let out = studio(&["generate", "--spec", "cluster.yaml", "--out", "bundle", "--ca-cert", "ca.crt", "--ca-key", "ca.key"], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    spec
}

fn sign(dir: &Path, csr: &Path, out: &str) -> Output {
    studio(&["sign", "--spec", "cluster.yaml", "--ca-cert", "ca.crt", "--ca-key", "ca.key", "--csr", csr.to_str().unwrap(), "--out", out], dir)
}

#[test]
fn the_csrs_keys_on_node_makes_are_signed_for_their_role() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    sh(dir, "ROOT=$PWD/node bash bundle/workers/worker01/keys-on-node.sh > /dev/null");
    let pki = dir.join("node/var/lib/kubelet/pki");
    for (csr, usage, san) in [
        ("kubelet-client.csr", "TLS Web Client Authentication", None),
        ("kubelet.csr", "TLS Web Server Authentication", Some("DNS:worker01, IP Address:192.168.2.1")),
        ("../../kube-proxy/kube-proxy.csr", "TLS Web Client Authentication", None),
    ] {
        let csr_path = pki.join(csr);
        let cert = dir.join(format!("{}.crt", csr_path.file_stem().unwrap().to_string_lossy()));
        let out = sign(dir, &csr_path, cert.to_str().unwrap());
        assert!(out.status.success(), "{csr}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains("KEYS_ON_NODE=1 bash install.sh"), "{}", text(&out.stderr));
        let cert = cert.to_string_lossy();
        sh(dir, &format!("openssl verify -CAfile ca.crt {cert}"));
        let shown = sh(dir, &format!("openssl x509 -in {cert} -noout -text"));
        assert!(shown.contains(usage), "{csr}: {shown}");
        match san {
            Some(san) => assert!(shown.contains(san), "{csr}: {shown}"),
            None => assert!(!shown.contains("Subject Alternative Name"), "{csr}: {shown}"),
        }
        // The certificate carries the CSR's key.
        let key = csr_path.with_extension("key");
        let (a, b) = (sh(dir, &format!("openssl x509 -in {cert} -noout -pubkey")), sh(dir, &format!("openssl pkey -in {} -pubout", key.display())));
        assert_eq!(a, b, "{csr}");
    }
}

#[test]
fn hostile_csrs_are_refused_each_for_its_reason_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    sh(dir, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out node.key 2>/dev/null
             openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak.key 2>/dev/null");
    let req = |name: &str, key: &str, subject: &str, ext: &[&str]| -> PathBuf {
        let ext: String = ext.iter().map(|e| format!(" -addext '{e}'")).collect();
        sh(dir, &format!("openssl req -new -key {key} -subj '{subject}'{ext} -out {name}.csr"));
        dir.join(format!("{name}.csr"))
    };
    let node = "/O=system:nodes/CN=system:node:worker01";
    let tampered = {
        let good = req("good", "node.key", node, &["extendedKeyUsage=clientAuth"]);
        let der = sh(dir, &format!("openssl req -in {} -outform DER | base64 -w0", good.display()));
        // Change one byte of the subject (worker01 -> worker02) without re-signing.
        let bytes = sh(dir, &format!("printf '%s' {der} | base64 -d | xxd -p | tr -d '\\n'"));
        let patched = bytes.replacen(&hex("system:node:worker01"), &hex("system:node:worker02"), 1);
        assert_ne!(patched, bytes);
        sh(dir, &format!("printf '%s' {patched} | xxd -r -p > tampered.der && openssl req -inform DER -in tampered.der -out tampered.csr"));
        dir.join("tampered.csr")
    };
    fs::write(dir.join("nonsense.csr"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
    let cases = [
        (req("masters", "node.key", "/O=system:masters/CN=system:node:worker01", &[]), "system:masters is the superuser group"),
        (req("other", "node.key", "/O=system:nodes/CN=system:node:evil", &[]), "which no certificate of this bundle is"),
        (
            req("other-ip", "node.key", node, &["extendedKeyUsage=serverAuth", "subjectAltName=DNS:worker01,IP:192.168.2.2"]),
            "it also asks for 192.168.2.2",
        ),
        (req("ca", "node.key", node, &["basicConstraints=critical,CA:TRUE"]), "it asks to be a CA"),
        (req("weak", "weak.key", node, &[]), "has a key (RSA-1024) of a size or kind not allowed"),
        (tampered, "has a signature that does not verify"),
        (dir.join("nonsense.csr"), "is not a certificate signing request"),
    ];
    for (csr, reason) in cases {
        let out = sign(dir, &csr, "refused.crt");
        assert_eq!(out.status.code(), Some(2), "{}: {}", csr.display(), text(&out.stderr));
        assert!(text(&out.stderr).contains(reason), "{} should be refused for {reason:?}: {}", csr.display(), text(&out.stderr));
        assert!(!dir.join("refused.crt").exists(), "nothing is written for {}", csr.display());
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}
