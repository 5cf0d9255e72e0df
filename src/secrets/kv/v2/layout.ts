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
 */
import { getSharedJSON, putSharedJSON, type Frozen, type Storage } from '../../../sdk/storage.js';

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
   * Keyed by the version number as a string, which is also the wire shape. Entries are
   * never changed in place, only replaced: unchanged ones are shared with the stored,
   * frozen record, so an update copies the map but not every entry.
   */
  versions: Record<string, Readonly<VersionMetadata>>;
}

export const metadataKey = (path: string): string => METADATA_PREFIX + path;
export const versionKey = (path: string, version: number): string => `${VERSIONS_PREFIX}${path}/${version}`;

/**
 * The metadata for reading: frozen and shared between requests until the next write
 * (reads and the existence check of every write parse it otherwise).
 */
export function readMetadata(s: Storage, path: string): Promise<Frozen<KeyMetadata> | null> {
  return getSharedJSON<KeyMetadata>(s, metadataKey(path));
}

/** A private, mutable copy of the metadata, for a change that will be written back. */
export async function readMetadataForUpdate(s: Storage, path: string): Promise<KeyMetadata | null> {
  const m = await readMetadata(s, path);
  return m === null ? null : copyMetadata(m);
}

/**
 * A copy whose fields and maps may be changed; version entries stay shared (and frozen).
 * Written out field by field: spreading a frozen object took V8's slow path.
 */
export function copyMetadata(m: Frozen<KeyMetadata>): KeyMetadata {
  const versions: KeyMetadata['versions'] = {};
  for (const k in m.versions) versions[k] = m.versions[k]!;
  return {
    created_time: m.created_time,
    updated_time: m.updated_time,
    current_version: m.current_version,
    oldest_version: m.oldest_version,
    max_versions: m.max_versions,
    cas_required: m.cas_required,
    delete_version_after: m.delete_version_after,
    custom_metadata: m.custom_metadata ? { ...m.custom_metadata } : null,
    versions,
  };
}

/** Stores `meta`, which becomes the shared (frozen) record: change a copy from now on. */
export function writeMetadata(s: Storage, path: string, meta: KeyMetadata): Promise<void> {
  return putSharedJSON(s, metadataKey(path), meta);
}

/** The data of one version, frozen and shared between readers. */
export function readVersion(s: Storage, path: string, version: number): Promise<Frozen<Record<string, unknown>> | null> {
  return getSharedJSON<Record<string, unknown>>(s, versionKey(path, version));
}

/** Stores the data of a version; `data` becomes the shared (frozen) record. */
export function writeVersion(s: Storage, path: string, version: number, data: Record<string, unknown>): Promise<void> {
  return putSharedJSON(s, versionKey(path, version), data);
}

export function deleteVersionData(s: Storage, path: string, version: number): Promise<void> {
  return s.delete(versionKey(path, version));
}

/** Removes every version this metadata still knows about, then the metadata itself. */
export async function deleteSecret(s: Storage, path: string, meta: KeyMetadata): Promise<void> {
  for (const v of Object.keys(meta.versions)) await s.delete(versionKey(path, Number(v)));
  await s.delete(metadataKey(path));
}

export async function readConfig(s: Storage): Promise<MountConfig> {
  const stored = await getSharedJSON<Partial<MountConfig>>(s, CONFIG_KEY);
  return stored === null ? { ...DEFAULT_CONFIG } : { ...DEFAULT_CONFIG, ...stored };
}

export function writeConfig(s: Storage, config: MountConfig): Promise<void> {
  return s.put(CONFIG_KEY, Buffer.from(JSON.stringify(config), 'utf8'));
}
