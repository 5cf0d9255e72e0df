/**
 * The group-commit shell every audit device shares: everything written during one turn
 * of the event loop (and while the previous write is in flight) goes to the sink in one
 * call, and every caller in that batch shares its outcome. A write promise resolves only
 * once its batch reached the target, so the broker's fail-closed rule still holds.
 * Devices are structurally core/audit's AuditDevice; devices may not import core, so the
 * shape is restated here.
 */

export interface DeviceStats {
  /** Sink writes issued (the file sink counts a partial write that needs a second call twice). */
  writes: number;
  /** Lines accepted. */
  lines: number;
}

export interface BatchedAuditDevice<T extends string> {
  readonly type: T;
  write(line: string): Promise<void>;
  reopen(): Promise<void>;
  close(): Promise<void>;
  /** Counters for tests and metrics. */
  readonly stats: Readonly<DeviceStats>;
}

/** Where batches go. The shell runs every call on one chain, so they never overlap. */
export interface Sink {
  /** Lines with prefix and newline, in order; resolves once they reached the target. */
  write(lines: readonly string[]): Promise<void>;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

interface Batch {
  lines: string[];
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every caller awaits `promise`; this only keeps an unobserved failure from crashing.
  promise.catch(() => undefined);
  return { lines: [], promise, resolve, reject };
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class BatchingDevice<T extends string> implements BatchedAuditDevice<T> {
  private pending: Batch | null = null;
  /** A batch write is on the chain; the next batch waits so it can keep growing. */
  private writing = false;
  private closed = false;
  /** Every sink operation runs on this chain, so writes, reopen and close never overlap. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly type: T,
    private readonly sink: Sink,
    private readonly prefix: string,
    readonly stats: DeviceStats,
  ) {}

  write(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit device is closed'));
    let b = this.pending;
    if (b === null) {
      b = this.pending = newBatch();
      if (!this.writing) setImmediate(() => this.flush());
    }
    b.lines.push(this.prefix + line + '\n');
    this.stats.lines++;
    return b.promise;
  }

  private run(op: () => Promise<void>): Promise<void> {
    const p = this.tail.then(op);
    this.tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** Hands the pending batch to the sink. */
  private flush(): void {
    const b = this.pending;
    if (b === null || this.writing) return;
    this.pending = null;
    this.writing = true;
    void this.run(() => this.sink.write(b.lines)).then(
      () => this.settle(b, null),
      (e: unknown) => this.settle(b, asError(e)),
    );
  }

  private settle(b: Batch, err: Error | null): void {
    this.writing = false;
    // Lines that arrived during the write form the next batch.
    if (this.pending !== null) setImmediate(() => this.flush());
    if (err) b.reject(err);
    else b.resolve();
  }

  /** Resolves once nothing is pending or being written. */
  private async drain(): Promise<void> {
    while (this.writing || this.pending !== null) {
      if (!this.writing) this.flush();
      await this.tail;
      // settle() runs in a reaction queued behind the chain; let it land.
      await Promise.resolve();
    }
  }

  async reopen(): Promise<void> {
    if (this.closed) throw new Error('audit device is closed');
    await this.drain();
    await this.run(() => this.sink.reopen());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    await this.run(() => this.sink.close());
  }
}
