//! The engine's entry points, as the engine module (`src/bin/studio-engine.rs`) exports them to
//! the background worker (`worker.js`), or to the page itself where no worker can start. Each takes
//! one request object and returns one reply object; large data crosses as postcard bytes.
//! Key making (all but WebCrypto's), signing, rendering, checking and zipping live here, so the
//! page's own module carries none of that code. Nothing here talks to the page between request and
//! reply: the page splits long work (many keys) into calls of its own.

use js_sys::{Array, Object, Reflect, Uint8Array};
use studio::check::{BundleFiles, CheckContext};
use studio::pki::{KeySet, PrivateKey};
use studio::spec::KeyAlgorithm;
use studio::{Artifact, Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A bundle's artifacts cross in postcard pieces of about this many bytes of content, so the page
/// can decode each in a short task of its own.
const PIECE_BYTES: usize = 512 * 1024;

fn js_error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// A field of a request or reply.
pub fn field(object: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(object, &JsValue::from_str(key))
}

/// A bytes field of a request or reply.
pub fn bytes(object: &JsValue, key: &str) -> Result<Vec<u8>, String> {
    field(object, key).ok().and_then(|v| v.dyn_into::<Uint8Array>().ok()).map(|a| a.to_vec()).ok_or_else(|| format!("{key} is missing or not bytes"))
}

fn time(object: &JsValue) -> Result<i64, JsValue> {
    Ok(field(object, "now")?.as_f64().ok_or("the request has no time")? as i64)
}

/// A plain object of these entries: every request and reply between the page and the engine.
pub fn object(entries: &[(&str, &JsValue)]) -> Result<Object, String> {
    let object = Object::new();
    for (key, value) in entries {
        Reflect::set(&object, &(*key).into(), value).map_err(|_| format!("{key} could not be set"))?;
    }
    Ok(object)
}

/// Makes keys. Request: `algorithms` (names as in the project file, e.g. `rsa-2048`). Reply: `keys`,
/// PKCS#8 bytes in the same order. The page hands out keys in batches to a pool of workers.
pub fn make_keys(request: JsValue) -> Result<JsValue, JsValue> {
    let keys = Array::new();
    for name in Array::from(&field(&request, "algorithms")?).iter() {
        let name = name.as_string().unwrap_or_default();
        let algorithm = KeyAlgorithm::parse(&name).ok_or_else(|| format!("{name:?} is not a key algorithm"))?;
        keys.push(&Uint8Array::from(PrivateKey::generate(algorithm).map_err(js_error)?.pkcs8_der()));
    }
    Ok(object(&[("keys", &keys)])?.into())
}

/// One run. Request: `project` (YAML), `now`, `includeCaKey`, and `keys`: PKCS#8 bytes in the
/// order of `key_requests` for the project. Reply: `report` (postcard [`studio::check::Report`]), `artifacts`
/// (the bundle's artifacts in order, as postcard lists of about [`PIECE_BYTES`] each) and `zip`.
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
    for (request, der) in requests.iter().zip(keys_in.iter()) {
        let der = der.dyn_into::<Uint8Array>().map_err(|_| format!("no key for {}", request.id))?.to_vec();
        keys.insert(request.id.clone(), PrivateKey::from_pkcs8_der(&der).map_err(|e| format!("{}: {e}", request.id))?);
    }
    let (bundle, checks) = studio::generate_checked(&spec, &keys, RenderOptions { now, include_ca_key }).map_err(js_error)?;
    let zip = bundle.to_zip(now).map_err(js_error)?;
    // Compact buffers cross between the threads, not thousands of small JS objects.
    let report = postcard::to_allocvec(&checks).map_err(js_error)?;
    let pieces = Array::new();
    let mut rest = &bundle.artifacts[..];
    while !rest.is_empty() {
        let mut size = 0;
        let count = rest
            .iter()
            .take_while(|a| {
                let before = size;
                size += a.content.len();
                before < PIECE_BYTES
            })
            .count();
        let (piece, tail) = rest.split_at(count.max(1));
        pieces.push(&Uint8Array::from(&postcard::to_allocvec(piece).map_err(js_error)?[..]));
        rest = tail;
    }
    Ok(object(&[("report", &Uint8Array::from(&report[..])), ("artifacts", &pieces), ("zip", &Uint8Array::from(&zip[..]))])?.into())
}

/// A zip of some artifacts (one machine's files). Request: `artifacts` (postcard list), `now`.
/// Reply: `zip`.
pub fn zip(request: JsValue) -> Result<JsValue, JsValue> {
    let artifacts: Vec<Artifact> = postcard::from_bytes(&bytes(&request, "artifacts")?).map_err(js_error)?;
    let bundle = Bundle { artifacts };
    let zip = bundle.to_zip(time(&request)?).map_err(js_error)?;
    Ok(object(&[("zip", &Uint8Array::from(&zip[..]))])?.into())
}

/// Checks a bundle zip the user uploaded, against the Kubernetes version its README names.
/// Request: `zip`, `now`. Reply: `report` (postcard [`studio::check::Report`]).
pub fn check_bundle(request: JsValue) -> Result<JsValue, JsValue> {
    let files = BundleFiles::from_zip(&bytes(&request, "zip")?).map_err(js_error)?;
    let context = CheckContext { now: time(&request)?, version: studio::check::version_of(&files), expected_ips: Default::default() };
    let report = postcard::to_allocvec(&studio::check::check(&files, &context)).map_err(js_error)?;
    Ok(object(&[("report", &Uint8Array::from(&report[..]))])?.into())
}

/// Examines an imported CA. Request: `certificate`, `key` (PEM texts), `now`. Reply: `notAfter`
/// (unix seconds) for a usable CA, otherwise `field` and `message`.
pub fn examine_ca(request: JsValue) -> Result<JsValue, JsValue> {
    let text = |key| field(&request, key).map(|v| v.as_string().unwrap_or_default());
    match studio::input::examine_imported_ca(&text("certificate")?, &text("key")?, time(&request)?) {
        Ok(not_after) => Ok(object(&[("notAfter", &(not_after as f64).into())])?.into()),
        Err(error) => Ok(object(&[("field", &error.field.into()), ("message", &error.message.into())])?.into()),
    }
}
