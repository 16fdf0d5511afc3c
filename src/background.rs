//! Signing, rendering, checking and zipping off the main thread: the page's own WebAssembly module,
//! compiled once by `init.js` and handed to a dedicated worker (`worker.js`), so nothing is fetched
//! or compiled twice. The page stays responsive however large the cluster; a run can be cancelled.

use std::cell::RefCell;

use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use studio::check::Report;
use studio::pki::{KeySet, PrivateKey};
use studio::{Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a run produces.
pub struct Output {
    pub bundle: Bundle,
    pub zip: Vec<u8>,
    pub checks: Report,
}

#[derive(Serialize, Deserialize)]
struct Reply {
    bundle: Bundle,
    checks: Report,
}

fn js_error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn field(object: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    Reflect::get(object, &JsValue::from_str(key))
}

/// The worker's side: one run from a request built by [`generate`]. Keys arrive as PKCS#8 in the
/// order of `key_requests` for the project.
#[wasm_bindgen]
pub fn generate_in_background(request: JsValue) -> Result<JsValue, JsValue> {
    let project = field(&request, "project")?.as_string().ok_or("the request has no project")?;
    let now = field(&request, "now")?.as_f64().ok_or("the request has no time")? as i64;
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
        let der = der.dyn_into::<Uint8Array>().map_err(|_| "a key is not bytes")?.to_vec();
        keys.insert(request.id.clone(), PrivateKey::from_pkcs8_der(&der).map_err(js_error)?);
    }
    let (bundle, checks) = studio::generate_checked(&spec, &keys, RenderOptions { now, include_ca_key }).map_err(js_error)?;
    let zip = bundle.to_zip(now).map_err(js_error)?;
    let reply = Object::new();
    Reflect::set(&reply, &"result".into(), &serde_wasm_bindgen::to_value(&Reply { bundle, checks })?)?;
    Reflect::set(&reply, &"zip".into(), &Uint8Array::from(&zip[..]))?;
    Ok(reply.into())
}

thread_local! {
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
    static PENDING: RefCell<Option<oneshot::Sender<Result<JsValue, String>>>> = const { RefCell::new(None) };
}

/// The worker, started on first use with the module `init.js` compiled; `None` where the page has
/// no compiled module to share (then generation runs on the page, as before).
fn worker() -> Option<web_sys::Worker> {
    if let Some(worker) = WORKER.with(|w| w.borrow().clone()) {
        return Some(worker);
    }
    let module = Reflect::get(&js_sys::global(), &"studioModule".into()).ok()?;
    if !module.is_instance_of::<js_sys::WebAssembly::Module>() {
        return None;
    }
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("./worker.js", &options).ok()?;
    let onmessage = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
        let data = event.data();
        let result = match field(&data, "error").ok().and_then(|e| e.as_string()) {
            Some(error) => Err(error),
            None => Ok(data),
        };
        if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
            let _ = sender.send(result);
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
        if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
            let _ = sender.send(Err(format!("the background worker failed: {}", event.message())));
        }
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    let hello = Object::new();
    Reflect::set(&hello, &"module".into(), &module).ok()?;
    worker.post_message(&hello).ok()?;
    WORKER.with(|w| *w.borrow_mut() = Some(worker.clone()));
    Some(worker)
}

/// Starts the worker while the page loads, so the first Generate does not wait for it.
pub fn warm_up() {
    let _ = worker();
}

/// Stops a run in progress: the worker is ended (a new one starts on the next run) and the waiting
/// caller is told.
pub fn cancel() {
    if let Some(worker) = WORKER.with(|w| w.borrow_mut().take()) {
        worker.terminate();
    }
    if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
        let _ = sender.send(Err("cancelled".into()));
    }
}

/// Signs, renders, checks and zips in the worker; on the page itself when there is no worker.
pub async fn generate(project: &SpecFile, spec: &studio::ClusterSpec, keys: &KeySet, options: RenderOptions) -> Result<Output, String> {
    let Some(worker) = worker() else {
        let (bundle, checks) = studio::generate_checked(spec, keys, options).map_err(|e| e.to_string())?;
        let zip = bundle.to_zip(options.now).map_err(|e| e.to_string())?;
        return Ok(Output { bundle, zip, checks });
    };
    let request = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&request, &key.into(), value).map_err(|_| "the request could not be built".to_owned());
    set("project", &JsValue::from_str(&project.to_yaml()))?;
    set("now", &JsValue::from_f64(options.now as f64))?;
    set("includeCaKey", &JsValue::from_bool(options.include_ca_key))?;
    let key_list = Array::new();
    for request in studio::key_requests(spec) {
        let key = keys.get(&request.id).ok_or_else(|| format!("no key for {}", request.id))?;
        key_list.push(&Uint8Array::from(key.pkcs8_der()));
    }
    set("keys", &key_list)?;
    let (sender, receiver) = oneshot::channel();
    PENDING.with(|p| *p.borrow_mut() = Some(sender));
    worker.post_message(&request).map_err(|_| "the request could not reach the worker".to_owned())?;
    let data = receiver.await.map_err(|_| "cancelled".to_owned())??;
    let result = field(&data, "result").map_err(|_| "the worker's reply has no result".to_owned())?;
    let Reply { bundle, checks } = serde_wasm_bindgen::from_value(result).map_err(|e| format!("the worker's reply: {e}"))?;
    let zip = field(&data, "zip").ok().and_then(|z| z.dyn_into::<Uint8Array>().ok()).ok_or("the worker's reply has no zip")?.to_vec();
    Ok(Output { bundle, zip, checks })
}
