//! Worker Studio in the browser: the engine compiled to WebAssembly behind a Yew form.

pub mod app;
pub mod components;
pub mod fields;
pub mod keygen;
pub mod platform;
pub mod state;

/// Mounts the studio on the page's body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
