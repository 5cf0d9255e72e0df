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
  /**
   * Every entry, as of one point in time (a snapshot, not a walk that sees later writes),
   * in batches so a large store never sits in memory at once. Used by `ward operator
   * migrate` and `sys/storage/snapshot`.
   *
   * Order: ascending UTF-8 byte order of the keys (what SQLite, etcd and PostgreSQL's
   * `COLLATE "C"` give natively; see lib/key-order.ts), the same for every store, so
   * a checksum over two stores' scans compares them. The point in time is fixed by the
   * first `next()`; writes acknowledged before it are included. Yielded values are the
   * caller's to keep. Stopping early (break) ends the scan and frees what it held.
   */
  scan(): AsyncIterable<Array<{ key: string; value: Buffer }>>;
  /** Present on stores that can elect an active node (etcd, PostgreSQL) when `ha_enabled`. */
  readonly ha?: HaBackend;
  /**
   * Present on shared stores that can report committed changes (etcd watch, PostgreSQL
   * LISTEN/NOTIFY, the in-memory HA engine): what keeps a performance standby's caches
   * coherent with the active node's writes.
   */
  readonly changes?: ChangeFeed;
}

/** The keys one committed write (put, delete or transaction) touched, and its index. */
export interface ChangeEvent {
  /** Monotonically increasing in commit order across every writer of the store (etcd revision, a PostgreSQL sequence). */
  index: number;
  keys: string[];
}

/**
 * The engine's stream of committed changes. Contract:
 * - Indexes grow with commit order; a write acknowledged to its caller has an index no
 *   greater than {@link lastWriteIndex} on that store from then on, and no greater than
 *   any later {@link currentIndex} on any store of the engine.
 * - `subscribe(from)` delivers, in index order and each once (keys of one transaction in
 *   one event), every change with index > the subscription's `ready` index. Where the
 *   engine keeps history (`replays`: etcd, the in-memory engine) `ready` is `from` itself;
 *   where it does not (PostgreSQL's NOTIFY) it is the index when listening began, and the
 *   changes between `from` and it are not delivered: a consumer then reloads what it holds
 *   after `ready`. Indexes may skip (writes outside this store's keys count too), so a
 *   consumer tracks "applied up to", not "next expected".
 * - When the stream cannot promise that (history compacted, a reconnect that could not
 *   resume, the subscription's buffer overflowed) it calls `lost` once and delivers nothing
 *   more: the consumer must assume anything changed, reload, and subscribe again from an
 *   index it read before reloading.
 * - `progress` (optional) reports that every change up to an index has been delivered,
 *   even when none of them touched this store's keys.
 * - `stalled` (optional) says the connection to the engine dropped: delivery resumes after
 *   reconnecting, from the change after the last one delivered, but until then changes may
 *   be happening unseen. A consumer that must never serve stale data treats it as `lost`.
 */
export interface ChangeFeed {
  /** Whether a subscription from an earlier index replays the changes since (see `ready`). */
  readonly replays: boolean;
  /** The highest index of a write this store has had acknowledged; 0 before any. */
  lastWriteIndex(): number;
  /** The engine's index now: every change committed so far has an index <= it. */
  currentIndex(): Promise<number>;
  subscribe(from: number, handler: ChangeHandler): ChangeSubscription;
}

export interface ChangeHandler {
  event(e: ChangeEvent): void;
  lost(reason: string): void;
  progress?(index: number): void;
  stalled?(reason: string): void;
}

export interface ChangeSubscription {
  /** The index after which every change is delivered (see above); rejects when listening failed. */
  readonly ready: Promise<number>;
  /** Stops delivery (no `lost` follows); idempotent. */
  close(): Promise<void>;
}

/** How a worker thread opens its own connection: `(await import(module))[exportName](...args)`. */
export interface WriterOpener {
  module: string;
  exportName: string;
  args: unknown[];
}

export type TxOp = { op: 'put'; key: string; value: Buffer } | { op: 'delete'; key: string };

/**
 * Leader election in the storage engine (`ha_enabled`). Ward never runs its own consensus:
 * the engine's lock (an etcd lease-bound key, a PostgreSQL row with `valid_until`) decides
 * which node is active.
 */
export interface HaBackend {
  /** A lock on `key` (Vault's is `core/lock`) that this node would hold with `value` (its identity/address). */
  lock(key: string, value: string): HaLock;
}

export interface HaLock {
  /**
   * Resolves once this node holds the lock (retrying while another holds it or the engine
   * is unreachable); rejects with an AbortError when `signal` aborts first.
   *
   * Fencing: from the moment the lock is held, every put, delete and transaction through
   * the PhysicalBackend this lock came from is conditioned, in the engine itself, on this
   * holding still being current (etcd: a transaction comparing the lock key's revision;
   * PostgreSQL: the write's transaction checks the lock row's identity and valid_until).
   * A write made after the holding ended (lost or released) is refused with
   * {@link LockLostError} and changes nothing, so a paused or partitioned old active can
   * never overwrite the new active's data. Writes before the first acquire are unfenced
   * (initialisation happens before any node is active).
   */
  acquire(signal: AbortSignal): Promise<HeldLock>;
  /** The current holder's value (the active node's address), or null when nobody holds it. */
  value(): Promise<string | null>;
}

export interface HeldLock {
  /** Settles (never rejects) when the holding ends for any reason other than release(). */
  readonly lost: Promise<void>;
  /** Gives the lock up at once (step-down, shutdown); idempotent. */
  release(): Promise<void>;
}

/** A write refused because the writer no longer holds the HA lock it was fenced by. */
export class LockLostError extends Error {
  readonly code = 'ha_lock_lost';
  constructor(message = 'this node no longer holds the HA lock; write refused') {
    super(message);
    this.name = 'LockLostError';
  }
}
