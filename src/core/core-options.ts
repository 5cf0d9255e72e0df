/**
 * What a WardCore is built from: its storage, logger, seals, HA and telemetry settings,
 * and the defaults it falls back on.
 */
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../sdk/logical.js';
import type { HaBackend, PhysicalBackend } from '../storage/physical.js';
import type { BackendRegistry } from './router/registry.js';
import type { AutoSeal } from './seal/auto-seal.js';
import type { TelemetryConfig } from './metrics/telemetry.js';
import type { LoggerControl } from './loggers/control.js';
import type { CoreHaOptions } from './ha/core-ha.js';

export const DEFAULT_TTL = 768 * 3600;
/** How long init waits for the HA lock (held by another node's init, or a stale holding expiring). */
export const INIT_LOCK_WAIT_MS = 60_000;

export interface CoreOptions {
  physical: PhysicalBackend;
  logger: Logger;
  clock?: Clock;
  defaultLeaseTtl?: number;
  maxLeaseTtl?: number;
  clusterName?: string;
  /** Entries in the barrier's plaintext cache; 0 disables it. */
  cacheEntries?: number;
  /** Adds auth methods and secrets engines beyond the built-in ones. */
  registry?: BackendRegistry;
  /** Whether `ward server` locked its memory; reported in sys/seal-status as `memory_locked`. */
  memoryLocked?: boolean;
  /** The configured auto seal (none: Shamir) and, migrating away from an auto seal, the disabled one. */
  seal?: { active: AutoSeal | null; previous?: AutoSeal | null };
  /** This node's api address (api_addr; the listener in dev mode), late-bound: a listener on port 0 knows it once bound. */
  apiAddr?: () => string;
  /** HA settings; HA is on when the store (or `ha.backend`, from ha_storage) can elect. */
  ha?: CoreHaOptions;
  /** The `telemetry` stanza; without one, what dev mode uses (no host name in gauge names). */
  telemetry?: TelemetryConfig;
  /** Run-time control of the server's loggers (sys/loggers, sys/monitor); without it those paths are not served. */
  loggers?: LoggerControl;
}

export interface ClusterInfo {
  name: string;
  id: string;
}

/** The store that elects the active node, when HA is enabled. */
export function haBackendOf(opts: CoreOptions): HaBackend | undefined {
  return opts.ha?.backend ?? opts.physical.ha;
}
