/**
 * A PhysicalBackend in process memory: for `server -dev` and tests. Nothing survives a
 * restart. Buffers are copied on the way in and out so no caller can alias stored bytes.
 */
import { compareUtf8 } from '../../lib/key-order.js';
import type { ChangeFeed, HaBackend, PhysicalBackend, TxOp } from '../physical.js';
import { inmemFeed } from './inmem-changes.js';
import { inmemHa, type Fence, type InmemHaEngine } from './inmem-ha.js';

/** Entries per batch yielded by {@link InmemPhysical.scan}. */
const SCAN_BATCH = 500;

/** In-memory physical store. Every operation applies synchronously, so all are atomic. */
export class InmemPhysical implements PhysicalBackend {
  readonly name = 'inmem';
  readonly ha?: HaBackend;
  readonly changes?: ChangeFeed;
  private readonly map: Map<string, Buffer>;
  private readonly engine: InmemHaEngine | null;
  /** The holding this store's writes are conditioned on, once it first acquired a lock. */
  private fence: Fence | null = null;
  private closed = false;
  private lastWrite = 0;

  constructor(engine: InmemHaEngine | null = null) {
    this.engine = engine;
    this.map = engine?.data ?? new Map();
    if (engine !== null) {
      this.ha = inmemHa(engine, this, (f) => (this.fence = f));
      this.changes = inmemFeed(engine.changes, () => this.lastWrite);
    }
  }

  /** A store on a shared in-process HA engine: one per simulated node. */
  static shared(engine: InmemHaEngine): InmemPhysical {
    return new InmemPhysical(engine);
  }

  async get(key: string): Promise<Buffer | null> {
    this.checkOpen();
    const v = this.map.get(key);
    return v === undefined ? null : Buffer.from(v);
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.checkWrite();
    this.map.set(key, Buffer.from(value));
    this.committed([key]);
  }

  async delete(key: string): Promise<void> {
    this.checkWrite();
    this.map.delete(key);
    this.committed([key]);
  }

  async list(prefix: string): Promise<string[]> {
    this.checkOpen();
    const seen = new Set<string>();
    for (const k of this.map.keys()) {
      if (k.length <= prefix.length || !k.startsWith(prefix)) continue;
      const slash = k.indexOf('/', prefix.length);
      seen.add(slash === -1 ? k.slice(prefix.length) : k.slice(prefix.length, slash + 1));
    }
    return [...seen].sort(compareKeys);
  }

  async transaction(ops: TxOp[]): Promise<void> {
    this.checkWrite();
    // Copy every value before touching the map so a bad op leaves nothing half-applied.
    const staged = ops.map((op) => (op.op === 'put' ? { ...op, value: Buffer.from(op.value) } : op));
    for (const op of staged) {
      if (op.op === 'put') this.map.set(op.key, op.value);
      else this.map.delete(op.key);
    }
    if (staged.length > 0) this.committed([...new Set(staged.map((op) => op.key))]);
  }

  /** On a shared engine: numbers the write in the engine's change stream. */
  private committed(keys: string[]): void {
    if (this.engine !== null) this.lastWrite = this.engine.changes.record(keys);
  }

  /**
   * The point in time is a copy of the map's entries (references only: stored Buffers are
   * never mutated, a write replaces them), taken at the first `next()`.
   */
  async *scan(): AsyncGenerator<Array<{ key: string; value: Buffer }>> {
    this.checkOpen();
    const entries = [...this.map].sort((a, b) => compareUtf8(a[0], b[0]));
    for (let i = 0; i < entries.length; i += SCAN_BATCH) {
      yield entries.slice(i, i + SCAN_BATCH).map(([key, value]) => ({ key, value: Buffer.from(value) }));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // As a closed etcd session or PostgreSQL connection: the node's locks go with it.
    this.engine?.releaseAll(this);
  }

  /** Open, and (on a shared engine) still holding the lock it is fenced by. */
  private checkWrite(): void {
    this.checkOpen();
    this.engine?.checkFence(this.fence);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('inmem storage is closed');
  }
}

/**
 * Code-unit order (JS default sort). Every store sorts the same way so list output does not
 * depend on the backend; SQLite's byte order differs only for astral characters vs U+E000..FFFF.
 */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
