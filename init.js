// Starts the studio. A file of its own (not an inline script), so the page's CSP can forbid inline code.
import init from './worker-studio-web.js';

init({ module_or_path: new URL('./worker-studio-web_bg.wasm', import.meta.url) });
