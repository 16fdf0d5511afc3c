//! The engine's entry points, as the engine module (`src/bin/studio-engine.rs`) exports them to
//! the background worker (`worker.js`), or to the page itself where no worker can start. Each takes
//! one request object and returns one reply object; large data crosses as postcard bytes.
//! Key making (all but WebCrypto's), signing, rendering, checking and zipping live here, so the
//! page's own module carries none of that code.

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use studio::check::{BundleFiles, CheckContext, Report};
use studio::pki::{PrivateKey, KeySet};
use studio::{Artifact, Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The bundle and its report, as one postcard buffer.
#[derive(Serialize, Deserialize)]
pub struct Reply {
    pub bundle: Bundle,
    pub checks: Report,
}

fn js_error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// A field of a request or reply.
pub fn field(object: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(object, &JsValue::from_str(key))
}

fn bytes(object: &JsValue, key: &str) -> Result<Vec<u8>, JsValue> {
    Ok(field(object, key)?.dyn_into::<Uint8Array>().map_err(|_| format!("{key} is not bytes"))?.to_vec())
}

fn time(object: &JsValue) -> Result<i64, JsValue> {
    Ok(field(object, "now")?.as_f64().ok_or("the request has no time")? as i64)
}

fn reply(entries: &[(&str, &JsValue)]) -> Result<JsValue, JsValue> {
    let reply = Object::new();
    for (key, value) in entries {
        Reflect::set(&reply, &(*key).into(), value)?;
    }
    Ok(reply.into())
}

/// Posts a message to the page when running in the worker (on the page there is no one to tell).
fn tell_page(message: &JsValue) -> Result<(), JsValue> {
    match js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        Ok(scope) => scope.post_message(message),
        Err(_) => Ok(()),
    }
}

/// One run. Request: `project` (YAML), `now`, `includeCaKey`, and `keys`: PKCS#8 bytes in the order
/// of `key_requests` for the project, `null` where the engine is to make the key. Tells the page
/// `{progress: [done, total]}` while making keys and `{made}` before signing, so keys survive a
/// cancel. Reply: `made` (index and PKCS#8 of each key made here), `result` (postcard [`Reply`]),
/// `zip`.
pub fn generate(request: JsValue) -> Result<JsValue, JsValue> {
    let project = field(&request, "project")?.as_string().ok_or("the request has no project")?;
    let now = time(&request)?;
    let include_ca_key = field(&request, "includeCaKey")?.is_truthy();
    let spec = SpecFile::from_yaml(&project)
        .map_err(js_error)?
        .validate(now)
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
    let keys_in = Array::from(&field(&request, "keys")?);
    let requests = studio::key_requests(&spec);
    if keys_in.length() as usize != requests.len() {
        return Err(format!("{} keys for {} roles", keys_in.length(), requests.len()).into());
    }
    let mut keys = KeySet::default();
    let missing = keys_in.iter().filter(|k| k.is_null() || k.is_undefined()).count();
    let made = Array::new();
    let progress = |done: usize| reply(&[("progress", &Array::of2(&(done as f64).into(), &(missing as f64).into()))]).and_then(|m| tell_page(&m));
    let mut last_report = js_sys::Date::now();
    progress(0)?;
    for (index, (request, der)) in requests.iter().zip(keys_in.iter()).enumerate() {
        let key = if der.is_null() || der.is_undefined() {
            let key = PrivateKey::generate(request.algorithm).map_err(js_error)?;
            made.push(&Array::of2(&(index as f64).into(), &Uint8Array::from(key.pkcs8_der())));
            if js_sys::Date::now() - last_report > 100.0 {
                progress(made.length() as usize)?;
                last_report = js_sys::Date::now();
            }
            key
        } else {
            let der = der.dyn_into::<Uint8Array>().map_err(|_| "a key is not bytes")?.to_vec();
            PrivateKey::from_pkcs8_der(&der).map_err(|e| format!("{}: {e}", request.id))?
        };
        keys.insert(request.id.clone(), key);
    }
    progress(missing)?;
    tell_page(&reply(&[("made", &made)])?)?;
    let (bundle, checks) = studio::generate_checked(&spec, &keys, RenderOptions { now, include_ca_key }).map_err(js_error)?;
    let zip = bundle.to_zip(now).map_err(js_error)?;
    // One compact buffer crosses between the threads, not thousands of small JS objects.
    let payload = postcard::to_allocvec(&Reply { bundle, checks }).map_err(js_error)?;
    reply(&[("made", &made), ("result", &Uint8Array::from(&payload[..])), ("zip", &Uint8Array::from(&zip[..]))])
}

/// A zip of some artifacts (one machine's files). Request: `artifacts` (postcard list), `now`.
/// Reply: `zip`.
pub fn zip(request: JsValue) -> Result<JsValue, JsValue> {
    let artifacts: Vec<Artifact> = postcard::from_bytes(&bytes(&request, "artifacts")?).map_err(js_error)?;
    let bundle = Bundle { artifacts };
    let zip = bundle.to_zip(time(&request)?).map_err(js_error)?;
    reply(&[("zip", &Uint8Array::from(&zip[..]))])
}

/// Checks a bundle zip the user uploaded, against the Kubernetes version its README names.
/// Request: `zip`, `now`. Reply: `report` (postcard [`Report`]).
pub fn check_bundle(request: JsValue) -> Result<JsValue, JsValue> {
    let files = BundleFiles::from_zip(&bytes(&request, "zip")?).map_err(js_error)?;
    let context = CheckContext { now: time(&request)?, version: studio::check::version_of(&files), expected_ips: Default::default() };
    let report = postcard::to_allocvec(&studio::check::check(&files, &context)).map_err(js_error)?;
    reply(&[("report", &Uint8Array::from(&report[..]))])
}

/// Examines an imported CA. Request: `certificate`, `key` (PEM texts), `now`. Reply: `notAfter`
/// (unix seconds) for a usable CA, otherwise `field` and `message`.
pub fn examine_ca(request: JsValue) -> Result<JsValue, JsValue> {
    let text = |key| field(&request, key).map(|v| v.as_string().unwrap_or_default());
    match studio::input::examine_imported_ca(&text("certificate")?, &text("key")?, time(&request)?) {
        Ok(not_after) => reply(&[("notAfter", &(not_after as f64).into())]),
        Err(error) => reply(&[("field", &error.field.into()), ("message", &error.message.into())]),
    }
}
