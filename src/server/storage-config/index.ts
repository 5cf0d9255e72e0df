/**
 * `storage` and `ha_storage` stanzas: one parser per engine, chosen by the stanza's label.
 * Adding an engine means a file here and a line in PARSERS (and in open-storage.ts).
 */
import { str, type Block, type Locator } from '../config.js';
import { parseEtcd } from './etcd.js';
import { parsePostgresql } from './postgresql.js';
import type { StorageConfig } from './types.js';

export type { StorageConfig } from './types.js';

/** `ha_enabled` on an engine that has no lock to elect with: say so rather than "unknown key". */
function noHa(b: Block, label: string, loc: Locator, at: number): void {
  if (b.body['ha_enabled'] !== undefined) throw loc.error(`storage "${label}" does not support high availability (ha_enabled): use postgresql or etcd`, 'ha_enabled', at);
}

function parseInmem(b: Block, loc: Locator, at: number): StorageConfig {
  noHa(b, 'inmem', loc, at);
  for (const k of Object.keys(b.body)) throw loc.error(`unknown key "${k}" in storage "inmem"`, k, at);
  return { type: 'inmem' };
}

function parseSqlite(b: Block, loc: Locator, at: number): StorageConfig {
  noHa(b, 'sqlite', loc, at);
  for (const k of Object.keys(b.body)) if (k !== 'path') throw loc.error(`unknown key "${k}" in storage "sqlite"`, k, at);
  const path = str(b.body, 'path', loc, at);
  if (!path) throw loc.error('storage "sqlite" requires a path', undefined, at);
  return { type: 'sqlite', path };
}

const PARSERS: Record<string, (b: Block, loc: Locator, at: number) => StorageConfig> = {
  sqlite: parseSqlite,
  inmem: parseInmem,
  postgresql: parsePostgresql,
  etcd: parseEtcd,
};

/** Parses one storage stanza; `stanza` names it in errors (`storage` or `ha_storage`). */
export function parseStorage(b: Block, loc: Locator, stanza = 'storage'): StorageConfig {
  const at = loc.offsetOf(stanza);
  const parse = Object.hasOwn(PARSERS, b.label) ? PARSERS[b.label] : undefined;
  if (!parse) throw loc.error(`unknown storage type "${b.label}": supported types are ${Object.keys(PARSERS).join(', ')}`, undefined, at);
  return parse(b, loc, at);
}
