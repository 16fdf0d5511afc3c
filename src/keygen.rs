//! The keys the page makes and keeps: RSA through WebCrypto (the browser generates keys on its own
//! threads, so the page stays responsive), several at once. Every other key (elliptic curves, RSA
//! where the browser offers no WebCrypto, as on plain-http pages) is made by the engine in the
//! background worker. The page never parses a key; the engine does when it signs with ring.

use std::collections::BTreeMap;
use std::rc::Rc;

use futures::stream::{self, StreamExt};
use js_sys::{Array, Reflect, Uint8Array};
use studio::plan::{KeyId, KeyRequest};
use studio::spec::KeyAlgorithm;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::platform::object;

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

/// A private key the page holds for reuse: PKCS#8 DER and the algorithm it was made for.
#[derive(Clone, PartialEq, Eq)]
pub struct HeldKey {
    pub algorithm: KeyAlgorithm,
    pub pkcs8: Rc<[u8]>,
}

/// The keys of earlier runs by role, kept in this tab's memory only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keys(BTreeMap<KeyId, HeldKey>);

impl Keys {
    /// The key for `request` if one of its algorithm is held.
    pub fn get(&self, request: &KeyRequest) -> Option<&HeldKey> {
        self.0.get(&request.id).filter(|key| key.algorithm == request.algorithm)
    }

    pub fn insert(&mut self, id: KeyId, key: HeldKey) {
        self.0.insert(id, key);
    }

    /// Adds the keys of `other`, replacing any held for the same role.
    pub fn extend(&mut self, other: &Keys) {
        self.0.extend(other.0.iter().map(|(id, key)| (id.clone(), key.clone())));
    }
}

fn subtle() -> Option<web_sys::SubtleCrypto> {
    let crypto = web_sys::window()?.crypto().ok()?;
    // `crypto.subtle` is undefined outside secure contexts; check before calling into it.
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).ok()?;
    (!subtle.is_undefined()).then(|| subtle.unchecked_into())
}

/// An RSA key from `crypto.subtle.generateKey`, exported as PKCS#8.
async fn webcrypto_rsa(subtle: &web_sys::SubtleCrypto, bits: usize) -> Result<Vec<u8>, String> {
    let params = object(&[
        ("name", &"RSASSA-PKCS1-v1_5".into()),
        ("modulusLength", &JsValue::from_f64(bits as f64)),
        ("publicExponent", &Uint8Array::from(&[1u8, 0, 1][..]).into()),
        ("hash", &"SHA-256".into()),
    ])?;
    let usages = Array::of1(&"sign".into());
    let js_err = |e: JsValue| format!("WebCrypto: {}", e.as_string().unwrap_or_else(|| format!("{e:?}")));
    let pair = JsFuture::from(subtle.generate_key_with_object(&params, true, &usages).map_err(js_err)?).await.map_err(js_err)?;
    let private: web_sys::CryptoKey = Reflect::get(&pair, &"privateKey".into()).map_err(js_err)?.unchecked_into();
    let exported = JsFuture::from(subtle.export_key("pkcs8", &private).map_err(js_err)?).await.map_err(js_err)?;
    Ok(Uint8Array::new(&exported).to_vec())
}

/// Whether the page can get a key of `algorithm` from WebCrypto.
pub fn from_webcrypto(algorithm: KeyAlgorithm) -> bool {
    algorithm.rsa_bits().is_some() && subtle().is_some()
}

/// Keys for `requests`: those in `known` that fit, and new ones from WebCrypto, `parallel` at a
/// time; `progress(done, total)` as they come. Returns the keys and how many were made anew; keys
/// WebCrypto cannot make stay missing (the engine makes them).
pub async fn generate(
    requests: &[KeyRequest],
    known: &Keys,
    parallel: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Keys, usize), String> {
    let mut keys = Keys::default();
    let mut missing = Vec::new();
    for request in requests {
        match known.get(request) {
            Some(key) => keys.insert(request.id.clone(), key.clone()),
            None if from_webcrypto(request.algorithm) => missing.push(request.clone()),
            None => {}
        }
    }
    let Some(subtle) = subtle() else { return Ok((keys, 0)) };
    let total = missing.len();
    progress(0, total);
    let subtle = &subtle;
    let mut made = stream::iter(missing.into_iter().map(|request| async move {
        let bits = request.algorithm.rsa_bits().unwrap_or(2048);
        webcrypto_rsa(subtle, bits).await.map(|der| (request, der))
    }))
    .buffer_unordered(parallel.max(1));
    // Each report re-renders the page: at most one per frame or so.
    let (mut done, mut reported) = (0, js_sys::Date::now());
    while let Some(result) = made.next().await {
        if cancelled() {
            return Err(CANCELLED.into());
        }
        let (request, der) = result?;
        keys.insert(request.id, HeldKey { algorithm: request.algorithm, pkcs8: der.into() });
        done += 1;
        if js_sys::Date::now() - reported > 16.0 || done == total {
            progress(done, total);
            reported = js_sys::Date::now();
        }
    }
    Ok((keys, total))
}

/// How many keys to make at once: the machine's cores, within reason.
pub fn parallelism() -> usize {
    web_sys::window().map_or(2, |w| w.navigator().hardware_concurrency() as usize).clamp(1, 8)
}
