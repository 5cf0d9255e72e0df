/**
 * Worker-thread entry for parse-off-loop.ts: parses one policy document per message and
 * answers with the parsed policy or the error a client should see. The HCL parser is Go
 * compiled to JavaScript and spends a few microseconds per byte, so a large document
 * would hold the server's event loop for seconds; here it holds only this thread.
 */
import { parentPort } from 'node:worker_threads';
import { WardError } from '../../sdk/errors.js';
import type { ParseJob, ParseReply } from './parse-off-loop.js';
import { parsePolicy } from './parse.js';

const port = parentPort;
if (port) {
  port.on('message', (job: ParseJob) => {
    let reply: ParseReply;
    try {
      reply = { id: job.id, policy: parsePolicy(job.name, job.text) };
    } catch (e) {
      reply = WardError.is(e) ? { id: job.id, error: { client: true, messages: e.messages } } : { id: job.id, error: { client: false, messages: [String(e)] } };
    }
    port.postMessage(reply);
  });
}
