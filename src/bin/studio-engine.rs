//! The engine module: what the background worker (`worker.js`) loads, built by Trunk as a
//! WebAssembly file of its own, so the page's first load carries no key making, signing,
//! rendering, checking or zip code. Its one entry point is `worker_studio_web::engine::call`.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// A `protocol::Request`'s bytes in; out `{reply, parts, zip}`: a `protocol::Reply`'s bytes, the
/// parts it names (buffers the worker transfers to the page), and a Blob when the reply names a zip
/// (copied once out of the module's memory, which then frees it).
#[wasm_bindgen]
pub fn call(request: &[u8]) -> Result<Object, JsValue> {
    let answer = worker_studio_web::engine::call(request);
    let out = Object::new();
    Reflect::set(&out, &"reply".into(), &Uint8Array::from(&answer.reply[..]))?;
    let parts: Array = answer.parts.iter().map(|part| Uint8Array::from(&part[..])).collect();
    Reflect::set(&out, &"parts".into(), &parts)?;
    if let Some(zip) = answer.zip {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/zip");
        // SAFETY: the view is read by the Blob constructor at once, before anything can allocate.
        let view = unsafe { Uint8Array::view(&zip) };
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&Array::of1(&view), &options)?;
        Reflect::set(&out, &"zip".into(), &blob)?;
    }
    Ok(out)
}

fn main() {}
