/**
 * The untrusted physical store. It only ever sees ciphertext (the barrier encrypts above
 * it) plus a few plaintext bootstrap records (seal config, the sealed root key). Every
 * implementation passes the shared conformance suite in storage/conformance.ts.
 */
export interface PhysicalBackend {
  readonly name: string;
  get(key: string): Promise<Buffer | null>;
  /** Resolves only once the write is durable (group-committed for SQLite). */
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** Immediate children of `prefix`: leaf names and folder names ending in "/", sorted. */
  list(prefix: string): Promise<string[]>;
  /** Applies all operations atomically and durably. */
  transaction(ops: TxOp[]): Promise<void>;
  close(): Promise<void>;
  /**
   * Present on stores a worker thread can open a second connection to (SQLite on a
   * file): the barrier then seals and commits its writes there, off the event loop.
   */
  readonly writerOpener?: WriterOpener;
  /** Present on stores that can elect an active node (etcd, PostgreSQL; later). */
  readonly ha?: HaBackend;
}

/** How a worker thread opens its own connection: `(await import(module))[exportName](...args)`. */
export interface WriterOpener {
  module: string;
  exportName: string;
  args: unknown[];
}

export type TxOp = { op: 'put'; key: string; value: Buffer } | { op: 'delete'; key: string };

/** Room for active/standby on a distributed store; no implementation yet. */
export interface HaBackend {
  lock(key: string, value: string): HaLock;
}

export interface HaLock {
  /** Resolves when held; the returned promise-like `lost` settles when leadership is lost. */
  acquire(signal: AbortSignal): Promise<{ lost: Promise<void> }>;
  release(): Promise<void>;
  /** Current holder's value (the active node's api_addr), or null. */
  value(): Promise<string | null>;
}
