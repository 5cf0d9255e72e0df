/**
 * The node's status reports: sys/seal-status, sys/health and a non-HA sys/leader, built
 * from what the core knows at the moment of asking.
 */
import { ZERO_TIME } from '../lib/clock.js';
import { WARD_VERSION, type HealthStatus, type LeaderStatus, type SealStatus } from './api-types.js';
import { haHealthFields } from './ha/core-ha.js';
import type { SealState } from './seal/seal-status.js';
import type { ClusterInfo } from './core-options.js';

export const BUILD_DATE = '2026-11-22T00:00:00Z';

/** The seal status inputs: the seal's state and attempt, and the node's. */
export interface SealStatusFacts {
  seal: SealState;
  progress: { progress: number; nonce: string };
  initialized: boolean;
  sealed: boolean;
  storageType: string;
  cluster: ClusterInfo | null;
  memoryLocked: boolean | undefined;
}

/** sys/seal-status: attempt progress only while sealed, the cluster only while unsealed. */
export function sealStatusOf(f: SealStatusFacts): SealStatus {
  const { seal, progress, sealed } = f;
  return {
    type: seal.type,
    initialized: f.initialized,
    sealed,
    t: seal.t,
    n: seal.n,
    progress: sealed ? progress.progress : 0,
    nonce: sealed ? progress.nonce : '',
    version: WARD_VERSION,
    build_date: BUILD_DATE,
    migration: seal.migration,
    recovery_seal: seal.recoverySeal,
    ...(seal.recoverySeal ? { recovery_seal_type: 'shamir' } : {}),
    storage_type: f.storageType,
    ...(!sealed && f.cluster ? { cluster_name: f.cluster.name, cluster_id: f.cluster.id } : {}),
    ...(f.memoryLocked !== undefined ? { memory_locked: f.memoryLocked } : {}),
  };
}

/** The health inputs; `connection` is the HA manager's view of its active node (null without HA). */
export interface HealthFacts {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performanceStandby: boolean;
  nowMs: number;
  cluster: ClusterInfo | null;
  connection: Parameters<typeof haHealthFields>[0];
}

/** sys/health's body (the HTTP layer picks the status code). */
export function healthOf(f: HealthFacts): HealthStatus {
  const { initialized, sealed } = f;
  return {
    initialized,
    sealed,
    standby: f.standby,
    performance_standby: f.performanceStandby,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(f.nowMs / 1000),
    version: WARD_VERSION,
    enterprise: false,
    ...(!sealed && f.cluster ? { cluster_name: f.cluster.name, cluster_id: f.cluster.id } : {}),
    ...haHealthFields(f.connection),
  };
}

/** sys/leader on a node without HA. */
export function noHaLeader(): LeaderStatus {
  return {
    ha_enabled: false,
    is_self: false,
    active_time: ZERO_TIME,
    leader_address: '',
    leader_cluster_address: '',
    performance_standby: false,
    performance_standby_last_remote_wal: 0,
  };
}
