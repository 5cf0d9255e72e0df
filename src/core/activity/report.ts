/**
 * Client-count reports in Vault's shapes (sys/internal/counters/activity, /monthly and
 * /export), from the clients recorded per month. Pure: records in, response data out.
 * Ward has one namespace (root); clients are attributed to the auth mount that issued
 * their token, as Vault attributes them.
 */
import { ROOT_NAMESPACE_ID } from './client-id.js';
import { monthEndSecond, monthKey, monthStart, monthsBetween, rfc3339 } from './months.js';

export interface ClientRecord {
  client_id: string;
  non_entity: boolean;
  mount_accessor: string;
  mount_path: string;
  mount_type: string;
  /** When the client was first seen that month (epoch ms). */
  timestamp: number;
}

/** Records by month key (`YYYY-MM`). */
export type MonthlyRecords = ReadonlyMap<string, readonly ClientRecord[]>;

export function counts(records: readonly ClientRecord[]): Record<string, number> {
  let entity = 0;
  for (const r of records) if (!r.non_entity) entity++;
  const nonEntity = records.length - entity;
  // distinct_entities and non_entity_tokens are the older names Vault still sends.
  return { acme_clients: 0, clients: records.length, distinct_entities: entity, entity_clients: entity, non_entity_clients: nonEntity, non_entity_tokens: nonEntity, secret_syncs: 0 };
}

function mounts(records: readonly ClientRecord[]): Record<string, unknown>[] {
  const by = new Map<string, ClientRecord[]>();
  for (const r of records) {
    const list = by.get(r.mount_path) ?? [];
    list.push(r);
    by.set(r.mount_path, list);
  }
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, rs]) => ({ mount_path: path, mount_type: rs[0]!.mount_type, counts: counts(rs) }));
}

function namespaces(records: readonly ClientRecord[]): Record<string, unknown>[] {
  return [{ namespace_id: ROOT_NAMESPACE_ID, namespace_path: '', counts: counts(records), mounts: mounts(records) }];
}

/** The first record of each client, in month order: each client counted once over a range. */
function distinct(months: readonly (readonly ClientRecord[])[]): ClientRecord[] {
  const seen = new Set<string>();
  const out: ClientRecord[] = [];
  for (const rs of months) {
    for (const r of rs) {
      if (seen.has(r.client_id)) continue;
      seen.add(r.client_id);
      out.push(r);
    }
  }
  return out;
}

/** GET sys/internal/counters/activity's data for [start, end], or null when no client was seen then (Vault's 204). */
export function activityReport(records: MonthlyRecords, start: number, end: number): Record<string, unknown> | null {
  const range = monthsBetween(start, end);
  const perMonth = range.map((m) => records.get(monthKey(m)) ?? []);
  const all = distinct(perMonth);
  if (all.length === 0) return null;
  const earlier = new Set<string>();
  const months = range.map((m, i) => {
    const rs = perMonth[i]!;
    const fresh = rs.filter((r) => !earlier.has(r.client_id));
    for (const r of rs) earlier.add(r.client_id);
    if (rs.length === 0) return { timestamp: rfc3339(m), counts: null, namespaces: null, new_clients: null };
    return { timestamp: rfc3339(m), counts: counts(rs), namespaces: namespaces(rs), new_clients: { counts: counts(fresh), namespaces: namespaces(fresh) } };
  });
  return {
    start_time: rfc3339(monthStart(start)),
    end_time: rfc3339(monthEndSecond(end)),
    by_namespace: namespaces(all),
    months,
    total: counts(all),
  };
}

/** GET sys/internal/counters/activity/monthly's data (this month so far), or null without clients. */
export function monthlyReport(records: readonly ClientRecord[], now: number): Record<string, unknown> | null {
  if (records.length === 0) return null;
  return {
    ...counts(records),
    by_namespace: namespaces(records),
    months: [{ timestamp: rfc3339(monthStart(now)), counts: counts(records), namespaces: namespaces(records), new_clients: { counts: counts(records), namespaces: namespaces(records) } }],
  };
}

export const EXPORT_COLUMNS = ['client_id', 'client_type', 'namespace_id', 'namespace_path', 'mount_accessor', 'mount_path', 'mount_type', 'timestamp'] as const;

function exportRow(r: ClientRecord): Record<(typeof EXPORT_COLUMNS)[number], string> {
  return {
    client_id: r.client_id,
    client_type: r.non_entity ? 'non-entity-token' : 'entity',
    namespace_id: ROOT_NAMESPACE_ID,
    namespace_path: '',
    mount_accessor: r.mount_accessor,
    mount_path: r.mount_path,
    mount_type: r.mount_type,
    timestamp: rfc3339(r.timestamp),
  };
}

const csvCell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The export body: each distinct client of [start, end] once, as JSON lines or CSV with a header; null when there are none. */
export function exportBody(records: MonthlyRecords, start: number, end: number, format: 'json' | 'csv'): string | null {
  const all = distinct(monthsBetween(start, end).map((m) => records.get(monthKey(m)) ?? []));
  if (all.length === 0) return null;
  const rows = all.map(exportRow);
  if (format === 'json') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  return [EXPORT_COLUMNS.join(','), ...rows.map((r) => EXPORT_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}
