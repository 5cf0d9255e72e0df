/**
 * What service registration advertises about this node, and where it comes from. The core
 * has no state-change events today, so `PollingStateSource` asks a probe once a second
 * (two in-memory reads once initialised) and reports differences; `refresh()` lets a caller
 * that knows the state just changed skip the wait. When the core grows events (HA
 * active/standby), it can call `refresh()` from them, or replace this with a pushing source.
 */
import { realTimers, type Timers } from './latest-wins.js';

export interface NodeState {
  initialized: boolean;
  sealed: boolean;
  /** Holds the HA lock (or, without HA, is simply unsealed). */
  active: boolean;
  performanceStandby: boolean;
}

export interface NodeStateSource {
  current(): NodeState;
  /** Calls `cb` with every new state; returns the unsubscribe function. */
  onChange(cb: (s: NodeState) => void): () => void;
}

/** The parts of the core a probe needs (WardCore has them). */
export interface CoreLike {
  isSealed(): boolean;
  isInitialized(): Promise<boolean>;
  /** Present once the core knows about HA; absent means "active whenever unsealed". */
  isActive?(): boolean;
  isPerformanceStandby?(): boolean;
}

/** The node's state as the core sees it now. */
export function coreProbe(core: CoreLike): () => Promise<NodeState> {
  return async () => {
    const sealed = core.isSealed();
    const initialized = await core.isInitialized();
    return {
      initialized,
      sealed,
      active: !sealed && (core.isActive ? core.isActive() : true),
      performanceStandby: !sealed && (core.isPerformanceStandby?.() ?? false),
    };
  };
}

export const sameState = (a: NodeState, b: NodeState): boolean =>
  a.initialized === b.initialized && a.sealed === b.sealed && a.active === b.active && a.performanceStandby === b.performanceStandby;

export interface PollingOptions {
  intervalMs?: number;
  timers?: Timers;
  /** Called when the probe fails (the last known state is kept). */
  onError?(e: unknown): void;
}

export class PollingStateSource implements NodeStateSource {
  private readonly listeners = new Set<(s: NodeState) => void>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly timers: Timers;

  private constructor(
    private readonly probe: () => Promise<NodeState>,
    private state: NodeState,
    private readonly o: PollingOptions,
  ) {
    this.timers = o.timers ?? realTimers;
    this.arm();
  }

  /** Takes a first reading, then polls. Never throws: a failed first reading starts from "sealed". */
  static async start(probe: () => Promise<NodeState>, o: PollingOptions = {}): Promise<PollingStateSource> {
    let first: NodeState;
    try {
      first = await probe();
    } catch (e) {
      o.onError?.(e);
      first = { initialized: false, sealed: true, active: false, performanceStandby: false };
    }
    return new PollingStateSource(probe, first, o);
  }

  current(): NodeState {
    return this.state;
  }

  onChange(cb: (s: NodeState) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Reads the state now (one reading at a time) and reports it if it changed. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = null));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.refresh().finally(() => this.arm());
    }, this.o.intervalMs ?? 1000);
  }

  private async read(): Promise<void> {
    let next: NodeState;
    try {
      next = await this.probe();
    } catch (e) {
      this.o.onError?.(e);
      return;
    }
    if (this.stopped || sameState(next, this.state)) return;
    this.state = next;
    for (const cb of this.listeners) cb(next);
  }
}
