// The studio's background worker: loads the engine module and answers the page's calls. A call is
// {id, request} (a protocol::Request's bytes); the answer {id, reply, parts, zip} (a
// protocol::Reply's bytes, the parts it names, transferred, and the Blob of the zip it names, if
// any) or {id, error} when the engine trapped. See src/protocol.rs and src/background.rs.
import init, { call } from './studio-engine.js';

const ready = init();
// Without the engine this worker is of no use: the page then runs the engine itself.
ready.catch((error) => self.postMessage({ broken: String(error) }));
self.onmessage = async ({ data: { id, request } }) => {
  try {
    await ready;
    const { reply, parts, zip } = call(request);
    self.postMessage({ id, reply, parts, zip }, [reply.buffer, ...parts.map((part) => part.buffer)]);
  } catch (error) {
    // A trap (a panic aborts) leaves the module unusable: the page then starts a fresh worker.
    self.postMessage({ id, error: String(error), fatal: error instanceof WebAssembly.RuntimeError });
  }
};
