//! The engine and the studio's state logic in a real browser: headless Chromium through
//! wasm-bindgen-test-runner (`make test` runs it).

use std::rc::Rc;

use studio::pki::{KeyKind, KeySet, PrivateKey};
use studio::spec::KeyAlgorithm;
use studio::{RenderOptions, SpecFile};
use wasm_bindgen_test::*;
use worker_studio_web::protocol::{decode, encode, Reply, Request};
use worker_studio_web::state::{parse_worker_lines, Action, Examined, State, STORAGE_KEY};
use worker_studio_web::{background, engine, keygen, platform, stock};
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn certificate(bundle: &studio::Bundle, path: &str) -> Vec<u8> {
    let text = &bundle.find(path).unwrap_or_else(|| panic!("no {path}")).content;
    pem::parse(text).unwrap().contents().to_vec()
}

#[wasm_bindgen_test]
fn a_bundle_generated_in_the_browser_chains_to_its_ca() {
    let mut file = SpecFile::default();
    file.keys.algorithm = "ecdsa-p256".into();
    let spec = file.validate(platform::now()).unwrap();
    let bundle = studio::generate_with_new_keys(&spec, RenderOptions { now: platform::now(), include_ca_key: false }).unwrap();

    let ca_der = certificate(&bundle, "ca-host/HOME/ca.crt");
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    for name in ["worker01", "worker02", "worker03"] {
        let der = certificate(&bundle, &format!("workers/{name}/etc/kubernetes/ssl/worker.crt"));
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        cert.verify_signature(Some(ca.public_key())).expect("signed by the CA");
        assert_eq!(cert.issuer(), ca.subject());
        let key_pem = &bundle.find(&format!("workers/{name}/etc/kubernetes/ssl/worker.key")).unwrap().content;
        let key = PrivateKey::from_pem(key_pem).unwrap();
        assert!(key.matches_public_key(&cert.public_key().subject_public_key.data), "{name}'s key matches its certificate");
    }
    let zip = bundle.to_zip(platform::now()).unwrap();
    assert_eq!(&zip[..2], b"PK");
}

#[wasm_bindgen_test]
fn rsa_keys_are_generated_in_wasm_with_the_browser_random_source() {
    let a = PrivateKey::generate(KeyAlgorithm::Rsa2048).unwrap();
    let b = PrivateKey::generate(KeyAlgorithm::Rsa2048).unwrap();
    assert_eq!(a.kind(), KeyKind::Rsa { bits: 2048 });
    assert_ne!(a.pkcs8_der(), b.pkcs8_der(), "two keys differ");
}

fn set_ca_source(f: &mut SpecFile, v: String) {
    f.ca.source = v;
}

fn set_ca_certificate(f: &mut SpecFile, v: String) {
    f.ca.certificate = v;
}

fn set_ca_key(f: &mut SpecFile, v: String) {
    f.ca.key = v;
}

fn fresh() -> Rc<State> {
    Rc::new(State::load(None, platform::now()))
}

#[wasm_bindgen_test]
fn the_kept_project_never_holds_the_ca_key_and_the_reducer_touches_no_storage() {
    platform::save(STORAGE_KEY, "untouched").unwrap();
    let state = fresh().reduce(Action::Set(set_ca_source, "import".into()));
    let state = state.reduce(Action::Set(set_ca_key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into()));
    assert!(state.file.ca.key.contains("PRIVATE KEY"), "the key stays in memory");
    let kept = state.kept().to_json().unwrap();
    assert!(kept.contains("\"source\":\"import\"") && !kept.contains("PRIVATE KEY"), "{kept}");
    assert!(state.errors.contains_key("ca.certificate"), "{:?}", state.errors);
    assert_eq!(platform::load(STORAGE_KEY).as_deref(), Some("untouched"), "saving is the app's effect, not the reducer's");
}

#[wasm_bindgen_test]
fn a_saved_project_that_cannot_be_read_is_kept_and_said() {
    let text = "apiVersion: worker-studio/v1alpha1\nworkers: [{name: worker01, ip: 192.168.2.1}\n";
    let state = State::load(Some(text.into()), platform::now());
    let (kept, why) = state.unreadable.clone().expect("the unreadable text is kept");
    assert_eq!(kept, text);
    assert!(!why.is_empty());
    assert_eq!(state.file, SpecFile::default(), "the guide's example is loaded instead");
    let state = Rc::new(state).reduce(Action::Reset);
    assert!(state.unreadable.is_some(), "a reset does not drop it");
}

#[wasm_bindgen_test]
fn pasted_worker_lines_become_rows() {
    let rows = parse_worker_lines("# name ip\nworker01 192.168.2.1\n\nworker02,\t192.168.2.2\nlonely\n");
    let pairs: Vec<(&str, &str)> = rows.iter().map(|w| (w.name.as_str(), w.ip.as_str())).collect();
    assert_eq!(pairs, [("worker01", "192.168.2.1"), ("worker02", "192.168.2.2"), ("lonely", "")]);
}

/// The engine's keys from the PKCS#8 the page holds.
fn key_set(requests: &[studio::plan::KeyRequest], keys: &keygen::Keys) -> KeySet {
    let mut set = KeySet::default();
    for request in requests {
        let held = keys.get(request).unwrap_or_else(|| panic!("no key for {}", request.id));
        set.insert(request.id.clone(), PrivateKey::from_pkcs8_der(&held.pkcs8).unwrap());
    }
    set
}

async fn pause(millis: i32) {
    let pause = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(pause).await;
}

/// Waits (at most 200 turns of 50 ms) until `done` holds; says whether it did.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        pause(50).await;
    }
    done()
}

#[wasm_bindgen_test]
async fn rsa_keys_come_from_webcrypto_and_sign_through_ring() {
    assert!(keygen::from_webcrypto(KeyAlgorithm::Rsa2048), "this page is a secure context, so WebCrypto is used");
    assert!(!keygen::from_webcrypto(KeyAlgorithm::EcdsaP256), "elliptic-curve keys are the engine's");
    let mut file = SpecFile::default();
    file.workers.truncate(1);
    let spec = file.validate(platform::now()).unwrap();
    let requests = studio::key_requests(&spec);
    assert_eq!(requests.len(), 3, "the CA, one worker and the admin");
    let (keys, _) = stock::take(&requests, |_, _| {}).await.unwrap();
    let set = key_set(&requests, &keys);
    assert!(requests.iter().all(|r| set.get(&r.id).unwrap().kind() == KeyKind::Rsa { bits: 2048 }));
    let bundle = studio::generate(&spec, &set, RenderOptions { now: platform::now(), include_ca_key: false }).unwrap();
    let ca_der = certificate(&bundle, "ca-host/HOME/ca.crt");
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    let der = certificate(&bundle, "workers/worker01/etc/kubernetes/ssl/worker.crt");
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    cert.verify_signature(Some(ca.public_key())).expect("ring signed with a WebCrypto CA key");
}

#[wasm_bindgen_test]
async fn keys_made_ahead_are_bound_to_no_role_until_a_run_takes_them() {
    let mut file = SpecFile::default();
    file.workers.truncate(2);
    let requests = studio::key_requests(&file.validate(platform::now()).unwrap());
    // Keys another test left count: the stock makes only what is short.
    let before = stock::ready(KeyAlgorithm::Rsa2048);
    stock::prepare(&requests);
    assert!(eventually(|| stock::ready(KeyAlgorithm::Rsa2048) == before.max(4)).await, "the four keys are made ahead");

    // Renamed workers take the keys made for the old names: none is wasted, none made twice.
    file.workers[0].name = "node-a".into();
    file.workers[1].name = "node-b".into();
    let renamed = studio::key_requests(&file.validate(platform::now()).unwrap());
    let (keys, made_before) = stock::take(&renamed, |_, _| {}).await.unwrap();
    assert_eq!(made_before, 4);
    assert_eq!(stock::ready(KeyAlgorithm::Rsa2048), before.max(4) - 4, "taken keys leave the stock");
    let set = key_set(&renamed, &keys);
    let publics: std::collections::BTreeSet<Vec<u8>> = renamed.iter().map(|r| set.get(&r.id).unwrap().public_key_raw().to_vec()).collect();
    assert_eq!(publics.len(), 4, "every role has a key of its own");

    // A large RSA cluster gets at most 16 keys ahead; the rest are made after the click.
    file.workers = (1..=40).map(|i| studio::input::WorkerInput { name: format!("worker{i:02}"), ip: format!("192.168.2.{i}") }).collect();
    stock::prepare(&studio::key_requests(&file.validate(platform::now()).unwrap()));
    let expected = (before.max(4) - 4).max(16);
    assert!(eventually(|| stock::ready(KeyAlgorithm::Rsa2048) == expected).await, "sixteen RSA keys ahead");
    pause(1000).await;
    assert_eq!(stock::ready(KeyAlgorithm::Rsa2048), expected, "and no more");
    stock::cancel();
}

#[wasm_bindgen_test]
async fn the_engine_makes_keys_then_signs_with_them_and_returns_bundle_report_and_zip() {
    let mut file = SpecFile::defaults(studio::release::ProfileId::Current);
    file.keys.algorithm = "ecdsa-p384".into();
    // Enough workers for the bundle to cross in several pieces.
    file.workers = (1..=24).map(|i| studio::input::WorkerInput { name: format!("worker{i:02}"), ip: format!("192.168.2.{i}") }).collect();
    let spec = file.validate(platform::now()).unwrap();
    let requests = studio::key_requests(&spec);
    // The CA key comes from elsewhere; the engine makes every other key.
    let ca = PrivateKey::generate(KeyAlgorithm::EcdsaP384).unwrap();
    let ask = |request: &Request| decode::<Reply>(&engine::call(&encode(request).unwrap()).reply).unwrap();
    let algorithms = vec![KeyAlgorithm::EcdsaP384; requests.len() - 1];
    let Reply::Keys(made) = ask(&Request::MakeKeys { algorithms }) else { panic!("keys were asked for") };
    assert_eq!(made.len(), requests.len() - 1);
    let mut keys = vec![ca.pkcs8_der().to_vec()];
    for der in made {
        assert_eq!(PrivateKey::from_pkcs8_der(&der).unwrap().kind(), KeyKind::EcdsaP384);
        keys.push(der);
    }
    let Reply::Failed(why) = decode::<Reply>(&engine::call(b"not a request").reply).unwrap() else { panic!("garbage is refused") };
    assert!(why.contains("could not be read"), "{why}");

    let request = Request::Generate { project: file.to_json().unwrap(), now: platform::now(), include_ca_key: false, keys: keys.clone() };
    let answer = engine::call(&encode(&request).unwrap());
    let zip = answer.zip.expect("the zip crosses beside the reply");
    let reply = decode::<Reply>(&answer.reply).unwrap();
    let Reply::Generated { report_parts, .. } = reply else { panic!("a bundle was asked for: {reply:?}") };
    let pieces = answer.parts.len() - report_parts;
    let parts = answer.parts.iter().map(|part| js_sys::Uint8Array::from(&part[..])).collect();
    let (bundle, checks) = background::read_generated(&reply, parts).await.unwrap();
    assert!(report_parts >= 2, "the report's findings and references cross apart");
    assert!(pieces >= 2 && bundle.artifacts.len() > pieces, "{pieces} pieces for {} artifacts", bundle.artifacts.len());
    assert_eq!(bundle.artifacts[0].zip_path(), "README.txt", "the pieces come back in order");
    assert_eq!(bundle.artifacts.iter().map(|a| a.zip_path()).collect::<std::collections::BTreeSet<_>>().len(), bundle.artifacts.len());
    let ca_der = certificate(&bundle, "ca-host/HOME/ca.crt");
    let (_, ca_cert) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    assert!(ca.matches_public_key(&ca_cert.public_key().subject_public_key.data), "the given CA key is used");
    assert!(!checks.has_failures(), "{}", checks.to_text());
    let zip = platform::blob_bytes(&zip).await.unwrap();
    let unzipped = studio::check::BundleFiles::from_zip(&zip).expect("the streamed zip reads back");
    assert_eq!(unzipped, studio::check::BundleFiles::from_bundle(&bundle), "the zip holds every file, with its mode");
    let client = bundle.find("workers/worker02/var/lib/kubelet/pki/kubelet-client.key").unwrap();
    let index = requests.iter().position(|r| r.id == studio::plan::KeyId::Worker(spec.workers[1].name.clone())).unwrap();
    assert_eq!(PrivateKey::from_pem(&client.content).unwrap().pkcs8_der(), &keys[index][..], "each role signs with the key it was given");
}

#[wasm_bindgen_test]
async fn a_zip_leaves_the_engine_in_pieces_and_reads_back_whole() {
    use std::io::Write;
    let bytes: Vec<u8> = (0..engine::ZIP_PIECE_BYTES * 5 / 2).map(|i| (i * 7 % 251) as u8).collect();
    let mut out = engine::ZipPieces::new();
    for chunk in bytes.chunks(4096) {
        out.write_all(chunk).unwrap();
    }
    assert_eq!(out.pieces(), 2, "two whole pieces left the module's memory as they filled");
    let blob = out.finish().unwrap();
    assert_eq!(blob.size() as usize, bytes.len());
    assert_eq!(blob.type_(), "application/zip");
    assert!(platform::blob_bytes(&blob).await.unwrap() == bytes, "the pieces join in order");
}

#[wasm_bindgen_test]
fn the_engine_examines_an_imported_ca_and_the_page_shows_its_verdict() {
    let mut file = SpecFile::default();
    file.keys.algorithm = "ecdsa-p256".into();
    let now = platform::now();
    let bundle = studio::generate_with_new_keys(&file.validate(now).unwrap(), RenderOptions { now, include_ca_key: true }).unwrap();
    let certificate = bundle.find("ca-host/HOME/ca.crt").unwrap().content.clone();
    let key = bundle.find("ca-host/HOME/ca.key").unwrap().content.clone();
    let examine = |certificate: &str, key: &str| {
        let request = Request::ExamineCa { certificate: certificate.into(), key: key.into(), now };
        match decode::<Reply>(&engine::call(&encode(&request).unwrap()).reply).unwrap() {
            Reply::CaExamined(verdict) => verdict,
            other => panic!("an examination was asked for: {other:?}"),
        }
    };
    let expiry = examine(&certificate, &key).expect("a usable CA has an expiry");
    assert!(expiry > now);
    let refused = examine(&certificate, &certificate).unwrap_err();
    assert_eq!(refused.field, "ca.key");
    assert!(refused.message.contains("CERTIFICATE"), "{}", refused.message);

    // The page: the form waits for the verdict, then shows it beside the field it names.
    let state = fresh().reduce(Action::Set(set_ca_source, "import".into()));
    let state = state.reduce(Action::Set(set_ca_certificate, certificate.clone()));
    let state = state.reduce(Action::Set(set_ca_key, key.clone()));
    assert_eq!(state.ca_to_examine(), Some((certificate.clone(), key.clone())));
    assert!(state.errors.get("ca.certificate").is_some_and(|m| m.contains("being examined")), "{:?}", state.errors);
    let verdict = Err(studio::FieldError::new("ca.key", "does not belong to the certificate"));
    let examined = |verdict| Rc::new(Examined { certificate: certificate.clone(), key: key.clone(), now, verdict });
    let state = state.reduce(Action::CaExamined(examined(verdict)));
    assert_eq!(state.errors.get("ca.key").map(String::as_str), Some("does not belong to the certificate"));
    let state = state.reduce(Action::CaExamined(examined(Ok(expiry))));
    assert!(state.errors.is_empty() && state.spec.is_some() && state.ca_to_examine().is_none(), "{:?}", state.errors);
}

#[wasm_bindgen_test]
fn a_current_profile_bundle_made_in_the_browser_passes_its_checks() {
    let mut file = SpecFile::defaults(studio::release::ProfileId::Current);
    file.keys.algorithm = "ecdsa-p256".into();
    file.kube_proxy.delivery = "daemonset".into();
    let spec = file.validate(platform::now()).unwrap();
    let (bundle, report) = studio::generate_checked(&spec, &KeySet::generate(&studio::key_requests(&spec)).unwrap(), RenderOptions { now: platform::now(), include_ca_key: false }).unwrap();
    assert!(!report.has_failures() && report.count(studio::check::Status::Warn) == 0, "{}", report.to_text());
    let der = certificate(&bundle, "workers/worker02/var/lib/kubelet/pki/kubelet-client.crt");
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    assert_eq!(cert.subject().to_string(), "O=system:nodes, CN=system:node:worker02");
    assert!(bundle.find("cluster-addons/kube-proxy-daemonset.yaml").is_some());
    assert!(bundle.find("workers/worker02/var/lib/kube-proxy/kube-proxy.key").is_none(), "a DaemonSet needs no kube-proxy key on the node");
}

#[wasm_bindgen_test]
fn switching_the_profile_in_the_studio_keeps_the_workers_and_makes_new_keys_only_for_new_roles() {
    let state = fresh().reduce(Action::SetWorkerIp(0, "192.168.9.1".into()));
    let profile = worker_studio_web::fields::FIELDS.iter().find(|f| f.path == "profile").unwrap();
    let state = state.reduce(Action::Set(profile.set, "current".into()));
    assert_eq!(state.file.workers[0].ip, "192.168.9.1");
    assert_eq!(state.file.paths.kubelet_config, "/var/lib/kubelet/config.yaml");
    assert!(state.errors.is_empty(), "{:?}", state.errors);
    // The CA, 3 x (client, serving, kube-proxy) and the admin.
    assert_eq!(state.key_plan().map(|plan| (plan.missing.len(), plan.reuse())), Some((11, 0)));
}
