// Starts the studio. A file of its own (not an inline script), so the page's CSP can forbid inline code.
// The module is compiled here once and kept, so the background worker (worker.js) reuses it instead
// of fetching and compiling the WebAssembly a second time.
import init from './worker-studio-web.js';

const url = new URL('./worker-studio-web_bg.wasm', import.meta.url);
let module;
try {
  module = await WebAssembly.compileStreaming(fetch(url));
  globalThis.studioModule = module;
} catch {
  // A host that does not serve .wasm as application/wasm: load it the plain way; generation then
  // runs on the page instead of in the worker.
  module = url;
}
init({ module_or_path: module });
