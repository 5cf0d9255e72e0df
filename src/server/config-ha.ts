/**
 * High-availability keys at the top level of a server config: `ha_storage`, `cluster_addr`,
 * `disable_clustering` (and `api_addr`, `cluster_name`, parsed with the rest). The
 * listener's `cluster_address` is read in config-listener.ts.
 */
import { blocks, bool, str, type Locator, type Obj } from './config.js';
import { parseStorage, type StorageConfig } from './storage-config/index.js';

export interface HaConfig {
  /** The address standbys dial to reach this node's cluster listener (`https://host:port`). */
  clusterAddr?: string;
  /** Standbys redirect (307) instead of forwarding, and no cluster listener is opened. */
  disableClustering?: boolean;
  /** The HA lock's store when it is not the data store. */
  haStorage?: StorageConfig;
  /** Standbys answer reads themselves, kept coherent by the data store's change stream (core/perf/). */
  performanceStandby?: boolean;
}

export const HA_KEYS = ['ha_storage', 'cluster_addr', 'disable_clustering', 'performance_standby'] as const;

/** Data stores with a change stream (physical.ts ChangeFeed), which performance standbys need. */
export const CHANGE_STREAM_ENGINES = new Set(['postgresql', 'etcd']);

/** Engines that can elect an active node. */
export const HA_ENGINES = new Set(['postgresql', 'etcd']);

/** `dataStore`: the `storage` stanza (the change stream comes from the data, not the lock). */
export function parseHa(root: Obj, loc: Locator, dataStore: StorageConfig): HaConfig {
  const out: HaConfig = {};
  const perf = bool(root, 'performance_standby', loc);
  if (perf === true && !CHANGE_STREAM_ENGINES.has(dataStore.type)) {
    throw loc.error(`performance_standby needs a storage backend with a change stream (etcd or postgresql), not "${dataStore.type}"`, 'performance_standby');
  }
  // PostgreSQL's change index lives in the HA table (storage/postgresql/notify-queries.ts).
  if (perf === true && dataStore.type === 'postgresql' && !dataStore.haEnabled) {
    throw loc.error('performance_standby on postgresql needs ha_enabled = "true" in the storage stanza (its change stream lives in the HA table)', 'performance_standby');
  }
  if (perf !== undefined) out.performanceStandby = perf;
  const clusterAddr = str(root, 'cluster_addr', loc);
  if (clusterAddr !== undefined) {
    let ok = false;
    try {
      const u = new URL(clusterAddr);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw loc.error(`cluster_addr must be a URL such as "https://ward-1.example:8201", not "${clusterAddr}"`, 'cluster_addr');
    out.clusterAddr = clusterAddr;
  }
  const disable = bool(root, 'disable_clustering', loc);
  if (disable !== undefined) out.disableClustering = disable;
  const stanzas = blocks(root['ha_storage'], 'ha_storage', loc);
  if (stanzas.length > 1) throw loc.error('only one ha_storage stanza is allowed', 'ha_storage', loc.offsetOf('ha_storage', 0, 1));
  const b = stanzas[0];
  if (b !== undefined) {
    if (!HA_ENGINES.has(b.label)) throw loc.error(`ha_storage "${b.label}" does not support high availability: use postgresql or etcd`, 'ha_storage');
    out.haStorage = parseStorage(b, loc, 'ha_storage');
  }
  return out;
}
