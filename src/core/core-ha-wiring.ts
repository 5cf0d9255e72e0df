/**
 * The HA and performance-standby wiring of an unsealed node: the HaManager's activate and
 * deactivate hooks (subsystems start when this node takes the lock and stop when it gives it
 * up), and a standby's read-only subsystems that answer reads while another node is active.
 */
import type { HaBackend } from '../storage/physical.js';
import type { AesGcmBarrier } from './barrier/barrier.js';
import type { CoreOptions } from './core-options.js';
import type { StartSubsystems } from './core-subsystem-deps.js';
import { CLOSE_GOING_AWAY, type EventBus } from './events/bus.js';
import { haManagerFor, keyringUnreadable } from './ha/core-ha.js';
import { dropInitResponse } from './init-response.js';
import type { NodeState } from './node-state.js';
import { PerfStandby } from './perf/perf-standby.js';
import type { KeyCeremonies } from './seal/ceremonies.js';

export interface HaWiringDeps {
  opts: CoreOptions;
  node: NodeState;
  barrier: AesGcmBarrier;
  ceremonies: KeyCeremonies;
  events: EventBus;
  startSubsystems: StartSubsystems;
  /** The lifecycle's seal, for a keyring that no longer opens. */
  sealNow(): Promise<void>;
}

export class HaWiring {
  constructor(private readonly d: HaWiringDeps) {}

  /** After unseal with HA: a standby (keyring loaded, no subsystems) until the lock is ours. */
  start(backend: HaBackend): void {
    const { opts, node, barrier } = this.d;
    node.ha = haManagerFor(backend, barrier, opts, {
      activate: () => this.activate(),
      deactivate: (graceful) => this.deactivate(graceful),
    });
    node.ha.start();
    this.startPerfStandby();
    opts.logger.info('core: vault is unsealed (standby until it holds the HA lock)');
  }

  private async activate(): Promise<void> {
    const { opts, node, barrier } = this.d;
    // Nothing the standby built is kept: caches dropped, subsystems started afresh.
    await this.stopPerfStandby();
    barrier.dropCache();
    await barrier.reloadKeyring().catch((e: unknown) => {
      if (keyringUnreadable(e)) {
        opts.logger.error('core: the stored keyring no longer opens with this node\'s root key (another cluster\'s snapshot was restored?); sealing until unsealed with that cluster\'s keys');
        // Not awaited: sealing waits for the HA loop, which is running this activation.
        void this.d.sealNow().catch(() => undefined);
      }
      throw e;
    });
    node.subsystems = await this.d.startSubsystems();
    // The cluster was unsealed and has an active node: the kept init answer is done
    // (dropped here, while this node holds the lock that lets it write).
    await dropInitResponse(opts.physical).catch((e: unknown) => opts.logger.warn('core: could not drop the kept init response', { error: (e as Error).message }));
  }

  private async deactivate(graceful: boolean): Promise<void> {
    const { node } = this.d;
    const subs = node.subsystems;
    node.subsystems = null;
    // Ceremonies belong to the active node; the next one starts its own.
    this.d.ceremonies.reset();
    // Subscribers reconnect, and are redirected to the new active node.
    this.d.events.closeAll(CLOSE_GOING_AWAY, 'node stepped down');
    // New requests already go to the active node; on a step-down those in flight finish
    // (a lost lock does not wait: the store refuses their writes anyway).
    if (graceful) await Promise.allSettled([...node.running]);
    await subs?.stop();
    this.d.barrier.dropCache();
    this.startPerfStandby();
  }

  /** A standby with `performance_standby` on a store with a change feed starts serving reads. */
  startPerfStandby(): void {
    const { opts, node } = this.d;
    if (!opts.ha?.performanceStandby || node.ha === null || node.perf !== null) return;
    const feed = opts.physical.changes;
    if (feed === undefined) {
      opts.logger.warn('core: performance_standby needs a storage backend with a change stream; this standby forwards every request', { storage: opts.physical.name });
      return;
    }
    node.perf = new PerfStandby({ feed, barrier: this.d.barrier, logger: opts.logger, build: (storage) => this.d.startSubsystems({ barrier: storage, readOnly: true }) });
    node.perf.start();
  }

  async stopPerfStandby(): Promise<void> {
    const { node } = this.d;
    const perf = node.perf;
    node.perf = null;
    await perf?.stop();
  }
}
