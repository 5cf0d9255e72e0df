/**
 * The in-memory HA engine's change stream (physical.ts `ChangeFeed`), for in-process
 * performance-standby tests: every write of an attached store is numbered and handed to
 * the subscribers. Test hooks hold delivery back (a slow stream) or break it (a lost one).
 */
import type { ChangeEvent, ChangeFeed, ChangeHandler, ChangeSubscription } from '../physical.js';

/** Past events kept for subscriptions that start from an earlier index. */
const HISTORY = 10_000;

interface Sub {
  handler: ChangeHandler;
  /** Events queued until the replay of history has been delivered; null once live. */
  pending: ChangeEvent[] | null;
}

export class InmemChangeLog {
  private index = 0;
  private readonly history: ChangeEvent[] = [];
  private readonly subs = new Set<Sub>();
  /** While held (test hook), events wait here instead of reaching subscribers. */
  private held: ChangeEvent[] | null = null;
  private down = false;

  /** Numbers a committed write and delivers it; returns its index. */
  record(keys: string[]): number {
    const e: ChangeEvent = { index: ++this.index, keys: [...keys] };
    this.history.push(e);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    if (this.held !== null) this.held.push(e);
    else this.deliver(e);
    return e.index;
  }

  current(): number {
    return this.index;
  }

  subscribe(from: number, handler: ChangeHandler): ChangeSubscription {
    if (this.down) {
      queueMicrotask(() => call(() => handler.lost('change stream unavailable (test)')));
      return { ready: Promise.resolve(from), close: async () => undefined };
    }
    const oldest = this.history[0]?.index ?? this.index + 1;
    const sub: Sub = { handler, pending: this.history.filter((e) => e.index > from && (this.held === null || !this.held.includes(e))) };
    this.subs.add(sub);
    const truncated = from + 1 < oldest && from < this.index;
    queueMicrotask(() => {
      if (!this.subs.has(sub)) return;
      if (truncated) return this.lose(sub, 'change history no longer reaches the requested index');
      const replay = sub.pending ?? [];
      sub.pending = null;
      for (const e of replay) if (this.subs.has(sub)) call(() => handler.event(e));
    });
    return {
      ready: Promise.resolve(from),
      close: async () => {
        this.subs.delete(sub);
      },
    };
  }

  /** Test hook: events stop reaching subscribers until {@link release}. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const e of held) this.deliver(e);
  }

  /** Test hook: while down, every subscription is lost and new ones are lost at once (an unreachable engine). */
  setDown(down: boolean): void {
    this.down = down;
    if (down) this.breakAll();
  }

  /** Test hook: every subscription is lost (as a dropped connection whose history was compacted). */
  breakAll(): void {
    for (const sub of [...this.subs]) this.lose(sub, 'change stream broken (test)');
  }

  private lose(sub: Sub, reason: string): void {
    this.subs.delete(sub);
    call(() => sub.handler.lost(reason));
  }

  private deliver(e: ChangeEvent): void {
    for (const sub of [...this.subs]) {
      if (sub.pending !== null) sub.pending.push(e);
      else call(() => sub.handler.event(e));
    }
  }
}

/** A subscriber's failure is its own; it must not fail the writer that triggered it. */
function call(fn: () => void): void {
  try {
    fn();
  } catch {
    // The subscriber handles its own errors; nothing for the engine to do.
  }
}

/** One attached store's view of the log: its own last acknowledged write. */
export function inmemFeed(log: InmemChangeLog, lastWrite: () => number): ChangeFeed {
  return {
    replays: true,
    lastWriteIndex: lastWrite,
    currentIndex: async () => log.current(),
    subscribe: (from, handler) => log.subscribe(from, handler),
  };
}
