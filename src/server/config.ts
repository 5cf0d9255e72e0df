/**
 * Server configuration files, HCL or JSON, in Vault's dialect. Only the stanzas and keys
 * Ward implements are accepted; anything else is an error naming `file:line`, so an
 * operator never believes a setting took effect when it did not.
 */
import { readFileSync } from 'node:fs';
import hcl from 'js-hcl-parser';
import { parseDurationSeconds } from '../lib/duration.js';
import type { ListenerConfig } from '../http/listener.js';
import { parseLogLevel, type LogLevel } from './logger.js';
import { jsonErrorOffset, lineAt } from './json-error.js';
import { listener } from './config-listener.js';
import { parseSeals, type SealConfig } from './config-seal.js';
import { parseServiceRegistration, type ServiceRegistrationConfig } from './config-service-registration.js';
import { HA_KEYS, parseHa, type HaConfig } from './config-ha.js';
import { parseTelemetry } from './config-telemetry.js';
import type { TelemetryConfig } from '../core/metrics/telemetry.js';

import { parseStorage, type StorageConfig } from './storage-config/index.js';

export type { StorageConfig } from './storage-config/index.js';

export interface ServerConfig {
  storage: StorageConfig;
  listeners: ListenerConfig[];
  apiAddr?: string;
  clusterName?: string;
  disableMlock: boolean;
  /** Seconds; default 768h. */
  defaultLeaseTtl: number;
  /** Seconds; default 768h. */
  maxLeaseTtl: number;
  logLevel: LogLevel;
  allowRoot: boolean;
  /** Entries in the barrier's plaintext cache (`cache_size`); 0 with `disable_cache`. */
  cacheSize: number;
  /** The `seal` stanzas; Shamir when absent. */
  seal: SealConfig;
  serviceRegistration?: ServiceRegistrationConfig;
  ha: HaConfig;
  /** The `telemetry` stanza, Vault's defaults when absent. */
  telemetry: TelemetryConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DEFAULT_TTL = 768 * 3600;
const TOP_KEYS = new Set([
  'storage',
  'listener',
  'api_addr',
  'cluster_name',
  'disable_mlock',
  'default_lease_ttl',
  'max_lease_ttl',
  'log_level',
  'allow_root',
  'ui',
  'cache_size',
  'disable_cache',
  'seal',
  'service_registration',
  'telemetry',
  ...HA_KEYS,
]);
/** Vault's default `cache_size`, in entries. */
export const DEFAULT_CACHE_SIZE = 131072;

export type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where errors point: the file name, the source, and where to start looking for a key. */
export class Locator {
  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** Offset of the `n`th (0-based) occurrence of `key` used as a key, at or after `from`. */
  offsetOf(key: string, from = 0, n = 0): number {
    const re = new RegExp(`(^|[\\s{,])"?${escapeRe(key)}"?\\s*[=:{"]`, 'gm');
    re.lastIndex = from;
    let found = -1;
    for (let i = 0; i <= n; i++) {
      const m = re.exec(this.text);
      if (!m) return found === -1 ? -1 : found;
      found = m.index + (m[1]?.length ?? 0);
    }
    return found;
  }

  error(msg: string, key?: string, from = 0): ConfigError {
    const at = key === undefined ? from : this.offsetOf(key, from);
    const line = at >= 0 && (key !== undefined || from > 0) ? `:${lineAt(this.text, at)}` : '';
    return new ConfigError(`${this.file}${line}: ${msg}`);
  }
}

/** Reads and parses a config file. */
export function parseConfigFile(path: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfig(text, path);
}

/** Parses config text; `fileName` decides JSON vs HCL (`.json` or a leading `{`) and labels errors. */
export function parseConfig(text: string, fileName: string): ServerConfig {
  const { root, loc } = parseRoot(text, fileName);
  return build(root, loc);
}

/**
 * The HCL or JSON text as one object, with a Locator for `file:line` errors; shared with
 * the other files in Vault's dialect (`ward operator migrate`'s config).
 */
export function parseRoot(text: string, fileName: string): { root: Obj; loc: Locator } {
  const loc = new Locator(fileName, text);
  const isJson = fileName.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  if (isJson) {
    // The HCL library's JSON reader silently drops what it cannot parse; validate strictly first.
    const bad = jsonErrorOffset(text);
    if (bad >= 0) throw new ConfigError(`${fileName}:${lineAt(text, bad)}: invalid JSON`);
  }
  const out = hcl.parse(text);
  let root: unknown;
  try {
    root = JSON.parse(out);
  } catch {
    const m = /At (\d+):(\d+): (.*)$/s.exec(out);
    if (m) throw new ConfigError(`${fileName}:${m[1]}:${m[2]}: ${m[3]?.trim()}`);
    throw new ConfigError(`${fileName}: ${out.trim() || 'unparsable configuration'}`);
  }
  if (!isObj(root)) throw new ConfigError(`${fileName}: configuration must be an object`);
  return { root, loc };
}

function build(root: Obj, loc: Locator): ServerConfig {
  for (const k of Object.keys(root)) {
    if (!TOP_KEYS.has(k)) throw loc.error(`unknown configuration key or stanza "${k}"`, k);
  }
  const stanzas = blocks(root['storage'], 'storage', loc);
  if (stanzas.length === 0) throw new ConfigError(`${loc.file}: a storage stanza is required (storage "sqlite" { path = "…" } or storage "inmem" {})`);
  if (stanzas.length > 1) throw loc.error('only one storage stanza is allowed', 'storage', loc.offsetOf('storage', 0, 1));
  const listeners = blocks(root['listener'], 'listener', loc).map((b, i) => listener(b, loc, loc.offsetOf('listener', 0, i)));

  const defaultLeaseTtl = duration(root, 'default_lease_ttl', loc);
  const maxLeaseTtl = duration(root, 'max_lease_ttl', loc);
  if (defaultLeaseTtl > maxLeaseTtl) throw loc.error('default_lease_ttl cannot be greater than max_lease_ttl', 'default_lease_ttl');
  let logLevel: LogLevel = 'info';
  const rawLevel = str(root, 'log_level', loc);
  if (rawLevel !== undefined) {
    const l = parseLogLevel(rawLevel);
    if (!l) throw loc.error(`invalid log_level "${rawLevel}": expected trace, debug, info, warn or error`, 'log_level');
    logLevel = l;
  }
  bool(root, 'ui', loc); // accepted for compatibility; Ward has no UI
  const cacheSize = int(root, 'cache_size', loc) ?? DEFAULT_CACHE_SIZE;
  if (cacheSize < 0) throw loc.error('cache_size must not be negative', 'cache_size');
  const storage = parseStorage(stanzas[0] as Block, loc);
  const cfg: ServerConfig = {
    storage,
    listeners,
    disableMlock: bool(root, 'disable_mlock', loc) ?? false,
    defaultLeaseTtl,
    maxLeaseTtl,
    logLevel,
    allowRoot: bool(root, 'allow_root', loc) ?? false,
    cacheSize: bool(root, 'disable_cache', loc) === true ? 0 : cacheSize,
    seal: parseSeals(root, loc),
    ha: parseHa(root, loc, storage),
    telemetry: parseTelemetry(root, loc),
  };
  const registration = single(root, 'service_registration', loc, parseServiceRegistration);
  if (registration !== undefined) cfg.serviceRegistration = registration;
  const apiAddr = str(root, 'api_addr', loc);
  if (apiAddr !== undefined) cfg.apiAddr = apiAddr;
  const clusterName = str(root, 'cluster_name', loc);
  if (clusterName !== undefined) cfg.clusterName = clusterName;
  return cfg;
}

/** At most one `name "type" { … }` stanza, parsed by `parse`. */
function single<T>(root: Obj, name: string, loc: Locator, parse: (b: Block, loc: Locator, at: number) => T): T | undefined {
  const found = blocks(root[name], name, loc);
  if (found.length > 1) throw loc.error(`only one ${name} stanza is allowed`, name, loc.offsetOf(name, 0, 1));
  return found.length === 0 ? undefined : parse(found[0] as Block, loc, loc.offsetOf(name));
}

export interface Block {
  label: string;
  body: Obj;
}

/** `storage "x" { … }` arrives as `[{"x": [{…}]}]`; flattens to labelled bodies. */
export function blocks(v: unknown, name: string, loc: Locator): Block[] {
  if (v === undefined) return [];
  const err = (): ConfigError => loc.error(`${name} must be a stanza like ${name} "type" { … }`, name);
  if (!Array.isArray(v)) throw err();
  const out: Block[] = [];
  for (const item of v) {
    if (!isObj(item)) throw err();
    for (const [label, bodies] of Object.entries(item)) {
      if (!Array.isArray(bodies)) throw err();
      for (const body of bodies) {
        if (!isObj(body)) throw err();
        out.push({ label, body });
      }
    }
  }
  return out;
}

export function str(o: Obj, k: string, loc: Locator, at = 0): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw loc.error(`${k} must be a string`, k, at);
  return v;
}

export function bool(o: Obj, k: string, loc: Locator, at = 0): boolean | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|1|t)$/i.test(v)) return true;
  if (typeof v === 'string' && /^(false|0|f)$/i.test(v)) return false;
  throw loc.error(`${k} must be a boolean`, k, at);
}

export function int(o: Obj, k: string, loc: Locator, at = 0): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
  throw loc.error(`${k} must be an integer`, k, at);
}

function duration(o: Obj, k: string, loc: Locator): number {
  const v = o[k];
  if (v === undefined) return DEFAULT_TTL;
  let secs: number;
  try {
    secs = parseDurationSeconds(v);
  } catch {
    throw loc.error(`${k} must be a duration such as "768h" or a number of seconds`, k);
  }
  if (secs < 0) throw loc.error(`${k} cannot be negative`, k);
  return secs === 0 ? DEFAULT_TTL : secs;
}
