/**
 * How a core starts its subsystems: the parts they are built on (barrier, registry, clock,
 * snapshots, events) and the callbacks by which they reach back into the node (seal soon,
 * step down soon, the HA status, the metrics answer).
 */
import type { Clock } from '../lib/clock.js';
import type { HttpInFlight } from './inflight/http-requests.js';
import type { AesGcmBarrier } from './barrier/barrier.js';
import { DEFAULT_TTL, type CoreOptions } from './core-options.js';
import { BUILD_DATE } from './core-status.js';
import type { EventBus } from './events/bus.js';
import type { MetricsAnswer } from './metrics/serve.js';
import type { NodeState } from './node-state.js';
import type { BackendRegistry } from './router/registry.js';
import { deleteRekeyBackup, readRekeyBackup } from './seal/rekey.js';
import type { SnapshotService } from './snapshot/service.js';
import { startSubsystems } from './subsystems.js';
import type { SubsystemDeps, Subsystems } from './subsystem-types.js';

/** Starts a fresh set of subsystems; `overrides`: a performance standby's read-only storage. */
export type StartSubsystems = (overrides?: Partial<Pick<SubsystemDeps, 'barrier' | 'readOnly'>>) => Promise<Subsystems>;

export interface SubsystemParts {
  opts: CoreOptions;
  node: NodeState;
  barrier: AesGcmBarrier;
  registry: BackendRegistry;
  clock: Clock;
  snapshots: SnapshotService;
  events: EventBus;
  httpInFlight: HttpInFlight;
  metrics(format: string): Promise<MetricsAnswer>;
}

export function subsystemStarter(p: SubsystemParts): StartSubsystems {
  const { opts, node, barrier } = p;
  return (overrides = {}) =>
    startSubsystems({
      barrier,
      registry: p.registry,
      clock: p.clock,
      logger: opts.logger,
      systemDefaultTtl: opts.defaultLeaseTtl ?? DEFAULT_TTL,
      systemMaxTtl: opts.maxLeaseTtl ?? DEFAULT_TTL,
      keyStatus: () => barrier.keyStatus(),
      rotate: async () => {
        await barrier.rotate();
      },
      sealSoon: () => {
        node.pendingSeal = true;
      },
      apiAddr: () => opts.apiAddr?.() ?? '',
      // Read when the subsystems start: only an HA node's can step down or report HA status.
      ...(node.ha ? { stepDownSoon: () => (node.pendingStepDown = true), haStatus: () => node.ha?.haStatus() ?? [] } : {}),
      snapshot: p.snapshots,
      events: p.events,
      rekeyBackups: { read: (recovery) => readRekeyBackup(opts.physical, recovery), delete: (recovery) => deleteRekeyBackup(opts.physical, recovery) },
      metrics: (format) => p.metrics(format),
      introspection: { buildDate: BUILD_DATE, inFlight: p.httpInFlight, ...(opts.loggers ? { loggers: opts.loggers } : {}) },
      ...overrides,
    });
}
