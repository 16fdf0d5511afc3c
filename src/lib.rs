//! Worker Studio in the browser: the engine compiled to WebAssembly behind a Yew form.

pub mod app;
pub mod background;
pub mod components;
pub mod fields;
pub mod keygen;
pub mod platform;
pub mod state;

/// Mounts the studio on the page's body. In the background worker the same module starts
/// without a page, and there is nothing to mount.
pub fn start() {
    if web_sys::window().is_some() {
        yew::Renderer::<app::App>::new().render();
    }
}
