/**
 * The seam between WardCore and the HA machinery: the core's HA options, building the
 * HaManager from them, and rendering its view as sys/leader.
 */
import type { Logger } from '../../sdk/logical.js';
import { LockLostError, type HaBackend } from '../../storage/physical.js';
import type { LeaderStatus } from '../api-types.js';
import { DecryptError } from '../barrier/aes-gcm.js';
import type { ClusterListener } from './cluster-listener.js';
import { HaManager, type LeaderView } from './ha-manager.js';
import type { AdvertStorage } from './leader-advert.js';
import { ZERO_TIME } from '../../lib/clock.js';

export interface CoreHaOptions {
  /** The lock's store when it is not the data store (`ha_storage`). */
  backend?: HaBackend;
  /** This node's `api_addr`: where standbys redirect clients. */
  apiAddr: string;
  /** This node's `cluster_addr`; '' with `disable_clustering` (standbys then only redirect). */
  clusterAddr: string;
  /** Started by the server; gets the cluster certificate while this node is active. */
  clusterListener?: ClusterListener | null;
  stepDownBackoffMs?: number;
  echoIntervalMs?: number;
  /** `performance_standby`: while standby, serve KV reads, token lookups and capability checks locally (core/perf/). */
  performanceStandby?: boolean;
}

export function haManagerFor(
  backend: HaBackend,
  storage: AdvertStorage,
  core: { ha?: CoreHaOptions; logger: Logger },
  hooks: { activate(): Promise<void>; deactivate(graceful: boolean): Promise<void> },
): HaManager {
  const o = core.ha ?? { apiAddr: '', clusterAddr: '' };
  return new HaManager({
    backend,
    storage,
    logger: core.logger,
    apiAddr: o.apiAddr,
    clusterAddr: o.clusterAddr,
    clusterListener: o.clusterListener ?? null,
    ...(o.stepDownBackoffMs !== undefined ? { stepDownBackoffMs: o.stepDownBackoffMs } : {}),
    ...(o.echoIntervalMs !== undefined ? { echoIntervalMs: o.echoIntervalMs } : {}),
    ...hooks,
  });
}


/** `perfIndex`: on a serving performance standby, the storage index it has applied. */
export function haLeaderStatus(v: LeaderView, perfIndex: number | null = null): LeaderStatus {
  return {
    ha_enabled: true,
    is_self: v.isSelf,
    active_time: v.isSelf && v.activeSince > 0 ? new Date(v.activeSince).toISOString() : ZERO_TIME,
    leader_address: v.leaderAddress,
    leader_cluster_address: v.leaderClusterAddress,
    performance_standby: perfIndex !== null,
    performance_standby_last_remote_wal: perfIndex ?? 0,
  };
}

/** sys/health's fields for a standby's link to the active node. */
export function haHealthFields(h: { healthy: boolean; sinceLastHeartbeatMs: number } | null): { ha_connection_healthy?: boolean; last_request_forwarding_heartbeat_ms?: number } {
  return h === null ? {} : { ha_connection_healthy: h.healthy, last_request_forwarding_heartbeat_ms: h.sinceLastHeartbeatMs };
}

/**
 * Whether `e` (or what it wraps) says the stored keyring does not open with this node's root
 * key: the store now holds another cluster's data (a forced snapshot restore), so no amount
 * of retrying the lock helps.
 */
export function keyringUnreadable(e: unknown): boolean {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) if (c instanceof DecryptError) return true;
  return false;
}

/** Whether `e` (or what it wraps) is the store refusing a write from a node that lost the lock. */
export function isLockLost(e: unknown): boolean {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) {
    if (c instanceof LockLostError || (c as { code?: unknown }).code === 'ha_lock_lost') return true;
  }
  return false;
}
