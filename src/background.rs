//! The page's side of the engine: calls into the engine module (`studio-engine`), which runs in a
//! dedicated worker (`worker.js`) so the page stays responsive however large the cluster, and which
//! the page loads only after it is up. Where no worker can start, the same module is loaded onto
//! the page and called there. A run can be cancelled: the worker is ended and the next call starts
//! a fresh one.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use futures::channel::oneshot;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use studio::check::Report;
use studio::input::{CaVerdict, FieldError};
use studio::pki::KeyRequest;
use studio::{Artifact, Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::engine::{field, Reply};
use crate::keygen::{HeldKey, Keys};

/// What a run produces.
pub struct Output {
    pub bundle: Bundle,
    pub zip: Vec<u8>,
    pub checks: Report,
    /// Every key of the run (for reuse), and how many of them the engine made.
    pub keys: Keys,
    pub made: usize,
}

/// Who hears about a run in progress: key counts as they are made, then the keys themselves.
struct Listener {
    requests: Vec<KeyRequest>,
    progress: Box<dyn Fn(usize, usize)>,
    keys: Box<dyn Fn(Keys)>,
}

type Answer = oneshot::Sender<Result<JsValue, String>>;

thread_local! {
    static WORKER: RefCell<Option<web_sys::Worker>> = const { RefCell::new(None) };
    /// Calls sent to the worker and not yet answered, by id.
    static CALLS: RefCell<BTreeMap<u32, Answer>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_CALL: Cell<u32> = const { Cell::new(0) };
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
    /// Set when the worker could not start (its script failed to load): calls go to the page.
    static BROKEN: Cell<bool> = const { Cell::new(false) };
    /// The engine module loaded onto the page, once needed.
    static ON_PAGE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

fn answer_all(result: &Result<JsValue, String>) {
    for (_, answer) in CALLS.with(|c| std::mem::take(&mut *c.borrow_mut())) {
        let _ = answer.send(result.clone());
    }
}

/// Ends the worker; the next call starts a fresh one.
fn retire() {
    if let Some(worker) = WORKER.with(|w| w.borrow_mut().take()) {
        worker.terminate();
    }
}

fn on_message(event: web_sys::MessageEvent) {
    let data = event.data();
    let Some(id) = field(&data, "id").ok().and_then(|id| id.as_f64()) else {
        on_news(&data);
        return;
    };
    let result = match field(&data, "error").ok().and_then(|e| e.as_string()) {
        Some(error) => {
            // A trap leaves the module's memory in any state: start afresh next time.
            if field(&data, "fatal").is_ok_and(|f| f.is_truthy()) {
                retire();
            }
            Err(error)
        }
        None => field(&data, "reply").map_err(|_| "the worker's answer has no reply".to_owned()),
    };
    if let Some(answer) = CALLS.with(|c| c.borrow_mut().remove(&(id as u32))) {
        let _ = answer.send(result);
    }
}

/// News of a run in progress: `{progress: [done, total]}` or `{made}`.
fn on_news(data: &JsValue) {
    if let Some(progress) = field(data, "progress").ok().filter(|p| p.is_array()).map(|p| Array::from(&p)) {
        let (done, total) = (progress.get(0).as_f64().unwrap_or(0.0) as usize, progress.get(1).as_f64().unwrap_or(0.0) as usize);
        LISTENER.with(|l| l.borrow().as_ref().map(|listener| (listener.progress)(done, total)));
    } else if field(data, "made").is_ok_and(|m| m.is_array()) {
        LISTENER.with(|l| {
            if let Some(listener) = l.borrow().as_ref() {
                if let Ok((keys, _)) = made_keys(data, &listener.requests) {
                    (listener.keys)(keys);
                }
            }
        });
    }
}

/// The worker, started on first use; `None` where none can start.
fn worker() -> Option<web_sys::Worker> {
    if let Some(worker) = WORKER.with(|w| w.borrow().clone()) {
        return Some(worker);
    }
    if BROKEN.with(Cell::get) {
        return None;
    }
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("./worker.js", &options).ok()?;
    let onmessage = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // The worker's script failed to load: run the engine on the page from now on.
    let onerror = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
        retire();
        BROKEN.with(|b| b.set(true));
        answer_all(&Err(format!("the background worker failed ({}); generate again to run on the page", event.message())));
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker.clone()));
    Some(worker)
}

/// The engine module on the page: `loadStudioEngine` (init.js) imports and starts it, once.
async fn engine_on_page() -> Result<JsValue, String> {
    if let Some(engine) = ON_PAGE.with(|e| e.borrow().clone()) {
        return Ok(engine);
    }
    let load: Function = Reflect::get(&js_sys::global(), &"loadStudioEngine".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("the page cannot load the engine (init.js is missing)")?;
    let promise: Promise = load.call0(&JsValue::NULL).map_err(describe)?.dyn_into().map_err(describe)?;
    let engine = JsFuture::from(promise).await.map_err(|e| format!("the engine did not load: {}", describe(e)))?;
    ON_PAGE.with(|e| *e.borrow_mut() = Some(engine.clone()));
    Ok(engine)
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| js_sys::JSON::stringify(&error).map(String::from).unwrap_or_else(|_| "an error".into()))
}

/// Calls the engine's entry point `name` (see [`crate::engine`]) in the worker, or on the page.
async fn call(name: &str, request: &Object) -> Result<JsValue, String> {
    let Some(worker) = worker() else {
        let engine = engine_on_page().await?;
        let entry: Function = Reflect::get(&engine, &name.into()).ok().and_then(|f| f.dyn_into().ok()).ok_or("the engine lacks an entry point")?;
        return entry.call1(&JsValue::NULL, request).map_err(describe);
    };
    let id = NEXT_CALL.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    let message = Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&message, &key.into(), value).map(drop).map_err(describe);
    set("id", &id.into())?;
    set("call", &name.into())?;
    set("request", request)?;
    let (answer, receiver) = oneshot::channel();
    CALLS.with(|c| c.borrow_mut().insert(id, answer));
    worker.post_message(&message).map_err(|_| "the request could not reach the worker".to_owned())?;
    receiver.await.map_err(|_| "cancelled".to_owned())?
}

fn request(entries: &[(&str, &JsValue)]) -> Result<Object, String> {
    let request = Object::new();
    for (key, value) in entries {
        Reflect::set(&request, &(*key).into(), value).map_err(|_| "the request could not be built".to_owned())?;
    }
    Ok(request)
}

fn bytes(reply: &JsValue, key: &str) -> Result<Vec<u8>, String> {
    field(reply, key).ok().and_then(|v| v.dyn_into::<Uint8Array>().ok()).map(|a| a.to_vec()).ok_or_else(|| format!("the engine's reply has no {key}"))
}

/// Starts the worker, which loads the engine module while the user fills in the form.
pub fn warm_up() {
    worker();
}

/// Stops a run in progress: the worker is ended (a new one starts on the next call) and every
/// waiting caller is told.
pub fn cancel() {
    retire();
    answer_all(&Err("cancelled".into()));
}

/// The keys the engine made (`made`: index into `requests` and PKCS#8), and how many.
fn made_keys(data: &JsValue, requests: &[KeyRequest]) -> Result<(Keys, usize), String> {
    let mut keys = Keys::default();
    let made = Array::from(&field(data, "made").map_err(|_| "the engine's reply has no keys")?);
    for entry in made.iter() {
        let entry = Array::from(&entry);
        let index = entry.get(0).as_f64().ok_or("a key without its place")? as usize;
        let der = entry.get(1).dyn_into::<Uint8Array>().map_err(|_| "a key is not bytes")?.to_vec();
        let request = requests.get(index).ok_or("a key for no role")?;
        keys.insert(request.id.clone(), HeldKey { algorithm: request.algorithm, pkcs8: der.into() });
    }
    Ok((keys, made.length() as usize))
}

/// The page's side of a generate reply: the bundle, report and zip, and the keys the engine made.
pub fn read_reply(data: &JsValue, requests: &[KeyRequest]) -> Result<Output, String> {
    let Reply { bundle, checks } = postcard::from_bytes(&bytes(data, "result")?).map_err(|e| format!("the engine's reply: {e}"))?;
    let zip = bytes(data, "zip")?;
    let (keys, made) = made_keys(data, requests)?;
    Ok(Output { bundle, zip, checks, keys, made })
}

/// Makes the keys `keys` lacks, then signs, renders, checks and zips. `progress(done, total)`
/// counts the keys made; `keys_made` receives every key of the run once made (before signing).
pub async fn generate(
    project: &SpecFile,
    requests: &[KeyRequest],
    keys: &Keys,
    options: RenderOptions,
    progress: impl Fn(usize, usize) + 'static,
    keys_made: impl Fn(Keys) + 'static,
) -> Result<Output, String> {
    let key_list = Array::new();
    for request in requests {
        match keys.get(request) {
            Some(key) => key_list.push(&Uint8Array::from(&key.pkcs8[..])),
            None => key_list.push(&JsValue::NULL),
        };
    }
    let run = request(&[
        ("project", &JsValue::from_str(&project.to_yaml())),
        ("now", &JsValue::from_f64(options.now as f64)),
        ("includeCaKey", &JsValue::from_bool(options.include_ca_key)),
        ("keys", &key_list),
    ])?;
    // The page's own keys join the engine's, so the receiver gets the run's whole set.
    let known = keys.clone();
    let with_known = move |mut made: Keys| {
        made.extend(&known);
        keys_made(made)
    };
    LISTENER.with(|l| *l.borrow_mut() = Some(Listener { requests: requests.to_vec(), progress: Box::new(progress), keys: Box::new(with_known) }));
    let data = call("generate", &run).await;
    LISTENER.with(|l| l.borrow_mut().take());
    let mut output = read_reply(&data?, requests)?;
    output.keys.extend(keys);
    Ok(output)
}

/// A zip of some artifacts (one machine's files).
pub async fn zip(artifacts: Vec<Artifact>, now: i64) -> Result<Vec<u8>, String> {
    let artifacts = postcard::to_allocvec(&artifacts).map_err(|e| e.to_string())?;
    let reply = call("zip", &request(&[("artifacts", &Uint8Array::from(&artifacts[..])), ("now", &(now as f64).into())])?).await?;
    bytes(&reply, "zip")
}

/// Checks an uploaded bundle zip.
pub async fn check_bundle(zip: Vec<u8>, now: i64) -> Result<Report, String> {
    let reply = call("check_bundle", &request(&[("zip", &Uint8Array::from(&zip[..])), ("now", &(now as f64).into())])?).await?;
    postcard::from_bytes(&bytes(&reply, "report")?).map_err(|e| format!("the engine's report: {e}"))
}

/// The engine's verdict on an imported CA's certificate and key.
pub async fn examine_ca(certificate: &str, key: &str, now: i64) -> CaVerdict {
    let asked = request(&[("certificate", &certificate.into()), ("key", &key.into()), ("now", &(now as f64).into())]);
    let reply = match asked {
        Ok(asked) => call("examine_ca", &asked).await,
        Err(e) => Err(e),
    };
    let reply = reply.map_err(|e| FieldError::new("ca.certificate", format!("could not be examined: {e}")))?;
    match field(&reply, "notAfter").ok().and_then(|n| n.as_f64()) {
        Some(not_after) => Ok(not_after as i64),
        None => {
            let text = |key| field(&reply, key).ok().and_then(|v| v.as_string()).unwrap_or_default();
            Err(FieldError::new(text("field"), text("message")))
        }
    }
}
