/**
 * High-availability keys at the top level of a server config: `ha_storage`, `cluster_addr`,
 * `disable_clustering` (and `api_addr`, `cluster_name`, parsed with the rest).
 */
import type { Locator, Obj } from './config.js';

export interface HaConfig {
  clusterAddr?: string;
}

export const HA_KEYS = ['ha_storage', 'cluster_addr', 'disable_clustering'] as const;

export function parseHa(root: Obj, loc: Locator): HaConfig {
  for (const k of HA_KEYS) if (root[k] !== undefined) throw loc.error(`${k} is not implemented yet`, k);
  return {};
}
