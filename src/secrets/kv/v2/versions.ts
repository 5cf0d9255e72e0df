/**
 * Version bookkeeping shared by the data, delete and metadata paths: creating a
 * version (with CAS, max_versions purging and delete_version_after scheduling),
 * deciding whether a version reads as deleted, and the metadata shapes clients see.
 */
import { badRequest } from '../../../sdk/errors.js';
import { transact, type Frozen, type Storage, type StorageOp } from '../../../sdk/storage.js';
import { rfc3339 } from '../../../lib/clock.js';
import {
  DEFAULT_MAX_VERSIONS,
  MAX_TX_OPS,
  metadataPut,
  setVersion,
  versionDelete,
  versionEntry,
  versionPut,
  type KeyMetadata,
  type MountConfig,
  type VersionMetadata,
} from './layout.js';

/** True when the version is destroyed or its deletion time has passed. */
export function isDeleted(vm: VersionMetadata, nowMs: number): boolean {
  return vm.destroyed || (vm.deletion_time !== '' && Date.parse(vm.deletion_time) <= nowMs);
}

/** The per-version metadata object returned by data reads and writes. */
export function versionView(meta: Frozen<KeyMetadata> | KeyMetadata, version: number, vm: Readonly<VersionMetadata>): Record<string, unknown> {
  return {
    created_time: vm.created_time,
    custom_metadata: meta.custom_metadata,
    deletion_time: vm.deletion_time,
    destroyed: vm.destroyed,
    version,
  };
}

export function effectiveMaxVersions(meta: KeyMetadata, config: MountConfig): number {
  if (meta.max_versions > 0) return meta.max_versions;
  if (config.max_versions > 0) return config.max_versions;
  return DEFAULT_MAX_VERSIONS;
}

/** The smaller non-zero of the key's and the mount's delete_version_after, else 0. */
export function effectiveDeleteAfter(meta: KeyMetadata, config: MountConfig): number {
  const a = meta.delete_version_after;
  const b = config.delete_version_after;
  if (a > 0 && b > 0) return Math.min(a, b);
  return a > 0 ? a : b > 0 ? b : 0;
}

export function emptyMetadata(nowIso: string): KeyMetadata {
  return {
    created_time: nowIso,
    updated_time: nowIso,
    current_version: 0,
    oldest_version: 0,
    max_versions: 0,
    cas_required: false,
    delete_version_after: 0,
    custom_metadata: null,
    versions: [],
  };
}

/**
 * Reads `options.cas` from a data write. Absent (or null) = undefined. Numbers, numeric
 * strings and booleans are read as Go's weak decoding reads them (fractions truncated); a
 * negative cas can match no version, so it is the plain mismatch Vault answers.
 */
export function parseCas(options: Record<string, unknown>): number | undefined {
  if (!Object.hasOwn(options, 'cas')) return undefined;
  const raw = options.cas;
  if (raw === null || raw === undefined) return undefined;
  const n =
    typeof raw === 'number' ? raw
    : typeof raw === 'boolean' ? Number(raw)
    : typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw) ? Number(raw.trim())
    : NaN;
  if (!Number.isFinite(n)) throw badRequest('error parsing check-and-set parameter');
  return Math.trunc(n) < 0 ? -1 : Math.trunc(n);
}

/** Enforces check-and-set: `cas` must equal the current version (0 = the secret must not exist yet). */
export function checkCas(meta: Frozen<KeyMetadata> | KeyMetadata | null, config: MountConfig, cas: number | undefined): void {
  const required = config.cas_required || (meta?.cas_required ?? false);
  if (cas === undefined) {
    if (required) throw badRequest('check-and-set parameter required for this call');
    return;
  }
  if (cas !== (meta?.current_version ?? 0)) throw badRequest('check-and-set parameter did not match the current version');
}

/**
 * Writes `data` as a new version and updates `meta` in place: schedules deletion per
 * delete_version_after, then purges the oldest versions beyond max_versions. The version,
 * the metadata and the purges are one storage transaction, so a refused write (a value
 * too large for the engine) leaves the secret as it was.
 *
 * The transaction is issued, not awaited, so the caller can release its key lock and let
 * the next writer join the same group commit; it awaits `durable` before acknowledging
 * its client. The next writer of the key reads what the store orders after this write.
 */
export function appendVersion(
  s: Storage,
  path: string,
  meta: KeyMetadata,
  config: MountConfig,
  data: Record<string, unknown>,
  nowMs: number,
): { version: number; durable: Promise<void> } {
  const version = meta.current_version + 1;
  const nowIso = rfc3339(nowMs);
  const deleteAfter = effectiveDeleteAfter(meta, config);
  const ops: StorageOp[] = [versionPut(path, version, data)];

  setVersion(
    meta,
    versionEntry(version, {
      created_time: nowIso,
      deletion_time: deleteAfter > 0 ? rfc3339(nowMs + deleteAfter * 1000) : '',
      destroyed: false,
    }),
  );
  meta.current_version = version;
  meta.updated_time = nowIso;

  const keep = effectiveMaxVersions(meta, config);
  let purged: StorageOp[] = [];
  if (meta.versions.length > keep) {
    const oldest = version - keep + 1;
    let purge = 0;
    while (purge < meta.versions.length && meta.versions[purge]!.version < oldest) {
      purged.push(versionDelete(path, meta.versions[purge]!.version));
      purge++;
    }
    meta.versions.splice(0, purge);
    meta.oldest_version = oldest;
  }
  // The newest purges ride with the write; any beyond one transaction's worth (after
  // max_versions was lowered a lot) follow it: the metadata no longer names them.
  const later = purged.length > MAX_TX_OPS - 2 ? purged.slice(0, purged.length - (MAX_TX_OPS - 2)) : [];
  if (later.length > 0) purged = purged.slice(later.length);
  ops.push(...purged, metadataPut(path, meta));
  let durable = transact(s, ops);
  for (let i = 0; i < later.length; i += MAX_TX_OPS) {
    const chunk = later.slice(i, i + MAX_TX_OPS);
    durable = durable.then(() => transact(s, chunk));
  }
  return { version, durable };
}
