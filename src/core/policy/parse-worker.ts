/**
 * Worker-thread entry for parse-off-loop.ts: parses one policy document per message and
 * answers with the parsed policy or the error a client should see. The HCL parser is Go
 * compiled to JavaScript and spends a few microseconds per byte, so a large document
 * would hold the server's event loop for seconds; here it holds only this thread.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { WardError } from '../../sdk/errors.js';
import type { ParseJob, ParseReply } from './parse-off-loop.js';
import { parsePolicy } from './parse.js';

/** How much nicer than the thread that started it this thread runs (Linux nice steps). */
export const PARSER_NICE_STEP = 10;

/**
 * Lowers this thread's priority (Linux: /proc/thread-self names the thread, and
 * setpriority on a thread id applies to that thread only). Elsewhere, or when not
 * allowed, the parser keeps the normal priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    // A new thread starts with its creator's nice value; 19 is the lowest priority.
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + PARSER_NICE_STEP));
  } catch {
    // Not Linux, or not permitted: no harm done.
  }
}

const port = parentPort;
if (port) {
  lowerPriority();
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
