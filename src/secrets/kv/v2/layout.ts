/**
 * Storage layout of a versioned K/V mount.
 *
 *   config                      mount-wide settings (MountConfig)
 *   metadata/<path>             one KeyMetadata record per secret, versions map included
 *   versions/<path>/<n>         the data of version n, stored as the bare JSON object
 *
 * Reading the latest version is therefore one metadata get (which names the current
 * version and says whether it is deleted) plus one version get. Listing walks the
 * `metadata/` tree with storage.list, so it never touches version data. Version keys
 * cannot collide across secrets because the last segment is always an integer: the
 * version keys of `a` are `versions/a/<n>`, those of `a/1` are `versions/a/1/<n>`.
 * Deleting a secret deletes every version key named in its metadata, then the metadata.
 * A change that touches several keys (a new version with its metadata and the versions it
 * purges; a destroy) is one storage transaction: it applies whole or not at all.
 */
import { decodeRecord, encodeRecord, jsonBool, jsonInt, jsonString, recordText } from '../../../sdk/record.js';
import { getShared, getSharedJSON, putShared, putSharedJSON, sharedJSONPut, transact, type Frozen, type Storage, type StorageOp } from '../../../sdk/storage.js';

export const CONFIG_KEY = 'config';
export const METADATA_PREFIX = 'metadata/';
export const VERSIONS_PREFIX = 'versions/';

/** Versions kept when neither the key nor the mount sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;

export interface MountConfig {
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = versions are never scheduled for deletion. */
  delete_version_after: number;
}

export const DEFAULT_CONFIG: Readonly<MountConfig> = { max_versions: 0, cas_required: false, delete_version_after: 0 };

export interface VersionMetadata {
  created_time: string;
  /** "" when live; an RFC3339 time once deleted or scheduled by delete_version_after. */
  deletion_time: string;
  destroyed: boolean;
}

/** One entry of a secret's version history. Never changed in place, only replaced. */
export interface VersionEntry extends Readonly<VersionMetadata> {
  readonly version: number;
}

export interface KeyMetadata {
  created_time: string;
  updated_time: string;
  current_version: number;
  /** 0 until max_versions first purges old versions, as Vault reports it. */
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  /** Seconds. */
  delete_version_after: number;
  custom_metadata: Record<string, string> | null;
  /**
   * Ascending by version. Stored (and sent) as a map keyed by the version number; held
   * as a list because a map keyed by large integers is a slow dictionary in V8, and a
   * hot secret rewritten thousands of times paid for that on every copy and write.
   * Entries are frozen and shared with the stored record, so a copy is one slice.
   */
  versions: Frozen<VersionEntry>[];
}

export const metadataKey = (path: string): string => METADATA_PREFIX + path;
export const versionKey = (path: string, version: number): string => `${VERSIONS_PREFIX}${path}/${version}`;

/** The entry for `version`, if the history still has it. The current one is last. */
export function findVersion(meta: Frozen<KeyMetadata> | KeyMetadata, version: number): Frozen<VersionEntry> | undefined {
  const list = meta.versions;
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i]!;
    if (e.version === version) return e;
    if (e.version < version) return undefined;
  }
  return undefined;
}

/** A frozen entry for `version`; the only way entries are made, so all are frozen. */
export function versionEntry(version: number, vm: Readonly<VersionMetadata>): Frozen<VersionEntry> {
  return Object.freeze({ version, created_time: vm.created_time, deletion_time: vm.deletion_time, destroyed: vm.destroyed });
}

/** Puts `entry` into a private copy's history, replacing the entry of the same version. */
export function setVersion(meta: KeyMetadata, entry: Frozen<VersionEntry>): void {
  const list = meta.versions;
  let i = list.length;
  while (i > 0 && list[i - 1]!.version > entry.version) i--;
  if (i > 0 && list[i - 1]!.version === entry.version) list[i - 1] = entry;
  else list.splice(i, 0, entry);
}

/** The history in its wire (and stored) shape: version number → entry. */
export function versionsMap(meta: Frozen<KeyMetadata> | KeyMetadata): Record<string, VersionMetadata> {
  const out: Record<string, VersionMetadata> = {};
  for (const e of meta.versions) out[String(e.version)] = { created_time: e.created_time, deletion_time: e.deletion_time, destroyed: e.destroyed };
  return out;
}

type StoredMetadata = Omit<KeyMetadata, 'versions'> & { versions?: Record<string, VersionMetadata> | null };

/** A stored count or duration as a usable number: anything else (null, or 0 from a repaired Infinity) is 0. */
const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0);

/**
 * Stored JSON → the shared record: versions as an ascending list, everything frozen.
 * Settings an older version stored as null or a bare Infinity (its encoder printed the
 * number; decodeRecord reads that as 0) read as 0, "not set", so such a key works again
 * and is written back correctly on its next change.
 */
const decodeMetadata = (raw: Buffer): Frozen<KeyMetadata> => {
  const stored = decodeRecord<StoredMetadata>(raw);
  const versions = Object.keys(stored.versions ?? {})
    .map(Number)
    .sort((a, b) => a - b)
    .map((v) => versionEntry(v, stored.versions![String(v)]!));
  return freezeMetadata({
    ...stored,
    current_version: count(stored.current_version),
    oldest_version: count(stored.oldest_version),
    max_versions: count(stored.max_versions),
    delete_version_after: count(stored.delete_version_after),
    versions,
  });
};

function freezeMetadata(meta: KeyMetadata): Frozen<KeyMetadata> {
  Object.freeze(meta.versions);
  if (meta.custom_metadata !== null) Object.freeze(meta.custom_metadata);
  return Object.freeze(meta) as Frozen<KeyMetadata>;
}

/** `"<version>":{...}` per entry; entries are frozen, so each is serialised once. */
const entryTexts = new WeakMap<object, string>();

function entryText(e: Frozen<VersionEntry>): string {
  let t = entryTexts.get(e);
  if (t === undefined) {
    t = `"${jsonInt(e.version)}":{"created_time":${jsonString(e.created_time)},"deletion_time":${jsonString(e.deletion_time)},"destroyed":${jsonBool(e.destroyed)}}`;
    entryTexts.set(e, t);
  }
  return t;
}

/**
 * The stored JSON: the shape JSON.stringify gave the map form, built from cached entry
 * texts. Every piece goes through the record codec's json* helpers, which refuse what
 * would not parse back: this encoder once printed `Infinity` and bricked the key.
 */
function encodeMetadata(m: KeyMetadata): string {
  let versions = '';
  for (const e of m.versions) versions += versions === '' ? entryText(e) : `,${entryText(e)}`;
  return (
    `{"created_time":${jsonString(m.created_time)},"updated_time":${jsonString(m.updated_time)}` +
    `,"current_version":${jsonInt(m.current_version)},"oldest_version":${jsonInt(m.oldest_version)},"max_versions":${jsonInt(m.max_versions)}` +
    `,"cas_required":${jsonBool(m.cas_required)},"delete_version_after":${jsonInt(m.delete_version_after)}` +
    `,"custom_metadata":${m.custom_metadata === null ? 'null' : recordText(m.custom_metadata)},"versions":{${versions}}}`
  );
}

/**
 * The metadata for reading: frozen and shared between requests until the next write
 * (reads and the existence check of every write parse it otherwise).
 */
export function readMetadata(s: Storage, path: string): Promise<Frozen<KeyMetadata> | null> {
  return getShared(s, metadataKey(path), decodeMetadata);
}

/** A private, mutable copy of the metadata, for a change that will be written back. */
export async function readMetadataForUpdate(s: Storage, path: string): Promise<KeyMetadata | null> {
  const m = await readMetadata(s, path);
  return m === null ? null : copyMetadata(m);
}

/**
 * A copy whose fields and history may be changed; version entries stay shared (and
 * frozen). Written out field by field: spreading a frozen object took V8's slow path.
 */
export function copyMetadata(m: Frozen<KeyMetadata>): KeyMetadata {
  return {
    created_time: m.created_time,
    updated_time: m.updated_time,
    current_version: m.current_version,
    oldest_version: m.oldest_version,
    max_versions: m.max_versions,
    cas_required: m.cas_required,
    delete_version_after: m.delete_version_after,
    custom_metadata: m.custom_metadata ? { ...m.custom_metadata } : null,
    // Spread, not slice(): V8's slice has no fast path for a frozen array and took
    // about 2.5 us here, a spread about 0.1.
    versions: [...m.versions],
  };
}

/** Stores `meta`, which becomes the shared (frozen) record: change a copy from now on. */
export function writeMetadata(s: Storage, path: string, meta: KeyMetadata): Promise<void> {
  let raw: Buffer;
  try {
    raw = Buffer.from(encodeMetadata(meta), 'utf8');
  } catch (e) {
    return Promise.reject(e); // a rejection like any storage failure, never a synchronous throw
  }
  return putShared(s, metadataKey(path), raw, decodeMetadata, freezeMetadata(meta));
}

/**
 * The transaction op storing `meta`, which becomes the shared (frozen) record once
 * committed: change a copy from now on. Throws (a 400) for what would not read back.
 */
export function metadataPut(path: string, meta: KeyMetadata): StorageOp {
  const value = Buffer.from(encodeMetadata(meta), 'utf8');
  return { op: 'put', key: metadataKey(path), value, decode: decodeMetadata, decoded: freezeMetadata(meta) };
}

/** The op storing a version's data; `data` becomes the shared (frozen) record. */
export function versionPut(path: string, version: number, data: Record<string, unknown>): StorageOp {
  return sharedJSONPut(versionKey(path, version), data);
}

export function versionDelete(path: string, version: number): StorageOp {
  return { op: 'delete', key: versionKey(path, version) };
}

/**
 * Ops per storage transaction at most: etcd refuses more than --max-txn-ops (128 by
 * default) in one. Larger changes (deleting a secret with hundreds of versions) go in
 * several, version data first and the metadata last.
 */
export const MAX_TX_OPS = 100;

/** The data of one version, frozen and shared between readers. */
export function readVersion(s: Storage, path: string, version: number): Promise<Frozen<Record<string, unknown>> | null> {
  return getSharedJSON<Record<string, unknown>>(s, versionKey(path, version));
}

/** Stores the data of a version; `data` becomes the shared (frozen) record. */
export function writeVersion(s: Storage, path: string, version: number, data: Record<string, unknown>): Promise<void> {
  return putSharedJSON(s, versionKey(path, version), data);
}

/**
 * Removes every version this metadata still knows about and the metadata itself: one
 * transaction, unless there are more than {@link MAX_TX_OPS} (then the metadata goes in
 * the last, so a failure midway leaves a secret whose oldest versions read as missing).
 */
export async function deleteSecret(s: Storage, path: string, meta: Frozen<KeyMetadata>): Promise<void> {
  const ops: StorageOp[] = meta.versions.map((e) => versionDelete(path, e.version));
  ops.push({ op: 'delete', key: metadataKey(path) });
  for (let i = 0; i < ops.length; i += MAX_TX_OPS) await transact(s, ops.slice(i, i + MAX_TX_OPS));
}

export async function readConfig(s: Storage): Promise<MountConfig> {
  const stored = await getSharedJSON<Partial<MountConfig>>(s, CONFIG_KEY);
  if (stored === null) return { ...DEFAULT_CONFIG };
  // null (an Infinity an older version wrote through JSON.stringify) reads as "not set".
  return { max_versions: count(stored.max_versions), cas_required: stored.cas_required === true, delete_version_after: count(stored.delete_version_after) };
}

export function writeConfig(s: Storage, config: MountConfig): Promise<void> {
  return s.put(CONFIG_KEY, encodeRecord(config));
}
