//! The engine module: what the background worker (`worker.js`) loads, built by Trunk as a
//! WebAssembly file of its own, so the page's first load carries no key making, signing,
//! rendering, checking or zip code. See `worker_studio_web::engine` for each entry point.

use wasm_bindgen::prelude::*;
use worker_studio_web::engine;

#[wasm_bindgen]
pub fn make_keys(request: JsValue) -> Result<JsValue, JsValue> {
    engine::make_keys(request)
}

#[wasm_bindgen]
pub fn generate(request: JsValue) -> Result<JsValue, JsValue> {
    engine::generate(request)
}

#[wasm_bindgen]
pub fn zip(request: JsValue) -> Result<JsValue, JsValue> {
    engine::zip(request)
}

#[wasm_bindgen]
pub fn check_bundle(request: JsValue) -> Result<JsValue, JsValue> {
    engine::check_bundle(request)
}

#[wasm_bindgen]
pub fn examine_ca(request: JsValue) -> Result<JsValue, JsValue> {
    engine::examine_ca(request)
}

fn main() {}
