/**
 * `ward operator migrate`'s configuration file, in Vault's shape: exactly one
 * `storage_source "type" { … }` and one `storage_destination "type" { … }`, each parsed
 * as a server's `storage` stanza, plus `cluster_addr` (Vault needs it only for a raft
 * destination; Ward accepts it so Vault's files work unchanged).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { blocks, ConfigError, parseRoot, str, type Block, type Locator, type Obj } from '../config.js';
import { parseStorage, type StorageConfig } from '../storage-config/index.js';

export interface MigrateConfig {
  source: StorageConfig;
  destination: StorageConfig;
  clusterAddr?: string;
}

const KEYS = new Set(['storage_source', 'storage_destination', 'cluster_addr']);

export function readMigrateConfig(path: string): MigrateConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseMigrateConfig(text, path);
}

export function parseMigrateConfig(text: string, fileName: string): MigrateConfig {
  const { root, loc } = parseRoot(text, fileName);
  for (const k of Object.keys(root)) {
    if (!KEYS.has(k)) throw loc.error(`unknown configuration key or stanza "${k}"`, k);
  }
  const source = stanza(root, 'storage_source', loc);
  const destination = stanza(root, 'storage_destination', loc);
  if (JSON.stringify(canonical(source)) === JSON.stringify(canonical(destination))) {
    throw loc.error('storage_source and storage_destination are the same store', 'storage_destination');
  }
  const out: MigrateConfig = { source, destination };
  const clusterAddr = str(root, 'cluster_addr', loc);
  if (clusterAddr !== undefined) out.clusterAddr = clusterAddr;
  return out;
}

function stanza(root: Obj, name: string, loc: Locator): StorageConfig {
  const found = blocks(root[name], name, loc);
  if (found.length !== 1) {
    // Vault's message; the line points at the second stanza when there are two.
    const at = found.length > 1 ? loc.offsetOf(name, 0, 1) : 0;
    throw loc.error(`exactly one "${name}" block is required`, undefined, at);
  }
  return parseStorage(found[0] as Block, loc, name);
}

/** A SQLite path however it is spelled (`./a.db` and `a.db` are one file). */
function canonical(c: StorageConfig): StorageConfig {
  return c.type === 'sqlite' ? { ...c, path: resolve(c.path) } : c;
}
