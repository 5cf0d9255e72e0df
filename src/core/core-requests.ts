/**
 * The request entry: where a client request meets the node's state. The subsystems of a
 * serving node answer it; a sealed node or an HA standby refuses it (http/ sends a standby's
 * requests on through `standbyRoute`, which a performance standby answers reads from itself).
 * A request that asked for a seal or a step-down gets it once it is answered.
 */
import type { PhysicalBackend } from '../storage/physical.js';
import type { CoreResult, HttpRequestInput, StandbyRoute } from './api-types.js';
import type { EventBus, EventSink } from './events/bus.js';
import { subscribeEvents, type EventSubscribeRequest } from './events/subscribe.js';
import { isLockLost } from './ha/core-ha.js';
import { standbyError, type NodeState } from './node-state.js';
import type { Subsystems } from './subsystem-types.js';

export interface RequestEntryDeps {
  node: NodeState;
  physical: PhysicalBackend;
  events: EventBus;
  /** The lifecycle's seal, for a request that asked for one (sys/seal, a snapshot restore). */
  sealNow(): Promise<void>;
}

export class RequestEntry {
  constructor(private readonly d: RequestEntryDeps) {}

  async handle(input: HttpRequestInput): Promise<CoreResult> {
    const { node } = this.d;
    const subs = node.subsystems;
    if (!subs) throw node.notServing();
    if (node.ha !== null) return this.handleOnActive(subs, input);
    // Without HA nothing needs handleOnActive's bookkeeping (requests in flight for a
    // graceful step-down, fencing refusals) on every request: taking it on every KV read
    // cost ~5% (bench/compare.mjs --mode read against the tree before HA: 0.94 → 0.97-1.0).
    try {
      return await subs.pipeline.handle(input);
    } finally {
      if (node.pendingSeal) await this.d.sealNow();
    }
  }

  private async handleOnActive(subs: Subsystems, input: HttpRequestInput): Promise<CoreResult> {
    const { node } = this.d;
    const p = subs.pipeline.handle(input);
    node.running.add(p);
    try {
      return await p;
    } catch (e) {
      // The store refused a write: another node holds the lock. Step down now, and tell
      // the client as a standby would (clients retry a 503).
      if (node.ha && isLockLost(e)) {
        node.ha.fenced();
        throw standbyError();
      }
      throw e;
    } finally {
      node.running.delete(p);
      if (node.pendingSeal) await this.d.sealNow();
      if (node.pendingStepDown) {
        node.pendingStepDown = false;
        node.ha?.requestStepDown();
      }
    }
  }

  /** On an unsealed HA standby, how to reach the active node (and, on a performance standby, the local reads). */
  standbyRoute(): StandbyRoute | null {
    const { node } = this.d;
    const route = node.ha?.standbyRoute() ?? null;
    const perf = node.perf;
    if (route === null || perf === null) return route;
    return { ...route, local: (input, hints) => perf.serve(input, hints) };
  }

  /** With HA on a store with a change feed: the storage index after this node's last write. */
  storageIndex(): number | null {
    return this.d.node.ha !== null ? (this.d.physical.changes?.lastWriteIndex() ?? null) : null;
  }

  /** sys/events/subscribe: checks the token and starts delivering to `sink` (see events/subscribe.ts). */
  subscribeEvents(r: EventSubscribeRequest, sink: EventSink): Promise<() => void> {
    const { node } = this.d;
    const subs = node.subsystems;
    if (!subs) throw node.notServing();
    return subscribeEvents(this.d.events, { lookupToken: (t) => subs.tokens.lookup(t), aclOf: (entry) => subs.aclOf(entry), current: () => node.subsystems === subs }, r, sink);
  }
}
