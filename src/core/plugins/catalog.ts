/**
 * The plugin catalog as Vault reports it, built from the backends Ward has built in.
 * Ward runs no external plugins, so every entry is `builtin: true` and the catalog can
 * only be read. Pure: the registry's list in, Vault's shapes out.
 */
import { WARD_VERSION } from '../api-types.js';
import { POSTGRES_PLUGIN } from '../../secrets/database/store.js';

export type PluginType = 'auth' | 'database' | 'secret';
export const PLUGIN_TYPES: readonly PluginType[] = ['auth', 'database', 'secret'];

/**
 * The version every built-in plugin reports: Vault's `v<vault version>+builtin.vault`
 * convention with Ward's name, equal to a mount's `running_plugin_version` (router/mounts.ts).
 */
export const BUILTIN_PLUGIN_VERSION = `v${WARD_VERSION.split('+')[0]}+builtin.ward`;

export interface CatalogEntry {
  type: PluginType;
  name: string;
}

/** Every plugin in the catalog, sorted by type and then name (Vault's order). */
export function catalogEntries(registered: readonly { type: string; kind: 'secret' | 'auth' }[]): CatalogEntry[] {
  const out: CatalogEntry[] = registered.map((r) => ({ type: r.kind, name: r.type }));
  // The database engine's connection plugins are plugins of their own in Vault's catalog.
  out.push({ type: 'database', name: POSTGRES_PLUGIN });
  return out.sort((a, b) => (a.type === b.type ? cmp(a.name, b.name) : cmp(a.type, b.type)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One entry of GET sys/plugins/catalog's `detailed` list. */
export function detailed(e: CatalogEntry): Record<string, unknown> {
  return { type: e.type, name: e.name, version: BUILTIN_PLUGIN_VERSION, builtin: true, deprecation_status: 'supported' };
}

/** GET sys/plugins/catalog/:type/:name's data. */
export function pluginInfo(e: CatalogEntry): Record<string, unknown> {
  return { name: e.name, type: e.type, args: [], builtin: true, command: '', sha256: '', version: BUILTIN_PLUGIN_VERSION, deprecation_status: 'supported' };
}

/** GET sys/plugins/catalog's data: names by type (types with none left out) and `detailed`. */
export function catalogListing(entries: readonly CatalogEntry[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const t of PLUGIN_TYPES) {
    const names = entries.filter((e) => e.type === t).map((e) => e.name);
    if (names.length > 0) data[t] = names;
  }
  data['detailed'] = entries.map(detailed);
  return data;
}
