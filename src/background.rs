//! Key making (all but WebCrypto's), signing, rendering, checking and zipping off the main thread:
//! the page's own WebAssembly module, compiled once by `init.js` and handed to a dedicated worker
//! (`worker.js`), so nothing is fetched or compiled twice. The page stays responsive however large
//! the cluster; a run can be cancelled.

use std::cell::RefCell;

use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use studio::check::Report;
use studio::pki::{KeyRequest, KeySet, PrivateKey};
use studio::{Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What a run produces.
pub struct Output {
    pub bundle: Bundle,
    pub zip: Vec<u8>,
    pub checks: Report,
    /// Every key of the run (for reuse), and how many of them the worker made.
    pub keys: KeySet,
    pub made: usize,
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

/// Tells the page how many of the missing keys are made (only inside the worker).
fn post_progress(done: usize, total: usize) {
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        let message = Object::new();
        let _ = Reflect::set(&message, &"progress".into(), &Array::of2(&(done as f64).into(), &(total as f64).into()));
        let _ = scope.post_message(&message);
    }
}

/// The worker's side: one run from a request built by [`generate`]. Keys arrive as PKCS#8 in the
/// order of `key_requests` for the project, `null` where the worker is to make the key; the reply
/// carries the keys it made (`made`: index and PKCS#8) so the page can reuse them.
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
    let missing = keys_in.iter().filter(|k| k.is_null() || k.is_undefined()).count();
    let made = Array::new();
    let mut last_report = js_sys::Date::now();
    post_progress(0, missing);
    for (index, (request, der)) in requests.iter().zip(keys_in.iter()).enumerate() {
        let key = if der.is_null() || der.is_undefined() {
            let key = PrivateKey::generate(request.algorithm).map_err(js_error)?;
            made.push(&Array::of2(&(index as f64).into(), &Uint8Array::from(key.pkcs8_der())));
            if js_sys::Date::now() - last_report > 100.0 {
                post_progress(made.length() as usize, missing);
                last_report = js_sys::Date::now();
            }
            key
        } else {
            let der = der.dyn_into::<Uint8Array>().map_err(|_| "a key is not bytes")?.to_vec();
            PrivateKey::from_pkcs8_der(&der).map_err(js_error)?
        };
        keys.insert(request.id.clone(), key);
    }
    post_progress(missing, missing);
    // The keys go to the page before signing, so a run cancelled now still leaves them for reuse.
    if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        let message = Object::new();
        Reflect::set(&message, &"made".into(), &made)?;
        scope.post_message(&message)?;
    }
    let (bundle, checks) = studio::generate_checked(&spec, &keys, RenderOptions { now, include_ca_key }).map_err(js_error)?;
    let zip = bundle.to_zip(now).map_err(js_error)?;
    let reply = Object::new();
    Reflect::set(&reply, &"made".into(), &made)?;
    // One compact buffer crosses between the threads, not thousands of small JS objects.
    let payload = postcard::to_allocvec(&Reply { bundle, checks }).map_err(js_error)?;
    Reflect::set(&reply, &"result".into(), &Uint8Array::from(&payload[..]))?;
    Reflect::set(&reply, &"zip".into(), &Uint8Array::from(&zip[..]))?;
    Ok(reply.into())
}

/// The page's side of a reply: the bundle, report and zip, and the keys the worker made added to
/// those the request carried.
pub fn read_reply(data: &JsValue, requests: &[KeyRequest]) -> Result<Output, String> {
    let result = field(data, "result").map_err(|_| "the worker's reply has no result".to_owned())?;
    let payload = result.dyn_into::<Uint8Array>().map_err(|_| "the worker's reply is not bytes")?.to_vec();
    let Reply { bundle, checks } = postcard::from_bytes(&payload).map_err(|e| format!("the worker's reply: {e}"))?;
    let zip = field(data, "zip").ok().and_then(|z| z.dyn_into::<Uint8Array>().ok()).ok_or("the worker's reply has no zip")?.to_vec();
    let (keys, made) = made_keys(data, requests)?;
    Ok(Output { bundle, zip, checks, keys, made })
}

/// The keys the worker made (`made`: index into `requests` and PKCS#8), and how many.
fn made_keys(data: &JsValue, requests: &[KeyRequest]) -> Result<(KeySet, usize), String> {
    let mut keys = KeySet::default();
    let made = Array::from(&field(data, "made").map_err(|_| "the worker's reply has no keys")?);
    for entry in made.iter() {
        let entry = Array::from(&entry);
        let index = entry.get(0).as_f64().ok_or("a key without its place")? as usize;
        let der = entry.get(1).dyn_into::<Uint8Array>().map_err(|_| "a key is not bytes")?.to_vec();
        let request = requests.get(index).ok_or("a key for no role")?;
        keys.insert(request.id.clone(), PrivateKey::from_pkcs8_der(&der).map_err(|e| e.to_string())?);
    }
    Ok((keys, made.length() as usize))
}

/// Who hears about a run in progress: key counts as they are made, then the keys themselves.
struct Listener {
    requests: Vec<KeyRequest>,
    progress: Box<dyn Fn(usize, usize)>,
    keys: Box<dyn Fn(KeySet)>,
}

thread_local! {
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
    static PENDING: RefCell<Option<oneshot::Sender<Result<JsValue, String>>>> = const { RefCell::new(None) };
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
    /// Set when the worker could not start (its script failed to load): runs stay on the page.
    static BROKEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Ends the worker; the next run starts a fresh one.
fn retire() {
    if let Some(worker) = WORKER.with(|w| w.borrow_mut().take()) {
        worker.terminate();
    }
}

/// The worker, started on first use with the module `init.js` compiled; `None` where the page has
/// no compiled module to share (then generation runs on the page, as before).
fn worker() -> Option<web_sys::Worker> {
    if let Some(worker) = WORKER.with(|w| w.borrow().clone()) {
        return Some(worker);
    }
    if BROKEN.with(|b| b.get()) {
        return None;
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
        if let Some(progress) = field(&data, "progress").ok().filter(|p| p.is_array()).map(|p| Array::from(&p)) {
            let (done, total) = (progress.get(0).as_f64().unwrap_or(0.0) as usize, progress.get(1).as_f64().unwrap_or(0.0) as usize);
            LISTENER.with(|l| l.borrow().as_ref().map(|listener| (listener.progress)(done, total)));
            return;
        }
        if field(&data, "result").is_ok_and(|r| r.is_undefined()) && field(&data, "made").is_ok_and(|m| m.is_array()) {
            LISTENER.with(|l| {
                if let Some(listener) = l.borrow().as_ref() {
                    if let Ok((keys, _)) = made_keys(&data, &listener.requests) {
                        (listener.keys)(keys);
                    }
                }
            });
            return;
        }
        let result = match field(&data, "error").ok().and_then(|e| e.as_string()) {
            Some(error) => {
                // A failed run may leave the module's memory in any state: start afresh next time.
                retire();
                Err(error)
            }
            None => Ok(data),
        };
        if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
            let _ = sender.send(result);
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // The worker's script failed to load or threw outside a run: generate on the page from now on.
    let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
        retire();
        BROKEN.with(|b| b.set(true));
        if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
            let _ = sender.send(Err(format!("the background worker failed ({}); generate again to run on the page", event.message())));
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

/// Starts the worker while the page loads, so the first Generate does not wait for it; whether
/// there is one.
pub fn warm_up() -> bool {
    worker().is_some()
}

/// Stops a run in progress: the worker is ended (a new one starts on the next run) and the waiting
/// caller is told.
pub fn cancel() {
    retire();
    if let Some(sender) = PENDING.with(|p| p.borrow_mut().take()) {
        let _ = sender.send(Err("cancelled".into()));
    }
}

/// Makes the missing keys, then signs, renders, checks and zips, in the worker; on the page itself
/// when there is no worker. `progress(done, total)` counts the keys made; `made_keys` receives every
/// key of the run as soon as the worker has them (before signing).
pub async fn generate(
    project: &SpecFile,
    spec: &studio::ClusterSpec,
    keys: &KeySet,
    options: RenderOptions,
    progress: impl Fn(usize, usize) + 'static,
    made_keys: impl Fn(KeySet) + 'static,
) -> Result<Output, String> {
    let requests = studio::key_requests(spec);
    let Some(worker) = worker() else {
        let mut keys = keys.clone();
        let mut made = 0;
        for request in &requests {
            if keys.get(&request.id).is_none() {
                keys.insert(request.id.clone(), PrivateKey::generate(request.algorithm).map_err(|e| e.to_string())?);
                made += 1;
            }
        }
        let (bundle, checks) = studio::generate_checked(spec, &keys, options).map_err(|e| e.to_string())?;
        let zip = bundle.to_zip(options.now).map_err(|e| e.to_string())?;
        return Ok(Output { bundle, zip, checks, keys, made });
    };
    let request = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&request, &key.into(), value).map_err(|_| "the request could not be built".to_owned());
    set("project", &JsValue::from_str(&project.to_yaml()))?;
    set("now", &JsValue::from_f64(options.now as f64))?;
    set("includeCaKey", &JsValue::from_bool(options.include_ca_key))?;
    let key_list = Array::new();
    for request in &requests {
        match keys.get(&request.id) {
            Some(key) => key_list.push(&Uint8Array::from(key.pkcs8_der())),
            None => key_list.push(&JsValue::NULL),
        };
    }
    set("keys", &key_list)?;
    let (sender, receiver) = oneshot::channel();
    PENDING.with(|p| *p.borrow_mut() = Some(sender));
    // The page's own keys join the worker's, so the receiver gets the run's whole set.
    let (known, ids) = (keys.clone(), requests.iter().map(|r| r.id.clone()).collect::<Vec<_>>());
    let keys_made = move |mut made: KeySet| {
        for id in &ids {
            if let Some(key) = known.get(id) {
                made.insert(id.clone(), key.clone());
            }
        }
        made_keys(made)
    };
    LISTENER.with(|l| *l.borrow_mut() = Some(Listener { requests: requests.clone(), progress: Box::new(progress), keys: Box::new(keys_made) }));
    worker.post_message(&request).map_err(|_| "the request could not reach the worker".to_owned())?;
    let data = receiver.await.map_err(|_| "cancelled".to_owned());
    LISTENER.with(|l| l.borrow_mut().take());
    let mut output = read_reply(&data??, &requests)?;
    for request in &requests {
        if let Some(key) = keys.get(&request.id) {
            output.keys.insert(request.id.clone(), key.clone());
        }
    }
    Ok(output)
}
