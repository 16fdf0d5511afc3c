// The studio's background worker: loads the engine module and answers the page's calls
// ({id, call, request} -> {id, reply} or {id, error}). See src/background.rs and src/engine.rs.
import init, * as engine from './studio-engine.js';

const calls = new Set(['make_keys', 'generate', 'zip', 'check_bundle', 'examine_ca']);
const ready = init();
// Without the engine this worker is of no use: the page then runs the engine itself.
ready.catch((error) => self.postMessage({ broken: String(error) }));
self.onmessage = async ({ data: { id, call, request } }) => {
  try {
    await ready;
    if (!calls.has(call)) throw new Error(`no engine call ${call}`);
    const reply = engine[call](request);
    const transfer = Object.values(reply).flat().filter((v) => v instanceof Uint8Array).map((v) => v.buffer);
    self.postMessage({ id, reply }, transfer);
  } catch (error) {
    // A trap (a panic aborts) leaves the module unusable: the page then starts a fresh worker.
    self.postMessage({ id, error: String(error), fatal: error instanceof WebAssembly.RuntimeError });
  }
};
