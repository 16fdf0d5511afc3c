//! The engine module: what the background worker (`worker.js`) loads, built by Trunk as a
//! WebAssembly file of its own, so the page's first load carries no key making, signing,
//! rendering, checking or zip code. Its one entry point is `worker_studio_web::engine::call`.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// A `protocol::Request`'s bytes in; out `{reply, parts, zip}`: a `protocol::Reply`'s bytes, the
/// parts it names (buffers the worker transfers to the page), and the Blob of the zip the reply
/// names, if any (written out of the module's memory as it was made).
#[wasm_bindgen]
pub fn call(request: &[u8]) -> Result<Object, JsValue> {
    let answer = worker_studio_web::engine::call(request);
    let out = Object::new();
    Reflect::set(&out, &"reply".into(), &Uint8Array::from(&answer.reply[..]))?;
    let parts: Array = answer.parts.iter().map(|part| Uint8Array::from(&part[..])).collect();
    Reflect::set(&out, &"parts".into(), &parts)?;
    if let Some(zip) = answer.zip {
        Reflect::set(&out, &"zip".into(), &zip)?;
    }
    Ok(out)
}

fn main() {}
