//! The few browser services the app uses: clock, local storage, downloads and the clipboard.

use wasm_bindgen::{JsCast, JsValue};

fn performance() -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap_or_default()
}

fn number(object: &JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(object, &key.into()).ok()?.as_f64()
}

/// Milliseconds since the epoch, to a fraction of one: `performance.timeOrigin + performance.now()`,
/// so a time taken in a worker compares with one taken on the page.
pub fn clock() -> f64 {
    let performance = performance();
    let now = js_sys::Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|now| now.dyn_into::<js_sys::Function>().ok())
        .and_then(|now| now.call0(&performance).ok())
        .and_then(|t| t.as_f64());
    match (number(&performance, "timeOrigin"), now) {
        (Some(origin), Some(now)) => origin + now,
        _ => js_sys::Date::now(),
    }
}

/// Leaves a User Timing measure `name` from `start` to `end` ([`clock`] times) for DevTools'
/// performance panel and the benchmark; where the browser has none, nothing.
pub fn measure(name: &str, start: f64, end: f64) {
    let performance = performance();
    let Some(origin) = number(&performance, "timeOrigin") else { return };
    let Some(measure) = js_sys::Reflect::get(&performance, &"measure".into()).ok().and_then(|m| m.dyn_into::<js_sys::Function>().ok()) else {
        return;
    };
    if let Ok(span) = object(&[("start", &(start - origin).into()), ("end", &(end - origin).into())]) {
        let _ = measure.call2(&performance, &name.into(), &span);
    }
}

/// Unix seconds from the browser clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Keeps `value` in local storage; says why when the browser refuses (storage off, or full).
pub fn save(key: &str, value: &str) -> Result<(), String> {
    let storage = storage().ok_or("this browser gives the page no local storage")?;
    storage.set_item(key, value).map_err(|_| "the browser refused to store it (storage full or disabled)".to_owned())
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| "cannot make a blob")?;
    download_blob(name, &blob)
}

/// Offers `blob` as a file download named `name`, without copying it.
pub fn download_blob(name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(|_| "cannot make a URL")?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|_| "cannot make a link")?.dyn_into().map_err(|_| "not a link")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The bytes of `blob` (for the rare call that hands a zip back to the engine).
pub async fn blob_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer()).await.map_err(|_| "the zip could not be read back")?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Puts `text` on the clipboard (asynchronously; failures are ignored, the preview stays selectable).
pub fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Moves keyboard focus to the element with `id` (used by the error summary's links).
pub fn focus(id: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// Reads the first file of a file input or a drop as text, then hands it to `done`.
pub fn read_first_file(files: Option<web_sys::FileList>, done: impl FnOnce(String) + 'static) {
    let Some(file) = files.and_then(|list| list.get(0)) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            if let Some(text) = text.as_string() {
                done(text);
            }
        }
    });
}

/// Reads the first file of a file input as bytes, then hands them to `done`.
pub fn read_first_file_bytes(files: Option<web_sys::FileList>, done: impl FnOnce(Vec<u8>) + 'static) {
    let Some(file) = files.and_then(|list| list.get(0)) else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            done(js_sys::Uint8Array::new(&buffer).to_vec());
        }
    });
}

/// Lets the browser run other tasks (input, painting) before going on: a task of its own after a
/// zero timeout.
pub async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().map(|w| w.set_timeout_with_callback(&resolve));
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits for the browser's next animation frame (where there is none, for the next task).
pub async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().map(|w| w.request_animation_frame(&resolve));
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A plain JS object of these entries (WebCrypto's parameters, the worker's messages).
pub fn object(entries: &[(&str, &wasm_bindgen::JsValue)]) -> Result<js_sys::Object, String> {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        js_sys::Reflect::set(&object, &(*key).into(), value).map_err(|_| format!("{key} could not be set"))?;
    }
    Ok(object)
}
