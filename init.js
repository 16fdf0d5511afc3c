// Starts the studio. A file of its own (not an inline script), so the page's CSP can forbid inline code.
// The page's module holds only the form; the engine (keys, signing, rendering, checks, zip) is a
// second module that the background worker (worker.js) loads once the page is up. Where no worker
// can start, the page loads the engine itself through loadStudioEngine.
import init from './worker-studio-web.js';

globalThis.loadStudioEngine = async () => {
  const engine = await import('./studio-engine.js');
  await engine.default();
  return engine;
};
init();
