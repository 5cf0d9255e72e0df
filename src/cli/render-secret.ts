import type { JsonObject, JsonValue, VaultEnvelope } from '../api/index.js';
import { cell, type Rendering, type Row } from './format.js';

/** Vault's table output humanises these keys (`ttl`, `*_ttl`, `period`, `*_period`) everywhere. */
const DURATION_KEY = /(^|_)ttl$|(^|_)period$|_duration$/;

/** Rows for a data object, keys sorted; `durations` humanises TTL-like integer fields (`-field` stays raw). */
export function dataRows(data: JsonObject | null | undefined, durations = false): Row[] {
  if (!data) return [];
  return Object.keys(data)
    .sort()
    .filter((k) => data[k] !== undefined)
    .map((k) => ({ key: k, value: data[k], duration: durations && DURATION_KEY.test(k) }));
}

/** The rows vault prints for a wrapped response. */
export function wrapRows(body: VaultEnvelope): Row[] {
  const w = body.wrap_info;
  if (!w) return [];
  const rows: Row[] = [
    { key: 'wrapping_token', value: w.token },
    { key: 'wrapping_accessor', value: w.accessor },
    { key: 'wrapping_token_ttl', value: w.ttl, duration: true },
    { key: 'wrapping_token_creation_time', value: w.creation_time },
    { key: 'wrapping_token_creation_path', value: w.creation_path },
  ];
  if (w.wrapped_accessor) rows.push({ key: 'wrapped_accessor', value: w.wrapped_accessor });
  return rows;
}

/** The rows vault prints for an `auth` block (login, token create/renew). */
export function authRows(body: VaultEnvelope): Row[] {
  const a = body.auth;
  if (!a) return [];
  const rows: Row[] = [
    { key: 'token', value: a.client_token },
    { key: 'token_accessor', value: a.accessor },
    a.lease_duration === 0 ? { key: 'token_duration', value: '∞' } : { key: 'token_duration', value: a.lease_duration, duration: true },
    { key: 'token_renewable', value: a.renewable },
    { key: 'token_policies', value: a.token_policies ?? [] },
    { key: 'identity_policies', value: a.identity_policies ?? [] },
    { key: 'policies', value: a.policies ?? [] },
  ];
  for (const [k, v] of Object.entries(a.metadata ?? {}).sort(([x], [y]) => x.localeCompare(y))) rows.push({ key: `token_meta_${k}`, value: v ?? '' });
  return rows;
}

/** Lease rows (or KV v1's `refresh_interval`) shown above a secret's data. */
export function leaseRows(body: VaultEnvelope): Row[] {
  if (body.lease_id) {
    return [
      { key: 'lease_id', value: body.lease_id },
      { key: 'lease_duration', value: body.lease_duration ?? 0, duration: true },
      { key: 'lease_renewable', value: body.renewable ?? false },
    ];
  }
  if ((body.lease_duration ?? 0) > 0) return [{ key: 'refresh_interval', value: body.lease_duration ?? 0, duration: true }];
  return [];
}

/**
 * A body that is not Vault's envelope (sys/health, sys/seal-status, sys/leader answer with
 * their fields at the top): every envelope carries `request_id`, these never do.
 */
function isRawBody(body: VaultEnvelope): boolean {
  return !Object.hasOwn(body, 'request_id') && !Object.hasOwn(body, 'data') && !body.auth && !body.wrap_info;
}

/**
 * How vault shows a generic secret: wrap info, else auth, else lease rows plus data.
 * JSON output is the server's envelope unchanged.
 */
export function secretRendering(body: VaultEnvelope | null, o: { durations?: boolean } = {}): Rendering {
  o = { durations: true, ...o };
  const json: JsonValue = body ?? null;
  if (!body) return { json, sections: [] };
  if (isRawBody(body)) return { json, sections: [{ kind: 'kv', rows: dataRows(body as JsonObject, o.durations) }] };
  if (body.wrap_info) return { json, sections: [{ kind: 'kv', rows: wrapRows(body) }] };
  if (body.auth) return { json, sections: [{ kind: 'kv', rows: authRows(body) }] };
  const rows = [...leaseRows(body), ...dataRows(body.data, o.durations)];
  return { json, sections: rows.length ? [{ kind: 'kv', rows }] : [] };
}

/**
 * A `Keys` listing (list commands). JSON output is the bare array of keys, as vault
 * prints it: scripts pipe `list -format=json` to `jq -r '.[]'`.
 */
export function keysRendering(body: VaultEnvelope | null): Rendering {
  const keys = body?.data?.['keys'];
  const list = Array.isArray(keys) ? keys.map(String) : [];
  return { json: list, sections: [{ kind: 'columns', headers: ['Keys'], rows: list.map((k) => [k]) }] };
}

/**
 * Maps a `path/ → info` mount table to columns, sorted by path. `-detailed` has vault's
 * columns (scripts cut them by position): TTLs are seconds or "system", empty for the
 * system and cubbyhole mounts; auth mounts show Token Type where engines show Force No Cache.
 */
export function mountColumns(table: JsonObject | null | undefined, detailed: boolean, kind: 'secrets' | 'auth' = 'secrets'): { headers: string[]; rows: string[][] } {
  const sixth = kind === 'auth' ? 'Token Type' : 'Force No Cache';
  const headers = detailed
    ? ['Path', 'Plugin', 'Accessor', 'Default TTL', 'Max TTL', sixth, 'Replication', 'Seal Wrap', 'External Entropy Access', 'Options', 'Description', 'UUID', 'Version', 'Running Version', 'Running SHA256', 'Deprecation Status']
    : ['Path', 'Type', 'Accessor', 'Description'];
  const rows: string[][] = [];
  for (const path of Object.keys(table ?? {}).sort()) {
    const m = table?.[path];
    if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
    const s = (k: string): string => (m[k] === undefined || m[k] === null ? '' : cell(m[k]));
    if (!detailed) {
      rows.push([path, s('type'), s('accessor'), s('description') || 'n/a']);
      continue;
    }
    const cfg = m['config'] && typeof m['config'] === 'object' && !Array.isArray(m['config']) ? m['config'] : {};
    const type = s('type');
    const ttl = (k: string): string => (type === 'system' || type === 'cubbyhole' ? '' : typeof cfg[k] === 'number' && cfg[k] !== 0 ? String(cfg[k]) : 'system');
    const opts = m['options'];
    rows.push([
      path,
      type === 'plugin' ? cell(cfg['plugin_name'] ?? '') : type,
      s('accessor'),
      ttl('default_lease_ttl'),
      ttl('max_lease_ttl'),
      kind === 'auth' ? cell(cfg['token_type'] ?? '') : String(cfg['force_no_cache'] === true),
      m['local'] === true ? 'local' : 'replicated',
      String(m['seal_wrap'] === true),
      String(m['external_entropy_access'] === true),
      opts && typeof opts === 'object' ? cell(opts) : 'map[]',
      s('description'),
      s('uuid'),
      s('plugin_version'),
      s('running_plugin_version'),
      s('running_sha256'),
      s('deprecation_status'),
    ]);
  }
  return { headers, rows };
}
