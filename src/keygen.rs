//! Key generation in the browser: RSA through WebCrypto (the browser generates keys on its own
//! threads, so the page stays responsive), several at once; elliptic curves and browsers without
//! WebCrypto (plain-http pages are not secure contexts) fall back to the engine's own generator.
//! Signing always stays in ring.

use futures::stream::{self, StreamExt};
use js_sys::{Array, Object, Reflect, Uint8Array};
use studio::pki::{KeyRequest, KeySet, PrivateKey};
use studio::spec::KeyAlgorithm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The error a cancelled run ends with.
pub const CANCELLED: &str = "cancelled";

thread_local! {
    static CANCEL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Asks the run in progress to stop at its next key.
pub fn cancel() {
    CANCEL.with(|c| c.set(true));
}

/// Whether the run in progress was asked to stop.
pub fn cancelled() -> bool {
    CANCEL.with(|c| c.get())
}

/// Clears a cancel request before a new run.
pub fn reset_cancel() {
    CANCEL.with(|c| c.set(false));
}

/// Where a key came from, for the status line and the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    WebCrypto,
    Engine,
}

fn subtle() -> Option<web_sys::SubtleCrypto> {
    let crypto = web_sys::window()?.crypto().ok()?;
    // `crypto.subtle` is undefined outside secure contexts; check before calling into it.
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    (!subtle.is_undefined()).then(|| subtle.unchecked_into())
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// An RSA key from `crypto.subtle.generateKey`, exported as PKCS#8.
async fn webcrypto_rsa(subtle: &web_sys::SubtleCrypto, bits: usize) -> Result<PrivateKey, String> {
    let params = Object::new();
    set(&params, "name", &"RSASSA-PKCS1-v1_5".into());
    set(&params, "modulusLength", &JsValue::from_f64(bits as f64));
    set(&params, "publicExponent", &Uint8Array::from(&[1u8, 0, 1][..]).into());
    set(&params, "hash", &"SHA-256".into());
    let usages = Array::of1(&"sign".into());
    let js_err = |e: JsValue| format!("WebCrypto: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")));
    let pair = JsFuture::from(subtle.generate_key_with_object(&params, true, &usages).map_err(js_err)?).await.map_err(js_err)?;
    let private: web_sys::CryptoKey = Reflect::get(&pair, &"privateKey".into()).map_err(js_err)?.unchecked_into();
    let exported = JsFuture::from(subtle.export_key("pkcs8", &private).map_err(js_err)?).await.map_err(js_err)?;
    let der = Uint8Array::new(&exported).to_vec();
    PrivateKey::from_pkcs8_der(&der).map_err(|e| e.to_string())
}

/// One key, from WebCrypto when it can make it.
pub async fn generate_one(algorithm: KeyAlgorithm) -> Result<(PrivateKey, Source), String> {
    if let (Some(bits), Some(subtle)) = (algorithm.rsa_bits(), subtle()) {
        if let Ok(key) = webcrypto_rsa(&subtle, bits).await {
            return Ok((key, Source::WebCrypto));
        }
    }
    // ECDSA with ring takes well under a millisecond; RSA here is the fallback without WebCrypto.
    PrivateKey::generate(algorithm).map(|k| (k, Source::Engine)).map_err(|e| e.to_string())
}

/// Which keys the page makes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Makers {
    /// Every missing key: WebCrypto where it can, the engine otherwise.
    All,
    /// Only WebCrypto's (made on the browser's own threads); the rest is left to the background worker.
    WebCryptoOnly,
}

/// Whether the page can get a key of `algorithm` from WebCrypto.
fn from_webcrypto(algorithm: KeyAlgorithm) -> bool {
    algorithm.rsa_bits().is_some() && subtle().is_some()
}

/// Keys for `requests`, reusing those in `known` that fit; `progress(done, total)` after each.
/// Returns the key set and how many keys were made anew; with [`Makers::WebCryptoOnly`] the keys
/// WebCrypto cannot make stay missing.
pub async fn generate(
    requests: &[KeyRequest],
    known: &KeySet,
    parallel: usize,
    makers: Makers,
    mut progress: impl FnMut(usize, usize),
) -> Result<(KeySet, usize), String> {
    let mut keys = KeySet::default();
    let mut missing = Vec::new();
    for request in requests {
        match known.get(&request.id).filter(|k| KeySet::fits(k, request.algorithm)) {
            Some(key) => keys.insert(request.id.clone(), key.clone()),
            None if makers == Makers::All || from_webcrypto(request.algorithm) => missing.push(request.clone()),
            None => {}
        }
    }
    let total = missing.len();
    progress(0, total);
    let mut made = stream::iter(missing.into_iter().map(|request| async move {
        generate_one(request.algorithm).await.map(|(key, _)| (request.id, key))
    }))
    .buffer_unordered(parallel.max(1));
    // Keys made by the engine finish synchronously; yield to the page every frame or so, and report
    // progress at that pace rather than per key (each report re-renders the page).
    let mut done = 0;
    let mut last_yield = js_sys::Date::now();
    while let Some(result) = made.next().await {
        if cancelled() {
            return Err(CANCELLED.into());
        }
        let (id, key) = result?;
        keys.insert(id, key);
        done += 1;
        if js_sys::Date::now() - last_yield > 16.0 || done == total {
            progress(done, total);
            gloo_timers::future::TimeoutFuture::new(0).await;
            last_yield = js_sys::Date::now();
        }
    }
    // A cancel during the last yield counts too.
    if cancelled() {
        return Err(CANCELLED.into());
    }
    Ok((keys, total))
}

/// How many keys to make at once: the machine's cores, within reason.
pub fn parallelism() -> usize {
    web_sys::window().map_or(2, |w| w.navigator().hardware_concurrency() as usize).clamp(1, 8)
}
