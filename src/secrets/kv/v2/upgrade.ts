/**
 * In-place upgrade of a KV v1 store to the versioned layout, run by the KV v2 factory
 * when it starts on storage that still holds v1 data (as Vault does on `tune
 * options.version=2`).
 *
 * Detection costs a v2 mount one get: the `upgrade-done` marker. Without a marker the
 * top level is listed once; if it holds only layout entries (`config`, `metadata/`,
 * `versions/`) the marker is written and nothing else happens.
 *
 * Migration of each v1 key `k`: version 1 at `versions/k/1` plus `metadata/k`
 * (created_time = now), both durable, then the v1 key is deleted; the marker is
 * written once no v1 key is left. A crash at any point loses nothing: a v1 key is
 * deleted only after its copy is durable, and a re-run picks up the v1 keys still
 * present (already-migrated keys are gone from the v1 namespace; a key whose metadata
 * already exists had its copy written but not its v1 key deleted, so its version data
 * is rewritten, idempotently, and the v1 key deleted). Passes repeat until no v1 key is
 * left, which also catches a v1 write that was in flight when the mount switched.
 *
 * Availability: the migration runs in the background, so `tune` returns promptly. While
 * it runs every request answers 400 with Vault's upgrading message, after waiting up to
 * `graceMs` for the migration to finish: small stores (the common case) therefore look
 * synchronous to clients, large ones report the upgrade instead of hanging requests.
 * If the migration fails (storage error) the mount stays in the upgrading state and the
 * next start of the backend (restart, unseal) resumes it.
 *
 * Known limit, as in Vault: v1 secrets whose key is `config` or lies under `metadata/`
 * or `versions/` collide with the v2 layout and are not migrated.
 */
import { badRequest, WardError } from '../../../sdk/errors.js';
import type { Backend, Logger, LogicalRequest, LogicalResponse } from '../../../sdk/logical.js';
import { checkRecord, decodeRecord, encodeRecord } from '../../../sdk/record.js';
import { listRecursive, type Storage } from '../../../sdk/storage.js';
import { rfc3339, systemClock, type Clock } from '../../../lib/clock.js';
import { CONFIG_KEY, DEFAULT_CONFIG, METADATA_PREFIX, VERSIONS_PREFIX, readMetadata, writeVersion } from './layout.js';
import { isPlainObject } from './merge-patch.js';
import { appendVersion, emptyMetadata } from './versions.js';

export const UPGRADE_MARKER = 'upgrade-done';
export const UPGRADING_MESSAGE =
  'Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will be updated shortly.';

/** How long a request waits for a running migration before it is answered with the 400. */
export const DEFAULT_GRACE_MS = 500;
/** v1 keys migrated concurrently (lets the storage batch the writes). */
const CONCURRENCY = 8;
const MARKER_TAG = 'ward-kv-v2-upgrade';

interface Marker {
  marker: typeof MARKER_TAG;
  upgraded_at: string;
}

/** True only for the record this module writes: a v1 secret named `upgrade-done` is data, not a marker. */
function isMarker(raw: Buffer | null): boolean {
  if (raw === null) return false;
  try {
    return (JSON.parse(raw.toString('utf8')) as Partial<Marker>).marker === MARKER_TAG;
  } catch {
    return false;
  }
}

async function writeMarker(s: Storage, nowMs: number): Promise<void> {
  const m: Marker = { marker: MARKER_TAG, upgraded_at: rfc3339(nowMs) };
  await s.put(UPGRADE_MARKER, encodeRecord(m));
}

const LAYOUT_ROOTS = new Set([CONFIG_KEY, METADATA_PREFIX, VERSIONS_PREFIX]);

/** Every v1 key still in storage (never a layout key; `upgrade-done` only when it is v1 data). */
export async function pendingV1Keys(s: Storage): Promise<string[]> {
  const out: string[] = [];
  for (const root of await s.list('')) {
    if (LAYOUT_ROOTS.has(root)) continue;
    if (root === UPGRADE_MARKER) {
      if (!isMarker(await s.get(root))) out.push(root);
    } else if (root.endsWith('/')) {
      out.push(...(await listRecursive(s, root)));
    } else {
      out.push(root);
    }
  }
  return out;
}

/**
 * Whether this storage still needs the v1 → v2 migration. One get on an upgraded or
 * native v2 mount; a v2 mount without the marker (fresh, or older than the marker) gets it.
 */
export async function upgradeNeeded(s: Storage, clock: Clock = systemClock): Promise<boolean> {
  const raw = await s.get(UPGRADE_MARKER);
  if (isMarker(raw)) return false;
  const roots = (await s.list('')).filter((k) => !LAYOUT_ROOTS.has(k));
  if (roots.length > 0) return true;
  await writeMarker(s, clock.now());
  return false;
}

export type KeyOutcome = 'migrated' | 'resumed' | 'skipped' | 'gone';

/** Moves one v1 key into version 1 + metadata, then deletes it. Safe to repeat. */
export async function migrateKey(s: Storage, key: string, nowMs: number, logger?: Logger): Promise<KeyOutcome> {
  const raw = await s.get(key);
  if (raw === null) return 'gone';
  let data: unknown;
  try {
    data = decodeRecord(raw);
    // A value an older version stored that the record codec now refuses (an unpaired
    // surrogate) cannot be written as a version: treat it as uncopyable.
    checkRecord(data);
  } catch {
    data = undefined;
  }
  if (!isPlainObject(data)) {
    // Never delete what we cannot copy: the key stays, unreachable but intact.
    logger?.error('kv upgrade: v1 value is not a JSON object that can be stored; left in place', { key });
    return 'skipped';
  }
  const existing = await readMetadata(s, key);
  if (existing === null) {
    await appendVersion(s, key, emptyMetadata(rfc3339(nowMs)), { ...DEFAULT_CONFIG }, data, nowMs).durable;
  } else {
    // An earlier run wrote the metadata; its version write may not have landed.
    await writeVersion(s, key, existing.current_version || 1, data);
  }
  await s.delete(key);
  return existing === null ? 'migrated' : 'resumed';
}

export interface MigrateOptions {
  clock?: Clock;
  logger?: Logger;
  /** Checked between keys; once true the migration stops without writing the marker. */
  shouldStop?: () => boolean;
}

export interface MigrateResult {
  migrated: number;
  resumed: number;
  skipped: string[];
  /** False when stopped early: the marker is not written and a later run resumes. */
  completed: boolean;
}

/** Migrates every v1 key, pass after pass until none is left, then writes the marker. */
export async function migrateV1ToV2(s: Storage, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const clock = opts.clock ?? systemClock;
  const stop = opts.shouldStop ?? (() => false);
  const result: MigrateResult = { migrated: 0, resumed: 0, skipped: [], completed: false };
  const skipped = new Set<string>();
  for (;;) {
    const keys = (await pendingV1Keys(s)).filter((k) => !skipped.has(k));
    if (keys.length === 0) break;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length && !stop()) {
        const key = keys[next++]!;
        const outcome = await migrateKey(s, key, clock.now(), opts.logger);
        if (outcome === 'migrated') result.migrated++;
        else if (outcome === 'resumed') result.resumed++;
        else if (outcome === 'skipped') skipped.add(key);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, keys.length) }, worker));
    if (stop()) return { ...result, skipped: [...skipped] };
  }
  await writeMarker(s, clock.now());
  return { ...result, skipped: [...skipped], completed: true };
}

export interface UpgradeOptions {
  clock?: Clock;
  logger?: Logger;
  /**
   * A read-only copy of the mount (a performance standby): it never migrates (its writes
   * are refused); until the active's marker is there it answers 503, which the standby
   * forwards to the active, and from then on it is the plain v2 backend.
   */
  readOnly?: boolean;
  /** See DEFAULT_GRACE_MS; 0 answers the 400 at once. */
  graceMs?: number;
}

/**
 * Returns `inner` unchanged when no upgrade is needed; otherwise starts the migration
 * in the background and returns a wrapper that answers 400 until it has finished.
 */
export async function withV1Upgrade(inner: Backend, storage: Storage, opts: UpgradeOptions = {}): Promise<Backend> {
  const clock = opts.clock ?? systemClock;
  if (opts.readOnly) return isMarker(await storage.get(UPGRADE_MARKER)) ? inner : untilUpgraded(inner, storage);
  if (!(await upgradeNeeded(storage, clock))) return inner;
  const logger = opts.logger;
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  let upgrading = true;
  let stopped = false;
  logger?.info('kv upgrade: migrating non-versioned data to versioned');
  const run: Promise<void> = migrateV1ToV2(storage, { clock, ...(logger ? { logger } : {}), shouldStop: () => stopped }).then(
    (r) => {
      if (!r.completed) return;
      upgrading = false;
      logger?.info('kv upgrade: done', { migrated: r.migrated, resumed: r.resumed, skipped: r.skipped.length });
    },
    (e: unknown) => logger?.error('kv upgrade failed; the mount stays unavailable until it restarts', { error: String(e) }),
  );

  async function ready(): Promise<boolean> {
    if (!upgrading) return true;
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      });
      await Promise.race([run, timeout]);
      clearTimeout(timer);
    }
    return !upgrading;
  }

  return {
    type: inner.type,
    kind: inner.kind,
    specialPaths: inner.specialPaths,
    secretTypes: inner.secretTypes,
    async handleRequest(req: LogicalRequest): Promise<LogicalResponse | null> {
      if (!(await ready())) throw badRequest(UPGRADING_MESSAGE);
      return inner.handleRequest(req);
    },
    async existenceCheck(req: LogicalRequest): Promise<boolean | undefined> {
      // Still upgrading after the grace: "no check" (update) lets the ACL run and handleRequest answer the 400.
      return (await ready()) ? inner.existenceCheck(req) : undefined;
    },
    async cleanup(): Promise<void> {
      stopped = true;
      await run;
      await inner.cleanup?.();
    },
  };
}

/** A read-only copy's backend before the active has written the marker: 503 (forwarded) until it has. */
function untilUpgraded(inner: Backend, storage: Storage): Backend {
  let upgraded = false;
  const check = async (): Promise<void> => {
    // One barrier get per request until the marker appears (the change stream drops it from the cache).
    if (!upgraded && isMarker(await storage.get(UPGRADE_MARKER))) upgraded = true;
    if (!upgraded) throw new WardError('standby', ['the kv upgrade to version 2 runs on the active node']);
  };
  return {
    type: inner.type,
    kind: inner.kind,
    specialPaths: inner.specialPaths,
    secretTypes: inner.secretTypes,
    async handleRequest(req: LogicalRequest): Promise<LogicalResponse | null> {
      await check();
      return inner.handleRequest(req);
    },
    async existenceCheck(req: LogicalRequest): Promise<boolean | undefined> {
      await check();
      return inner.existenceCheck(req);
    },
    cleanup: async () => inner.cleanup?.(),
  };
}
