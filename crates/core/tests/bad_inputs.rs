//! A corpus of bad project files (tests/bad_inputs/cases.yaml): each yields exactly one error,
//! at exactly the field and with exactly the message written down for it.

use serde::Deserialize;
use studio::input::SpecFile;

#[derive(Deserialize)]
struct Case {
    name: String,
    project: String,
    field: String,
    message: String,
}

#[test]
fn every_bad_input_names_its_field_and_says_what_is_wrong() {
    let cases: Vec<Case> = studio::yaml::from_str(include_str!("bad_inputs/cases.yaml")).expect("the corpus parses");
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let now = 1_764_000_000;
    // A CA certificate valid at `now`, for the cases that need one (`CA_CERTIFICATE`).
    let ca_key = studio::pki::PrivateKey::generate(studio::spec::KeyAlgorithm::EcdsaP256).expect("a key");
    let common_name = studio::spec::CommonName::parse("kubernetes").expect("a name");
    let ca = studio::pki::CertificateAuthority::generate(&common_name, 3650, ca_key, now - 86_400).expect("a CA");
    let ca_certificate = studio::json::to_string(&ca.certificate_pem()).expect("a JSON string is a YAML string");
    let mut failures = Vec::new();
    for case in &cases {
        let project = case.project.replace("CA_CERTIFICATE", &ca_certificate);
        let errors = match SpecFile::from_yaml(&project) {
            Ok(file) => file.validate(now).err().unwrap_or_default(),
            Err(error) => vec![error],
        };
        match errors.as_slice() {
            [only] if only.field == case.field && only.message == case.message => {}
            other => failures.push(format!("{}: expected {}: {}\n  got {other:?}", case.name, case.field, case.message)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
