/**
 * Client counting: every token use names a client (client-id.ts); the first use of each
 * client in a month is kept in barrier storage under `months/<YYYY-MM>/<client>`. The
 * request path costs one Set lookup: the current month's clients are held in memory, and
 * only a client new this month is written (in the background, awaited by the reports).
 */
import type { Logger } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { InFlightHttpRequest } from '../inflight/http-requests.js';
import type { TokenEntry } from '../tokens/types.js';
import { clientOf } from './client-id.js';
import { addMonths, keyToMonth, monthKey, monthStart } from './months.js';
import type { ClientRecord, MonthlyRecords } from './report.js';

export interface ActivityConfig {
  /** `default` (on, as in Vault CE), `enable` or `disable`. */
  enabled: 'default' | 'enable' | 'disable';
  retentionMonths: number;
}

export const DEFAULT_ACTIVITY_CONFIG: ActivityConfig = { enabled: 'default', retentionMonths: 48 };

export interface ActivityDeps {
  storage: Storage;
  now(): number;
  /** The auth mount with this accessor, for attributing clients. */
  mountOf(accessor: string): { path: string; type: string } | undefined;
  logger: Logger;
  /** A performance standby's copy: counts nothing (the active node does). */
  readOnly?: boolean;
}

const CONFIG_KEY = 'config';
const MONTHS = 'months/';
/** Client ids are base64 (with "/") or UUIDs: base64url keeps them one path segment. */
const keyOf = (clientId: string): string => Buffer.from(clientId).toString('base64url');

export class ActivityLog {
  private config: ActivityConfig = DEFAULT_ACTIVITY_CONFIG;
  private on = true;
  private month = '';
  private nextMonthAt = 0;
  private seen = new Set<string>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: ActivityDeps) {}

  async load(): Promise<void> {
    this.config = { ...DEFAULT_ACTIVITY_CONFIG, ...((await getJSON<ActivityConfig>(this.deps.storage, CONFIG_KEY)) ?? {}) };
    this.on = this.config.enabled !== 'disable' && !this.deps.readOnly;
    await this.startMonth(this.deps.now());
    if (!this.deps.readOnly) await this.prune().catch((e: unknown) => this.deps.logger.warn('activity: could not prune old months', { error: (e as Error).message }));
  }

  private async startMonth(now: number): Promise<void> {
    this.month = monthKey(now);
    this.nextMonthAt = addMonths(now, 1);
    this.seen = new Set();
    for (const k of await this.deps.storage.list(`${MONTHS}${this.month}/`)) this.seen.add(Buffer.from(k, 'base64url').toString());
  }

  /** Counts the client `entry` stands for; names it on the request's in-flight entry. Never throws, never waits. */
  record(entry: TokenEntry, tracked?: InFlightHttpRequest): void {
    const client = clientOf(entry);
    if (client === null) return;
    if (tracked !== undefined) tracked.clientId = client.id;
    if (!this.on) return;
    const now = this.deps.now();
    if (now >= this.nextMonthAt) {
      // A new month: its clients start afresh (nothing of it is stored yet), and the
      // months now past the retention go, in the background.
      this.month = monthKey(now);
      this.nextMonthAt = addMonths(now, 1);
      this.seen = new Set();
      this.track(this.prune().catch((e: unknown) => this.deps.logger.warn('activity: could not prune old months', { error: (e as Error).message })));
    }
    if (this.seen.has(client.id)) return;
    this.seen.add(client.id);
    const mount = this.deps.mountOf(entry.mountAccessor);
    const r: ClientRecord = { client_id: client.id, non_entity: client.nonEntity, mount_accessor: entry.mountAccessor, mount_path: mount?.path ?? '', mount_type: mount?.type ?? '', timestamp: now };
    this.track(putJSON(this.deps.storage, `${MONTHS}${this.month}/${keyOf(client.id)}`, r).catch((e: unknown) => this.deps.logger.warn('activity: could not record a client', { error: (e as Error).message })));
  }

  /** Background work the reports wait for (settled()). */
  private track(work: Promise<void>): void {
    const p = work.finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for the clients recorded so far to be stored: reports read storage. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The stored records of the months from `from` to `to`. */
  async records(from: number, to: number): Promise<MonthlyRecords> {
    await this.settled();
    const out = new Map<string, ClientRecord[]>();
    for (const dir of await this.deps.storage.list(MONTHS)) {
      const key = dir.replace(/\/$/, '');
      const m = keyToMonth(key);
      if (m === null || m < monthStart(from) || m > to) continue;
      const list: ClientRecord[] = [];
      for (const k of await this.deps.storage.list(`${MONTHS}${key}/`)) {
        const r = await getJSON<ClientRecord>(this.deps.storage, `${MONTHS}${key}/${k}`);
        if (r) list.push(r);
      }
      list.sort((a, b) => a.timestamp - b.timestamp || (a.client_id < b.client_id ? -1 : 1));
      out.set(key, list);
    }
    return out;
  }

  get current(): ActivityConfig {
    return this.config;
  }

  get enabled(): boolean {
    return this.config.enabled !== 'disable';
  }

  /** Stores a new configuration. Turning counting off drops this month's clients, as Vault does. */
  async configure(next: ActivityConfig): Promise<void> {
    const wasOn = this.enabled;
    await putJSON(this.deps.storage, CONFIG_KEY, next);
    this.config = next;
    this.on = this.enabled && !this.deps.readOnly;
    if (wasOn && !this.enabled) {
      await this.settled();
      for (const k of await this.deps.storage.list(`${MONTHS}${this.month}/`)) await this.deps.storage.delete(`${MONTHS}${this.month}/${k}`);
      this.seen = new Set();
    }
    await this.prune();
  }

  /** Drops the months older than the retention (all of them with a retention of 0). */
  private async prune(): Promise<void> {
    const oldest = addMonths(monthStart(this.deps.now()), -this.config.retentionMonths);
    for (const dir of await this.deps.storage.list(MONTHS)) {
      const key = dir.replace(/\/$/, '');
      const m = keyToMonth(key);
      if (m === null || (m >= oldest && this.config.retentionMonths > 0)) continue;
      if (key === this.month) this.seen = new Set();
      for (const k of await this.deps.storage.list(`${MONTHS}${key}/`)) await this.deps.storage.delete(`${MONTHS}${key}/${k}`);
    }
  }
}
