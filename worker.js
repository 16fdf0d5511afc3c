// The studio's background worker: the page's own module (compiled once, sent by the page) signs,
// renders, checks and zips off the main thread. See src/background.rs.
import init, { generate_in_background } from './worker-studio-web.js';

let ready;
self.onmessage = async ({ data }) => {
  if (data.module) {
    ready = init({ module_or_path: data.module });
    return;
  }
  try {
    await ready;
    const reply = generate_in_background(data);
    self.postMessage(reply, [reply.zip.buffer, reply.result.buffer]);
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
