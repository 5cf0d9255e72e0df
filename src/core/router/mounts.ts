import { badRequest, WardError } from '../../sdk/errors.js';
import type { Backend, Logger, SystemView } from '../../sdk/logical.js';
import type { EventSender } from '../../sdk/events.js';
import { getJSON, listRecursive, putJSON, type Storage } from '../../sdk/storage.js';
import { shortHex, uuid } from '../../lib/ids.js';
import { defaultMountConfig, routePath, viewPrefix, type MountConfig, type MountEntry } from './mount-entry.js';
import { normalizeType, SINGLETON_TYPES, type BackendRegistry } from './registry.js';
import type { Route, Router } from './router.js';

const TABLE_KEY = { mounts: 'core/mounts', auth: 'core/auth' } as const;
const RESERVED = ['sys/', 'auth/', 'cubbyhole/', 'identity/', 'audit/'];
const VERSION = 'v1.17.0+builtin.ward';

export interface MountDeps {
  barrier: Storage & { view(prefix: string): Storage };
  router: Router;
  registry: BackendRegistry;
  logger: Logger;
  systemDefaultTtl: number;
  systemMaxTtl: number;
  /** Backends the core builds itself (system, token, identity). */
  internalBackend(type: string): Backend | undefined;
  /** Revokes every lease and token issued under a routed prefix before it goes away. */
  revokePrefix(prefix: string): Promise<void>;
  /** A performance standby's read-only subsystems (SystemView.readOnly). */
  readOnly?: boolean;
  /** The event sender for a mount's backend (absent: backends publish nothing). */
  eventSender?(e: MountEntry): EventSender;
  /** After a mount is gone: what refers to it by accessor (identity aliases) goes too. */
  unmounted?(entry: MountEntry): Promise<void>;
}

export interface MountRequest {
  path: string;
  type: string;
  description?: string;
  config?: Partial<MountConfig>;
  options?: Record<string, string> | null;
  local?: boolean;
  sealWrap?: boolean;
}

/** Owns the two mount tables: persistence, backend instances, conflicts, tuning. */
export class MountManager {
  private readonly tables: Record<'mounts' | 'auth', MountEntry[]> = { mounts: [], auth: [] };

  constructor(private readonly deps: MountDeps) {}

  /** On unseal: load both tables (creating the built-in mounts on first start). */
  async load(): Promise<void> {
    for (const table of ['mounts', 'auth'] as const) {
      let entries = await getJSON<MountEntry[]>(this.deps.barrier, TABLE_KEY[table]);
      if (!entries) {
        entries = table === 'mounts' ? [this.builtin('mounts', 'cubbyhole/', 'cubbyhole', 'per-token private secret storage', true), this.builtin('mounts', 'identity/', 'identity', 'identity store', false, ['Authorization']), this.builtin('mounts', 'sys/', 'system', 'system endpoints used for control, policy and debugging')] : [this.builtin('auth', 'token/', 'token', 'token based credentials')];
        await putJSON(this.deps.barrier, TABLE_KEY[table], entries);
      }
      if (table === 'mounts') upgradeIdentityPassthrough(entries);
      this.tables[table] = entries;
      for (const e of entries) await this.instantiate(e);
    }
  }

  /** `passthrough`: the identity mount gets `Authorization`, as Vault's, for the OIDC provider's client_secret_basic. */
  private builtin(table: 'mounts' | 'auth', path: string, type: string, description: string, local = false, passthrough: string[] = []): MountEntry {
    return {
      path,
      table,
      type,
      description,
      uuid: uuid(),
      accessor: table === 'auth' ? `auth_${type}_${shortHex()}` : `${type}_${shortHex()}`,
      local,
      sealWrap: false,
      externalEntropyAccess: false,
      options: null,
      config: { ...defaultMountConfig(), passthroughRequestHeaders: passthrough },
      runningVersion: VERSION,
    };
  }

  systemView(e: MountEntry): SystemView {
    const deps = this.deps;
    return {
      defaultLeaseTtl: () => {
        const max = e.config.maxLeaseTtl || deps.systemMaxTtl;
        return Math.min(e.config.defaultLeaseTtl || deps.systemDefaultTtl, max);
      },
      maxLeaseTtl: () => e.config.maxLeaseTtl || deps.systemMaxTtl,
      options: () => e.options ?? {},
      userLockout: () => e.config.userLockout ?? {},
      readOnly: () => deps.readOnly ?? false,
    };
  }

  private async instantiate(e: MountEntry): Promise<Route> {
    const storage = this.deps.barrier.view(viewPrefix(e));
    const system = this.systemView(e);
    let backend = this.deps.internalBackend(e.type);
    if (!backend) {
      const reg = this.deps.registry.get(e.type, e.table === 'auth' ? 'auth' : 'secret');
      if (!reg) throw badRequest(`plugin not found in the catalog: ${e.type}`);
      const events = this.deps.eventSender?.(e);
      backend = await reg.factory({ storage, mountPoint: routePath(e), mountType: e.type, system, logger: this.deps.logger, ...(events ? { events } : {}) });
    }
    return this.deps.router.add(e, backend, storage, system);
  }

  list(table: 'mounts' | 'auth'): MountEntry[] {
    return [...this.tables[table]];
  }

  find(table: 'mounts' | 'auth', path: string): MountEntry | undefined {
    const p = normalizePath(path);
    return this.tables[table].find((e) => e.path === p);
  }

  async mount(table: 'mounts' | 'auth', req: MountRequest): Promise<MountEntry> {
    const path = normalizePath(req.path);
    if (path === '/' || path === '') throw badRequest('path cannot be empty');
    const { type, options } = normalizeType(req.type, req.options ?? null);
    if (!type) throw badRequest('type must be specified');
    if (table === 'mounts' && RESERVED.some((r) => path.startsWith(r))) throw badRequest(`cannot mount to reserved path "${path}"`);
    if (SINGLETON_TYPES.has(type)) throw badRequest(`cannot mount "${type}" of type "${type}" more than once`);
    const reg = this.deps.registry.get(type, table === 'auth' ? 'auth' : 'secret');
    if (!reg) {
      throw badRequest(`plugin not found in the catalog: ${type}`);
    }
    const entry = this.builtin(table, path, type, req.description ?? '', req.local ?? false);
    entry.options = type === 'kv' ? { version: '1', ...(options ?? {}) } : options;
    entry.sealWrap = req.sealWrap ?? false;
    entry.config = { ...entry.config, ...stripUndefined(req.config ?? {}) };
    const prefix = routePath(entry);
    const clash = this.deps.router.conflict(prefix);
    if (clash) throw new WardError('conflict', [`path is already in use at ${clash}`]);
    await this.instantiate(entry);
    this.tables[table].push(entry);
    await this.persist(table);
    return entry;
  }

  async unmount(table: 'mounts' | 'auth', path: string): Promise<void> {
    const p = normalizePath(path);
    const entry = this.tables[table].find((e) => e.path === p);
    if (!entry) return; // Vault answers 204 for unknown mounts
    if (SINGLETON_TYPES.has(entry.type)) throw badRequest(`cannot unmount "${p}"`);
    const prefix = routePath(entry);
    await this.deps.revokePrefix(prefix);
    const route = this.deps.router.remove(prefix);
    await route?.backend.cleanup?.();
    const view = this.deps.barrier.view(viewPrefix(entry));
    for (const key of await listRecursive(view)) await view.delete(key);
    this.tables[table] = this.tables[table].filter((e) => e !== entry);
    await this.persist(table);
    await this.deps.unmounted?.(entry);
  }

  /**
   * Moves a mount to a new path. Storage is keyed by the mount's uuid, so no data moves;
   * leases issued under the old path are revoked first because their ids embed it.
   */
  async remount(from: string, to: string): Promise<void> {
    const isAuth = (p: string) => p.replace(/^\/+/, '').startsWith('auth/');
    if (isAuth(from) !== isAuth(to)) throw badRequest('cannot remount between secrets engines and auth methods');
    const table: 'mounts' | 'auth' = isAuth(from) ? 'auth' : 'mounts';
    const strip = (p: string) => normalizePath(table === 'auth' ? p.replace(/^\/+/, '').slice('auth/'.length) : p);
    const entry = this.find(table, strip(from));
    if (!entry) throw badRequest(`no matching mount at "${normalizePath(from)}"`);
    if (SINGLETON_TYPES.has(entry.type)) throw badRequest(`cannot remount "${entry.path}"`);
    const target = strip(to);
    if (table === 'mounts' && RESERVED.some((r) => target.startsWith(r))) throw badRequest(`cannot remount to reserved path "${target}"`);
    const oldPrefix = routePath(entry);
    const newPrefix = table === 'auth' ? `auth/${target}` : target;
    const clash = this.deps.router.conflict(newPrefix);
    if (clash && clash !== oldPrefix) throw new WardError('conflict', [`path is already in use at ${clash}`]);
    await this.deps.revokePrefix(oldPrefix);
    const route = this.deps.router.remove(oldPrefix);
    entry.path = target;
    if (route) this.deps.router.add(entry, route.backend, route.storage, route.system);
    await this.persist(table);
  }

  async tune(table: 'mounts' | 'auth', path: string, changes: { config?: Partial<MountConfig>; description?: string; options?: Record<string, string> }): Promise<void> {
    const entry = this.find(table, path);
    if (!entry) throw badRequest(`no mount at "${normalizePath(path)}"`);
    const next: MountConfig = { ...entry.config, ...stripUndefined(changes.config ?? {}) };
    // Lockout settings merge field by field: tuning only the duration keeps the threshold.
    if (changes.config?.userLockout) next.userLockout = { ...entry.config.userLockout, ...changes.config.userLockout };
    const maxTtl = next.maxLeaseTtl || this.deps.systemMaxTtl;
    if (next.defaultLeaseTtl > maxTtl) throw badRequest('default lease TTL cannot be greater than max lease TTL');
    entry.config = next;
    if (changes.description !== undefined) entry.description = changes.description;
    if (changes.options) {
      const version = changes.options.version;
      if (entry.type === 'kv' && version !== undefined && version !== (entry.options?.version ?? '1')) {
        // Persists the whole table (config and description changes above included).
        return this.upgradeKv(table, entry, changes.options);
      }
      entry.options = { ...(entry.options ?? {}), ...changes.options };
    }
    await this.persist(table);
  }

  /**
   * KV 1 → 2 in place (2 → 1 is refused). The new options are persisted before the
   * backend is rebuilt, so a crash mid-upgrade restarts as v2 and the KV v2 factory
   * resumes the migration it performs on v1 data. The factory fails only before any
   * data moves; then the v1 mount is restored.
   */
  private async upgradeKv(table: 'mounts' | 'auth', entry: MountEntry, options: Record<string, string>): Promise<void> {
    const from = entry.options?.version ?? '1';
    const to = options.version ?? from;
    if (to !== '1' && to !== '2') throw badRequest(`invalid version provided: ${to}`);
    if (from === '2') throw badRequest('cannot downgrade mount from version 2');
    const previous = entry.options;
    // Set before any await: a concurrent tune now sees version 2 and changes nothing.
    entry.options = { ...(entry.options ?? {}), ...options };
    try {
      await this.persist(table);
    } catch (e) {
      entry.options = previous;
      throw e;
    }
    const old = this.deps.router.remove(routePath(entry));
    try {
      await this.instantiate(entry);
    } catch (e) {
      entry.options = previous;
      if (old) this.deps.router.add(entry, old.backend, old.storage, old.system);
      await this.persist(table);
      throw e;
    }
    await old?.backend.cleanup?.();
  }

  private async persist(table: 'mounts' | 'auth'): Promise<void> {
    await putJSON(this.deps.barrier, TABLE_KEY[table], this.tables[table]);
  }
}

export function normalizePath(p: string): string {
  let s = p.replace(/^\/+/, '');
  if (!s.endsWith('/')) s += '/';
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Tables written before the OIDC provider lack `Authorization` on the identity mount, and
 * its token endpoint then refuses every client that sends Basic auth. Vault's identity
 * mount always has it: added here on load, in memory only (a read-only performance
 * standby loads tables too), and stored with the table's next write.
 */
function upgradeIdentityPassthrough(entries: MountEntry[]): void {
  const identity = entries.find((e) => e.type === 'identity');
  if (!identity) return;
  const headers = identity.config.passthroughRequestHeaders ?? [];
  if (!headers.some((h) => h.toLowerCase() === 'authorization')) identity.config.passthroughRequestHeaders = [...headers, 'Authorization'];
}
