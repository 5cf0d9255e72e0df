/**
 * The barrier's write thread, seen from the barrier. Sealing a value (AES-GCM setup is
 * most of its cost) and committing it to the store took about a quarter of a KV write's
 * time on the event loop; a worker thread with its own store connection now does both.
 * One batch is out at a time; writes issued meanwhile form the next one, which travels
 * as one message (plaintexts packed into one transferred buffer) and comes back as one
 * acknowledgement, sent once the worker's store has made it durable. A caller's promise
 * still resolves only after that.
 *
 * Ordering: batches are posted and applied in issue order on one connection, so the
 * store ends at the value the barrier's cache ends at. Until a write is acknowledged the
 * barrier answers reads of its key from its own copy (see AesGcmBarrier.inflight).
 */
import { Worker } from 'node:worker_threads';
import { internalError } from '../../sdk/errors.js';
import type { WriterOpener } from '../../storage/physical.js';
import type { FromWorker, ToWorker, WriterInit } from './write-protocol.js';

interface Batch {
  id: number;
  keys: string[];
  /** null = delete. The Buffers belong to the caller, which keeps them unchanged until settled. */
  values: (Buffer | null)[];
  size: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const WORKER_URL = new URL('./write-worker.js', import.meta.url);

export class WriteBehind {
  private readonly worker: Worker;
  private batch: Batch | null = null;
  private readonly posted = new Map<number, Batch>();
  private nextId = 1;
  /** Set once the thread is gone or closing; later submits fail with it. */
  private dead: Error | null = null;
  /** A previous writer still closing: nothing is posted before its commits are done. */
  private gate: Promise<void> | null;
  readonly closed: Promise<void>;
  private markClosed: () => void = () => undefined;

  constructor(opener: WriterOpener, term: number, key: Buffer, after: Promise<void>, onDead: (w: WriteBehind) => void) {
    const init: WriterInit = { opener };
    this.worker = new Worker(WORKER_URL, { workerData: init });
    // Never keeps the process alive by itself; shutdown closes it explicitly.
    this.worker.unref();
    this.closed = new Promise((r) => (this.markClosed = r));
    this.gate = after;
    void after.then(() => {
      this.gate = null;
      if (this.batch !== null) this.flush();
    });
    this.setKey(term, key);
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    const fail = (e: Error): void => {
      if (this.dead === null) onDead(this);
      this.failAll(e);
      this.markClosed();
    };
    this.worker.on('error', (e) => fail(internalError('barrier write thread failed', e)));
    this.worker.on('exit', () => fail(internalError('barrier write thread exited')));
  }

  /** Sends the active key term; the copy handed over is zeroed by the worker. */
  setKey(term: number, key: Buffer): void {
    const copy = new Uint8Array(key.length);
    copy.set(key);
    this.post({ type: 'key', term, key: copy.buffer });
  }

  /**
   * Queues puts (`values[i]`) and deletes (null) into one batch, which the thread commits
   * as one store transaction, so they apply all together or not at all; resolves once durable.
   */
  submitAll(keys: string[], values: (Buffer | null)[]): Promise<void> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const b = this.batch ?? this.startBatch();
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]!;
      b.keys.push(keys[i]!);
      b.values.push(value);
      if (value !== null) b.size += value.length;
    }
    return b.promise;
  }

  /** Settles when everything submitted so far has been acknowledged (or has failed). */
  idle(): Promise<void> {
    const all = [...this.posted.values()];
    if (this.batch !== null) all.push(this.batch);
    return Promise.all(all.map((b) => b.promise.catch(() => undefined))).then(() => undefined);
  }

  /** Posts what is queued, then asks the thread to sync, zero its key and end. */
  close(): Promise<void> {
    if (this.dead !== null) return this.closed;
    this.dead = internalError('barrier write thread is closed');
    const finish = (): void => {
      if (this.batch !== null) this.post(this.pack(this.batch));
      this.post({ type: 'close' });
    };
    if (this.gate === null) finish();
    else void this.gate.then(finish);
    return this.closed;
  }

  private startBatch(): Batch {
    let resolve = (): void => undefined;
    let reject = (_: unknown): void => undefined;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Rejections are delivered to the callers; this keeps an unobserved one from crashing.
    promise.catch(() => undefined);
    const b: Batch = { id: this.nextId++, keys: [], values: [], size: 0, promise, resolve, reject };
    this.batch = b;
    setImmediate(() => this.flush());
    return b;
  }

  /**
   * Posts the queued batch unless one is still unacknowledged: then it keeps growing and
   * goes when the ack arrives. A message each way costs the event loop more than sealing
   * one value, so under load each message must carry many writes.
   */
  private flush(): void {
    const b = this.batch;
    if (b === null || this.gate !== null || this.dead !== null || this.posted.size > 0) return;
    this.post(this.pack(b));
  }

  /** The batch as a message: plaintexts packed into one buffer that is transferred, not copied. */
  private pack(b: Batch): ToWorker {
    this.batch = null;
    this.posted.set(b.id, b);
    const data = new Uint8Array(b.size);
    const lengths = new Array<number>(b.values.length);
    let off = 0;
    for (let i = 0; i < b.values.length; i++) {
      const v = b.values[i]!;
      if (v === null) {
        lengths[i] = -1;
        continue;
      }
      data.set(v, off);
      off += v.length;
      lengths[i] = v.length;
    }
    return { type: 'batch', id: b.id, keys: b.keys, lengths, data: data.buffer };
  }

  /** Posts `m`, moving (not copying) the buffer it carries: key bytes or a batch's plaintexts. */
  private post(m: ToWorker): void {
    this.worker.postMessage(m, m.type === 'key' ? [m.key] : m.type === 'batch' ? [m.data] : []);
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ack') {
      const b = this.posted.get(m.id);
      if (b === undefined) return;
      this.posted.delete(m.id);
      this.flush();
      if (m.error === null) b.resolve();
      else b.reject(internalError(`storage write failed: ${m.error}`));
    } else if (m.type === 'closed') {
      this.failAll(internalError('barrier write thread closed before acknowledging a write'));
      this.markClosed();
    }
  }

  private failAll(e: Error): void {
    if (this.dead === null) this.dead = e;
    const pending = [...this.posted.values()];
    if (this.batch !== null) pending.push(this.batch);
    this.posted.clear();
    this.batch = null;
    for (const b of pending) b.reject(e);
  }
}
