/**
 * Policy parsing that keeps the event loop free. Small documents (nearly every policy)
 * parse inline; larger ones go to one lazily started worker thread, which parses them
 * one at a time in arrival order. The worker is unreferenced while idle, so it never
 * keeps the process alive, and replaced if it dies.
 */
import { Worker } from 'node:worker_threads';
import { badRequest, internalError, WardError } from '../../sdk/errors.js';
import { parsePolicy, type Policy } from './parse.js';

/**
 * Up to this many UTF-16 units parse inline: about 10 ms with the HCL parser when warm,
 * while a round trip to the worker costs a fraction of a millisecond plus a copy.
 */
export const INLINE_PARSE_CHARS = 4096;

/** The worker's heap bound: a document that needs more is refused, not the server. */
const WORKER_HEAP_MB = 512;

export interface ParseJob {
  id: number;
  name: string;
  text: string;
}

export type ParseReply = { id: number; policy: Policy } | { id: number; error: { client: boolean; messages: string[] } };

interface Waiter {
  resolve(p: Policy): void;
  reject(e: unknown): void;
}

class ParseWorker {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiter>();
  private nextId = 1;

  parse(name: string, text: string): Promise<Policy> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Policy>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) w.ref();
      w.postMessage({ id, name, text } satisfies ParseJob);
    });
  }

  /** Jobs posted and not yet answered (for metrics and tests). */
  get pending(): number {
    return this.waiting.size;
  }

  private start(): Worker {
    const w = new Worker(new URL('./parse-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    w.unref();
    w.on('message', (reply: ParseReply) => this.answer(reply));
    w.on('error', (e: Error & { code?: string }) => this.fail(w, e));
    w.on('exit', (code) => this.fail(w, new Error(`policy parser exited with code ${code}`)));
    this.worker = w;
    return w;
  }

  private answer(reply: ParseReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if ('policy' in reply) waiter.resolve(reply.policy);
    else if (reply.error.client) waiter.reject(new WardError('invalid_request', reply.error.messages));
    else waiter.reject(internalError('failed to parse policy', new Error(reply.error.messages.join('; '))));
  }

  /** The worker died: every job it held fails, and the next parse starts a fresh one. */
  private fail(w: Worker, e: Error & { code?: string }): void {
    if (this.worker !== w) return;
    this.worker = null;
    const outOfMemory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
    for (const waiter of this.waiting.values()) {
      waiter.reject(outOfMemory ? badRequest('failed to parse policy: the document needs more memory than the parser may use') : internalError('failed to parse policy', e));
    }
    this.waiting.clear();
    void w.terminate();
  }
}

let shared: ParseWorker | null = null;

/** Documents posted to the parser thread and not yet answered (for sys/metrics). */
export function policyParseQueue(): number {
  return shared?.pending ?? 0;
}

/** Parses like parsePolicy, off the event loop when the document is large. */
export function parsePolicyOffLoop(name: string, text: string): Promise<Policy> {
  if (text.length <= INLINE_PARSE_CHARS) {
    try {
      return Promise.resolve(parsePolicy(name, text));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  shared ??= new ParseWorker();
  return shared.parse(name, text);
}
