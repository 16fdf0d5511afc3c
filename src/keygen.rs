//! The keys the page keeps, by role, and WebCrypto's RSA keys (the browser generates them on its
//! own threads, so the page stays responsive). Every other key (elliptic curves, RSA where the
//! browser offers no WebCrypto, as on plain-http pages) is made by the engine in the background
//! workers; [`crate::stock`] says which to make when. The page never parses a key; the engine does
//! when it signs with ring.

use std::collections::BTreeMap;
use std::rc::Rc;

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

/// An RSA key of `bits` from `crypto.subtle.generateKey`, exported as PKCS#8 DER.
pub async fn webcrypto_rsa(bits: usize) -> Result<Vec<u8>, String> {
    let subtle = subtle().ok_or("this page has no WebCrypto")?;
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

/// How many keys to make at once: the machine's cores, within reason.
pub fn parallelism() -> usize {
    web_sys::window().map_or(2, |w| w.navigator().hardware_concurrency() as usize).clamp(1, 8)
}
