//! The engine module: what the background worker (`worker.js`) loads, built by Trunk as a
//! WebAssembly file of its own, so the page's first load carries no key making, signing,
//! rendering, checking or zip code. Its one entry point is `worker_studio_web::engine::call`.

use wasm_bindgen::prelude::*;

/// A `protocol::Request`'s bytes in, a `protocol::Reply`'s bytes out.
#[wasm_bindgen]
pub fn call(request: &[u8]) -> Vec<u8> {
    worker_studio_web::engine::call(request)
}

fn main() {}
