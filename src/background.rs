//! The page's side of the engine: calls into the engine module (`studio-engine`), which runs in
//! dedicated workers (`worker.js`) so the page stays responsive however large the cluster, and
//! which the page loads only after it is up. Keys are made by a pool of workers, one per core
//! (capped), in batches; one worker then signs, renders, checks and zips. Where no worker can
//! start, the same module is loaded onto the page and called there. Cancel ends every worker; the
//! next call starts fresh ones. Which keys to make, and when, is [`crate::stock`]'s to say.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use futures::channel::oneshot;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use studio::check::Report;
use studio::input::{CaVerdict, FieldError};
use studio::plan::KeyRequest;
use studio::spec::KeyAlgorithm;
use studio::{Artifact, Bundle, RenderOptions, SpecFile};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::keygen::{self, Keys};
use crate::platform::{self, object};
use crate::protocol::{decode, encode, Reply, ReportPart, Request};
use crate::timing::Trace;

/// What a run produces.
pub struct Output {
    pub bundle: Bundle,
    pub zip: web_sys::Blob,
    pub checks: Report,
}

/// What crosses beside a reply: the parts it names (each a buffer, decoded one per task) and the zip
/// (a Blob, outside the page's memory).
#[derive(Default)]
struct Beside {
    parts: Vec<Uint8Array>,
    zip: Option<web_sys::Blob>,
}

type Answered = (Reply, Beside);

type Answer = oneshot::Sender<Result<Answered, String>>;

/// The most workers making keys at once, whatever the core count.
const POOL_CAP: usize = 4;

/// A call to the engine not yet answered.
struct Pending {
    place: usize,
    /// Whether it belongs to a generation run ([`Request::belongs_to_run`]): a cancel ends it. Any
    /// other call (an examined CA, a checked upload, a machine's zip) is sent again to a fresh worker.
    run: bool,
    /// The request's bytes, kept to send again.
    request: Vec<u8>,
    answer: Answer,
}

/// A field of a worker's message.
fn field(object: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined())
}

thread_local! {
    /// The running workers by pool place; place 0 also signs, checks and zips.
    static WORKERS: RefCell<BTreeMap<usize, web_sys::Worker>> = const { RefCell::new(BTreeMap::new()) };
    /// Calls sent to a worker and not yet answered, by id.
    static CALLS: RefCell<BTreeMap<u32, Pending>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT_CALL: Cell<u32> = const { Cell::new(0) };
    /// Set when a worker could not start or load the engine: calls go to the page.
    static BROKEN: Cell<bool> = const { Cell::new(false) };
    /// The engine module loaded onto the page, once needed.
    static ON_PAGE: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Ends the worker at `place` (the next call there starts a fresh one).
fn retire(place: usize) {
    if let Some(worker) = WORKERS.with(|w| w.borrow_mut().remove(&place)) {
        worker.terminate();
    }
}

/// The pending calls `which` selects, taken out of the table.
fn take_calls(which: impl Fn(&Pending) -> bool) -> Vec<Pending> {
    CALLS.with(|c| {
        let mut calls = c.borrow_mut();
        let ids: Vec<u32> = calls.iter().filter(|(_, p)| which(p)).map(|(id, _)| *id).collect();
        ids.into_iter().filter_map(|id| calls.remove(&id)).collect()
    })
}

/// Ends the worker at `place` and sends its unanswered calls again, to a fresh worker.
fn restart(place: usize) {
    retire(place);
    for pending in take_calls(|p| p.place == place) {
        send(pending);
    }
}

/// No worker can run the engine: from now on it runs on the page, unanswered calls included.
fn fall_back() {
    BROKEN.with(|b| b.set(true));
    let places: Vec<usize> = WORKERS.with(|w| w.borrow().keys().copied().collect());
    for place in places {
        restart(place);
    }
}

fn on_message(place: usize, event: web_sys::MessageEvent) {
    let data = event.data();
    if field(&data, "broken").is_some_and(|b| b.is_truthy()) {
        // The worker started but could not load the engine module.
        return fall_back();
    }
    let Some(id) = field(&data, "id").and_then(|id| id.as_f64()) else { return };
    let Some(pending) = CALLS.with(|c| c.borrow_mut().remove(&(id as u32))) else { return };
    let result = match field(&data, "error").and_then(|e| e.as_string()) {
        Some(error) => {
            // A trap leaves the module's memory in any state: the worker is replaced, and the
            // other calls it held are sent again.
            if field(&data, "fatal").is_some_and(|f| f.is_truthy()) {
                restart(place);
            }
            Err(error)
        }
        None => read_answer(&data),
    };
    let _ = pending.answer.send(result);
}

/// A reply, its parts and its zip, from the engine's `{reply, parts, zip}`.
fn read_answer(answer: &JsValue) -> Result<Answered, String> {
    let bytes = field(answer, "reply").and_then(|r| r.dyn_into::<Uint8Array>().ok()).ok_or("the engine's answer has no reply")?;
    let parts = field(answer, "parts").map(|p| js_sys::Array::from(&p).iter().filter_map(|part| part.dyn_into().ok()).collect()).unwrap_or_default();
    let zip = field(answer, "zip").and_then(|z| z.dyn_into::<web_sys::Blob>().ok());
    Ok((decode(&bytes.to_vec())?, Beside { parts, zip }))
}

/// The worker at pool `place`, started on first use; `None` where none can start.
fn worker(place: usize) -> Option<web_sys::Worker> {
    if let Some(worker) = WORKERS.with(|w| w.borrow().get(&place).cloned()) {
        return Some(worker);
    }
    if BROKEN.with(Cell::get) {
        return None;
    }
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("./worker.js", &options).ok()?;
    let onmessage = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event| on_message(place, event));
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // The worker's script failed to load (a plain Event) or threw outside a call.
    let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(|_: web_sys::Event| fall_back());
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    WORKERS.with(|w| w.borrow_mut().insert(place, worker.clone()));
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

/// Runs an engine call on the page, after letting the page paint (progress) and take clicks (Cancel).
async fn on_page(run: bool, request: &[u8]) -> Result<Answered, String> {
    platform::next_task().await;
    if keygen::cancelled() && run {
        return Err(keygen::CANCELLED.into());
    }
    let engine = engine_on_page().await?;
    let entry: Function = Reflect::get(&engine, &"call".into()).ok().and_then(|f| f.dyn_into().ok()).ok_or("the engine lacks its entry point")?;
    read_answer(&entry.call1(&JsValue::NULL, &Uint8Array::from(request)).map_err(describe)?)
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| js_sys::JSON::stringify(&error).map(String::from).unwrap_or_else(|_| "an error".into()))
}

/// Sends a call to the worker at its place, or runs it on the page where there is no worker.
fn send(pending: Pending) {
    let Some(worker) = worker(pending.place) else {
        wasm_bindgen_futures::spawn_local(async move {
            let result = on_page(pending.run, &pending.request).await;
            let _ = pending.answer.send(result);
        });
        return;
    };
    let id = NEXT_CALL.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    let message = match object(&[("id", &id.into()), ("request", &Uint8Array::from(&pending.request[..]))]) {
        Ok(message) => message,
        Err(e) => return drop(pending.answer.send(Err(e))),
    };
    CALLS.with(|c| c.borrow_mut().insert(id, pending));
    if worker.post_message(&message).is_err() {
        if let Some(pending) = CALLS.with(|c| c.borrow_mut().remove(&id)) {
            let _ = pending.answer.send(Err("the request could not reach the worker".into()));
        }
    }
}

/// Asks the engine (see [`crate::engine`]) in the worker at pool `place`, or on the page where
/// there is no worker; a [`Reply::Failed`] comes back as the error it carries.
async fn answered_at(place: usize, request: &Request) -> Result<Answered, String> {
    let (answer, receiver) = oneshot::channel();
    send(Pending { place, run: request.belongs_to_run(), request: encode(request)?, answer });
    match receiver.await.map_err(|_| keygen::CANCELLED.to_owned())?? {
        (Reply::Failed(why), _) => Err(why),
        answered => Ok(answered),
    }
}

async fn call_at(place: usize, request: &Request) -> Result<Reply, String> {
    answered_at(place, request).await.map(|(reply, _)| reply)
}

async fn call(request: &Request) -> Result<Reply, String> {
    call_at(0, request).await
}

/// The zip a reply names, and its parts.
fn zip_of((reply, beside): Answered) -> Result<(Reply, Vec<Uint8Array>, web_sys::Blob), String> {
    match beside.zip {
        Some(zip) => Ok((reply, beside.parts, zip)),
        None => Err(unexpected(reply)),
    }
}

/// The engine answered with another reply than the request calls for.
fn unexpected(reply: Reply) -> String {
    format!("the engine answered with something else: {reply:?}").chars().take(200).collect()
}

/// Starts the first worker, which loads the engine module while the user fills in the form.
pub fn warm_up() {
    worker(0);
}

/// Stops the run in progress: every worker is ended, the run's calls (and keys being made ahead)
/// end as cancelled, and any other call under way is sent again to a fresh worker.
pub fn cancel() {
    let places: Vec<usize> = WORKERS.with(|w| w.borrow().keys().copied().collect());
    for place in places {
        retire(place);
    }
    for pending in take_calls(|p| p.run) {
        let _ = pending.answer.send(Err(keygen::CANCELLED.into()));
    }
    for pending in take_calls(|_| true) {
        send(pending);
    }
}

/// How many workers make keys: one per core, within [`POOL_CAP`]; one where they would run on the page.
pub fn pool_size() -> usize {
    if BROKEN.with(Cell::get) {
        return 1;
    }
    keygen::parallelism().min(POOL_CAP)
}

/// Ends the workers that only make keys, freeing their memory; place 0 stays (it signs and checks).
pub fn retire_helpers() {
    for place in 1..POOL_CAP {
        retire(place);
    }
}

/// A key for each of `algorithms` (PKCS#8 DER) from the worker at pool `place`.
pub async fn make_keys_at(place: usize, algorithms: Vec<KeyAlgorithm>) -> Result<Vec<Vec<u8>>, String> {
    let asked = algorithms.len();
    let keys = match call_at(place, &Request::MakeKeys { algorithms }).await? {
        Reply::Keys(keys) => keys,
        other => return Err(unexpected(other)),
    };
    if keys.len() != asked {
        return Err(format!("the engine made {} keys where {asked} were asked for", keys.len()));
    }
    Ok(keys)
}

/// Signs, renders, checks and zips with `keys`, which hold a key for every request; `trace`
/// hears the way to the engine, its stages, the way back and the decoding.
pub async fn generate(project: &SpecFile, requests: &[KeyRequest], keys: &Keys, options: RenderOptions, trace: &mut Trace) -> Result<Output, String> {
    let keys = requests
        .iter()
        .map(|request| keys.get(request).map(|key| key.pkcs8.to_vec()).ok_or_else(|| format!("no key for {}", request.id)))
        .collect::<Result<_, _>>()?;
    let project = project.to_json().map_err(|e| e.to_string())?;
    let request = Request::Generate { project, now: options.now, include_ca_key: options.include_ca_key, keys };
    let (reply, parts, zip) = zip_of(answered_at(0, &request).await?)?;
    if let Reply::Generated { stages, .. } = &reply {
        trace.engine(stages);
    }
    let (bundle, checks) = read_generated(&reply, parts).await?;
    trace.lap("decode");
    Ok(Output { bundle, zip, checks })
}

/// Decodes a generate reply's parts, one per task, so a large bundle never holds the page up long.
pub async fn read_generated(reply: &Reply, parts: Vec<Uint8Array>) -> Result<(Bundle, Report), String> {
    let Reply::Generated { report_parts, .. } = reply else { return Err(unexpected(reply.clone())) };
    let mut report = Report::default();
    let mut bundle = Bundle::default();
    for (i, part) in parts.into_iter().enumerate() {
        platform::next_task().await;
        let bytes = part.to_vec();
        if i < *report_parts {
            decode::<ReportPart>(&bytes).map_err(|e| format!("the engine's report: {e}"))?.add_to(&mut report);
        } else {
            let artifacts: Vec<Artifact> = decode(&bytes).map_err(|e| format!("the engine's bundle: {e}"))?;
            bundle.artifacts.extend(artifacts);
        }
    }
    platform::next_task().await;
    Ok((bundle, report))
}

/// A zip of some artifacts (one machine's files).
pub async fn zip(artifacts: Vec<Artifact>, now: i64) -> Result<web_sys::Blob, String> {
    match zip_of(answered_at(0, &Request::Zip { artifacts, now }).await?)? {
        (Reply::Zip, _, zip) => Ok(zip),
        (other, ..) => Err(unexpected(other)),
    }
}

/// Checks an uploaded bundle zip: the report, and the paths of its files.
pub async fn check_bundle(zip: Vec<u8>, now: i64) -> Result<(Report, Vec<String>), String> {
    match call(&Request::CheckBundle { zip, now }).await? {
        Reply::BundleChecked { report, paths } => Ok((report, paths)),
        other => Err(unexpected(other)),
    }
}

/// A project file (YAML) read by the engine.
pub async fn read_project(text: String) -> Result<SpecFile, FieldError> {
    match call(&Request::ReadProject { text }).await {
        Ok(Reply::Project(read)) => SpecFile::from_json(&read?),
        Ok(other) => Err(FieldError::new("(document)", format!("could not be read: {}", unexpected(other)))),
        Err(e) => Err(FieldError::new("(document)", format!("could not be read: {e}"))),
    }
}

/// A project written as a project file (YAML) by the engine.
pub async fn write_project(file: &SpecFile) -> Result<String, String> {
    let project = file.to_json().map_err(|e| e.to_string())?;
    match call(&Request::WriteProject { project }).await? {
        Reply::ProjectFile(text) => Ok(text),
        other => Err(unexpected(other)),
    }
}

/// A CSR a node made, checked against the project and signed with its CA, or the reasons it was not.
pub async fn sign_csr(file: &SpecFile, csr: String, now: i64) -> Result<studio::SignedCsr, Vec<String>> {
    let project = file.to_json().map_err(|e| vec![e.to_string()])?;
    match call(&Request::SignCsr { project, csr, now }).await {
        Ok(Reply::Signed(signed)) => signed,
        Ok(other) => Err(vec![unexpected(other)]),
        Err(e) => Err(vec![e]),
    }
}

/// A real API server certificate checked against a bundle zip made here.
pub async fn check_apiserver_cert(zip: Vec<u8>, certificate: String, now: i64) -> Result<studio::check::Report, String> {
    match call(&Request::CheckApiserverCert { zip, certificate, now }).await? {
        Reply::Checked(report) => Ok(report),
        other => Err(unexpected(other)),
    }
}

/// The engine's verdict on an imported CA's certificate and key.
pub async fn examine_ca(certificate: &str, key: &str, now: i64) -> CaVerdict {
    let request = Request::ExamineCa { certificate: certificate.to_owned(), key: key.to_owned(), now };
    match call(&request).await {
        Ok(Reply::CaExamined(verdict)) => verdict,
        Ok(other) => Err(FieldError::new("ca.certificate", format!("could not be examined: {}", unexpected(other)))),
        Err(e) => Err(FieldError::new("ca.certificate", format!("could not be examined: {e}"))),
    }
}
