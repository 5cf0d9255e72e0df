/**
 * What a node is at this moment: sealed, an HA standby (perhaps a performance standby), or
 * serving requests with its subsystems; plus the steps a request asked for that run once it
 * is answered. The core's collaborators share this one object: the lifecycle
 * (core-lifecycle.ts) and the HA wiring (core-ha-wiring.ts) change the node's state, the
 * request entry (core-requests.ts) and the status answers (core-answers.ts) read it.
 */
import { sealedError, WardError } from '../sdk/errors.js';
import type { ClusterInfo } from './core-options.js';
import type { HaManager } from './ha/ha-manager.js';
import type { PerfStandby } from './perf/perf-standby.js';
import type { Subsystems } from './subsystem-types.js';

export class NodeState {
  /** Everything that exists only while unsealed and serving requests (with HA: while active). */
  subsystems: Subsystems | null = null;
  /** While unsealed with HA: the active/standby state machine (subsystems exist only while active). */
  ha: HaManager | null = null;
  /** While a standby with `performance_standby`: the read-only subsystems answering reads here. */
  perf: PerfStandby | null = null;
  /** The cluster's name and id, read at unseal. */
  cluster: ClusterInfo | null = null;
  /** sys/seal or a snapshot restore asked: the request that asked seals the node once answered. */
  pendingSeal = false;
  /** sys/step-down asked: the request that asked gives the lock up once answered. */
  pendingStepDown = false;
  /** A verified snapshot restore, applied by the next seal (see snapshot/service.ts). */
  pendingRestore: (() => Promise<void>) | null = null;
  /** Requests in the subsystems now: a graceful step-down lets them finish first. */
  readonly running = new Set<Promise<unknown>>();

  isSealed(): boolean {
    return this.subsystems === null && this.ha === null;
  }

  /** Whether this node serves requests itself: unsealed and, with HA, holding the lock. */
  isActive(): boolean {
    return this.ha !== null ? this.ha.isActive() : this.subsystems !== null;
  }

  /** Whether this node is a performance standby answering reads itself. */
  isPerformanceStandby(): boolean {
    return this.perf?.serving() ?? false;
  }

  /** Why a request finds no subsystems: a standby says so (clients retry a 503), else sealed. */
  notServing(): WardError {
    return this.ha ? standbyError() : sealedError();
  }
}

/** Vault's 503 from a standby. */
export function standbyError(): WardError {
  return new WardError('standby', ['Vault is in standby mode']);
}
