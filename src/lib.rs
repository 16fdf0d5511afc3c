//! Worker Studio in the browser: a Yew form (the page's module) and the engine's one entry point
//! (the engine module, `src/bin/studio-engine.rs`, run by the background worker), which talk
//! through `protocol`. Each binary links only
//! what it reaches, so the page's first load stays small.

pub mod app;
pub mod background;
pub mod components;
pub mod engine;
pub mod fields;
pub mod keygen;
pub mod platform;
pub mod protocol;
pub mod state;
pub mod stock;
pub mod timing;

/// Mounts the studio on the page's body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
