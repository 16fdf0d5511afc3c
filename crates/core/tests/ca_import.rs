//! Importing the CA the guide's earlier steps made: every key format openssl writes, and every way
//! such a CA can be unfit, each reported at the field at fault.

mod common;

use std::fs;
use std::path::Path;

use common::{run, stdout};
use studio::input::SpecFile;

/// Makes a CA with openssl: `keygen` writes ca.key, then a self-signed CA certificate.
fn openssl_ca(dir: &Path, keygen: &[&str], days: &str, ca_ext: bool) -> (String, String) {
    run("openssl", keygen, dir);
    let mut args = vec!["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=etcd-ca", "-days", days, "-out", "ca.crt"];
    if ca_ext {
        args.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    } else {
        args.extend(["-addext", "basicConstraints=critical,CA:FALSE"]);
    }
    run("openssl", &args, dir);
    (fs::read_to_string(dir.join("ca.crt")).unwrap(), fs::read_to_string(dir.join("ca.key")).unwrap())
}

fn import_file(cert: &str, key: &str) -> SpecFile {
    let mut file = SpecFile::default();
    file.ca.source = "import".into();
    file.ca.certificate = cert.into();
    file.ca.key = key.into();
    file.keys.algorithm = "ecdsa-p256".into();
    file
}

#[test]
fn cas_in_every_key_format_sign_the_bundle() {
    let formats: [(&str, &[&str], &str); 4] = [
        ("RSA PRIVATE KEY", &["genrsa", "-traditional", "-out", "ca.key", "2048"], "PKCS#1"),
        ("PRIVATE KEY", &["genrsa", "-out", "ca.key", "3072"], "PKCS#8 RSA"),
        ("EC PRIVATE KEY", &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], "SEC1 P-256"),
        ("PRIVATE KEY", &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ca.key"], "PKCS#8 P-384"),
    ];
    for (tag, keygen, label) in formats {
        let tmp = tempfile::tempdir().unwrap();
        let (cert, key) = openssl_ca(tmp.path(), keygen, "3650", true);
        assert!(key.contains(&format!("BEGIN {tag}")), "{label}: openssl wrote {key}");
        let spec = import_file(&cert, &key).validate(common::now()).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        let bundle = common::generate(&spec, true);
        assert!(bundle.find("ca-host/HOME/ca.key").is_none(), "{label}: an imported CA key is never copied into the bundle");
        let root = common::unpack(&bundle, tmp.path());
        for name in ["worker01", "worker02", "worker03"] {
            let crt = root.join(format!("workers/{name}/etc/kubernetes/ssl/worker.crt"));
            let out = stdout(&run("openssl", &["verify", "-CAfile", "ca.crt", crt.to_str().unwrap()], tmp.path()));
            assert!(out.trim_end().ends_with(": OK"), "{label}: {out}");
        }
        // Every copy of the CA in the bundle is the imported certificate.
        let bundled = fs::read_to_string(root.join("workers/worker01/etc/ssl/etcd/ca.crt")).unwrap();
        let fingerprint = |path: &Path| stdout(&run("openssl", &["x509", "-in", path.to_str().unwrap(), "-noout", "-fingerprint", "-sha256"], tmp.path()));
        fs::write(tmp.path().join("bundled.crt"), bundled).unwrap();
        assert_eq!(fingerprint(&tmp.path().join("bundled.crt")), fingerprint(&tmp.path().join("ca.crt")), "{label}");
    }
}

fn single_error(file: &SpecFile, now: i64) -> (String, String) {
    let errors = file.validate(now).expect_err("the CA should be refused");
    assert_eq!(errors.len(), 1, "{errors:?}");
    (errors[0].field.clone(), errors[0].message.clone())
}

#[test]
fn unfit_cas_are_refused_at_the_right_field() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_ca(tmp.path(), &["genrsa", "-out", "ca.key", "2048"], "30", true);
    let now = common::now();

    let other = tempfile::tempdir().unwrap();
    let (_, other_key) = openssl_ca(other.path(), &["genrsa", "-out", "ca.key", "2048"], "30", true);
    let (field, message) = single_error(&import_file(&cert, &other_key), now);
    assert_eq!((field.as_str(), message.contains("does not belong")), ("ca.key", true), "{message}");

    let (field, message) = single_error(&import_file(&cert, &key), now + 40 * 86_400);
    assert_eq!((field.as_str(), message.contains("expired")), ("ca.certificate", true), "{message}");
    let (field, message) = single_error(&import_file(&cert, &key), now - 86_400);
    assert_eq!((field.as_str(), message.contains("not valid yet")), ("ca.certificate", true), "{message}");

    // The default leaf validity (365 days) outlives this 30-day CA.
    let (field, message) = single_error(&import_file(&cert, &key), now);
    assert_eq!((field.as_str(), message.contains("outlive")), ("keys.validityDays", true), "{message}");
    let mut short = import_file(&cert, &key);
    short.keys.validity_days = 20.into();
    short.validate(now).expect("20-day leaves fit in a 30-day CA");

    let leaf_dir = tempfile::tempdir().unwrap();
    let (leaf, leaf_key) = openssl_ca(leaf_dir.path(), &["genrsa", "-out", "ca.key", "2048"], "3650", false);
    let (field, message) = single_error(&import_file(&leaf, &leaf_key), now);
    assert_eq!((field.as_str(), message.contains("not a CA")), ("ca.certificate", true), "{message}");

    let (field, message) = single_error(&import_file(&key, &key), now);
    assert_eq!((field.as_str(), message.contains("private key")), ("ca.certificate", true), "{message}");
    let (field, _) = single_error(&import_file("garbage", &key), now);
    assert_eq!(field, "ca.certificate");
    let (field, message) = single_error(&import_file(&cert, &cert), now);
    assert_eq!((field.as_str(), message.contains("CERTIFICATE")), ("ca.key", true), "{message}");

    run("openssl", &["genrsa", "-aes256", "-passout", "pass:secret", "-out", "enc.key", "2048"], tmp.path());
    let encrypted = fs::read_to_string(tmp.path().join("enc.key")).unwrap();
    let (field, message) = single_error(&import_file(&cert, &encrypted), now);
    assert_eq!((field.as_str(), message.contains("encrypted")), ("ca.key", true), "{message}");

    let (field, _) = single_error(&import_file("", &key), now);
    assert_eq!(field, "ca.certificate");
}
