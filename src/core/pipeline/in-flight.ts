/**
 * The requests in the pipeline right now, process-wide, and the last few slow ones that
 * finished: what the event-loop watchdog names when a turn of the loop ran long. Only
 * the operation and the path are kept, never data, so a log line built from them cannot
 * carry a secret. Process-wide because the event loop is: every core in the process
 * shares it.
 */

export interface TrackedRequest {
  operation: string;
  path: string;
  /** performance.now() at the start. */
  start: number;
}

interface Finished extends TrackedRequest {
  end: number;
}

/** Finished requests remembered for the watchdog; older ones are dropped. */
const RECENT_LIMIT = 32;

export class InFlight {
  private readonly active = new Map<number, TrackedRequest>();
  private readonly recent: Finished[] = [];
  private nextId = 1;
  private started = 0;
  /** Finished requests that took at least this long are remembered (the watchdog sets it). */
  slowMs = 100;

  begin(operation: string, path: string): number {
    const id = this.nextId++;
    this.started++;
    this.active.set(id, { operation, path, start: performance.now() });
    return id;
  }

  /** Ends `id`; returns how long it ran, in ms (-1 if unknown), for the request timers. */
  end(id: number): number {
    const r = this.active.get(id);
    if (!r) return -1;
    this.active.delete(id);
    const end = performance.now();
    // A request that blocked the loop took at least as long as the block, so only slow
    // ones can be the culprit of a stall the watchdog notices after they finished.
    if (end - r.start < this.slowMs) return end - r.start;
    if (this.recent.length >= RECENT_LIMIT) this.recent.shift();
    this.recent.push({ ...r, end });
    return end - r.start;
  }

  get size(): number {
    return this.active.size;
  }

  /** Requests started since the process began (for metrics). */
  get total(): number {
    return this.started;
  }

  /** Requests that were in the pipeline at some moment between `from` and `to` (performance.now() times). */
  during(from: number, to: number): TrackedRequest[] {
    const out: TrackedRequest[] = [];
    for (const r of this.recent) if (r.end >= from && r.start <= to) out.push({ operation: r.operation, path: r.path, start: r.start });
    for (const r of this.active.values()) if (r.start <= to) out.push(r);
    return out;
  }
}

/** The process's tracker, fed by the request pipeline. */
export const inFlight = new InFlight();
