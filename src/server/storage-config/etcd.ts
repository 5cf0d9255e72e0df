/**
 * `storage "etcd" { … }`: Vault's keys for its etcd (v3) backend, with Vault's defaults and
 * its environment overrides (ETCD_ADDR, ETCD_API, ETCD_HA_ENABLED, ETCD_USERNAME,
 * ETCD_PASSWORD win over the file).
 */
import { readFileSync } from 'node:fs';
import { bool, int, str, type Block, type Locator } from '../config.js';
import { parseDurationSeconds } from '../../lib/duration.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { DEFAULT_PATH, normalisePath } from '../../storage/etcd/keys.js';
import { createLogger } from '../logger.js';

export interface EtcdStorageConfig {
  type: 'etcd';
  /** Member URLs. */
  address: string[];
  /** Key prefix, normalised to "/…/". */
  path: string;
  haEnabled: boolean;
  sync: boolean;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsServerName?: string;
  username?: string;
  password?: string;
  lockTimeoutSeconds: number;
  requestTimeoutMs: number;
  maxReceiveSize?: number;
}

const KEYS = new Set([
  'address',
  'etcd_api',
  'path',
  'ha_enabled',
  'sync',
  'tls_ca_file',
  'tls_cert_file',
  'tls_key_file',
  'tls_server_name',
  'username',
  'password',
  'lock_timeout',
  'request_timeout',
  'max_receive_size',
]);
const DEFAULT_ADDRESS = 'http://127.0.0.1:2379';
const V3 = new Set(['v3', '3', 'etcd3']);
const V2 = new Set(['v2', '2', 'etcd2']);
const MAX_RECEIVE = 2 ** 31 - 1;

function parseAddress(raw: string): string[] | null {
  const urls = raw.split(',').map((u) => u.trim());
  for (const u of urls) {
    try {
      const parsed = new URL(u);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
      if (parsed.username !== '' || parsed.password !== '') return null; // credentials go in username/password
    } catch {
      return null;
    }
  }
  return urls;
}

export function parseEtcd(b: Block, loc: Locator, at: number): EtcdStorageConfig {
  const body = b.body;
  const env = process.env;
  for (const k of Object.keys(body)) {
    if (k === 'discovery_srv' || k === 'discovery_srv_name') throw loc.error(`${k} is not supported: list the etcd members in address`, k, at);
    if (!KEYS.has(k)) throw loc.error(`unknown key "${k}" in storage "etcd"`, k, at);
  }
  const s = (k: string): string | undefined => str(body, k, loc, at);

  const api = env.ETCD_API !== undefined && body['etcd_api'] === undefined ? { v: env.ETCD_API, from: 'ETCD_API' } : { v: s('etcd_api'), from: 'etcd_api' };
  if (api.v !== undefined && api.v !== '' && !V3.has(api.v)) {
    const fromEnv = api.from === 'ETCD_API';
    const msg = V2.has(api.v)
      ? `${api.from} "${api.v}" is not supported: Ward speaks only etcd's v3 API (etcd 3.x); migrate the data to the v3 API and set etcd_api = "v3"`
      : `${api.from} must be "v3"`;
    throw fromEnv ? loc.error(`environment variable ${msg}`, undefined, at) : loc.error(msg, 'etcd_api', at);
  }

  let address: string[];
  if (env.ETCD_ADDR !== undefined && env.ETCD_ADDR !== '') {
    const parsed = parseAddress(env.ETCD_ADDR);
    if (!parsed) throw loc.error('environment variable ETCD_ADDR must be a comma-separated list of http:// or https:// URLs', undefined, at);
    address = parsed;
  } else {
    const raw = s('address');
    const parsed = raw === undefined ? [DEFAULT_ADDRESS] : parseAddress(raw);
    if (!parsed) throw loc.error('address must be a comma-separated list of http:// or https:// URLs without credentials (those go in username and password), such as "https://etcd-1:2379,https://etcd-2:2379"', 'address', at);
    address = parsed;
  }

  const envHa = env.ETCD_HA_ENABLED;
  let haEnabled = bool(body, 'ha_enabled', loc, at) ?? false;
  if (envHa !== undefined && envHa !== '') {
    const v = bool({ ETCD_HA_ENABLED: envHa }, 'ETCD_HA_ENABLED', loc, at);
    if (v !== undefined) haEnabled = v;
  }

  const seconds = (k: string, dflt: number): number => {
    const v = body[k];
    if (v === undefined) return dflt;
    let secs: number;
    try {
      secs = parseDurationSeconds(v);
    } catch {
      throw loc.error(`${k} must be a duration such as "15s" or a number of seconds`, k, at);
    }
    if (secs < 1) throw loc.error(`${k} must be at least 1s`, k, at);
    return secs;
  };

  const cfg: EtcdStorageConfig = {
    type: 'etcd',
    address,
    path: normalisePath(s('path') ?? DEFAULT_PATH),
    haEnabled,
    sync: bool(body, 'sync', loc, at) ?? true,
    lockTimeoutSeconds: seconds('lock_timeout', 15),
    requestTimeoutMs: seconds('request_timeout', 5) * 1000,
  };

  const tlsCa = s('tls_ca_file');
  const tlsCert = s('tls_cert_file');
  const tlsKey = s('tls_key_file');
  const serverName = s('tls_server_name');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw loc.error('tls_cert_file and tls_key_file must be given together', tlsCert === undefined ? 'tls_key_file' : 'tls_cert_file', at);
  if (tlsCa !== undefined) cfg.tlsCaFile = tlsCa;
  if (tlsCert !== undefined) cfg.tlsCertFile = tlsCert;
  if (tlsKey !== undefined) cfg.tlsKeyFile = tlsKey;
  if (serverName !== undefined) cfg.tlsServerName = serverName;

  const username = env.ETCD_USERNAME || s('username');
  const password = env.ETCD_PASSWORD || s('password');
  if ((username === undefined || username === '') !== (password === undefined || password === '')) {
    throw loc.error('username and password must be given together', username ? 'username' : 'password', at);
  }
  if (username && password) {
    cfg.username = username;
    cfg.password = password;
  }

  const maxReceive = int(body, 'max_receive_size', loc, at);
  if (maxReceive !== undefined) {
    if (maxReceive < 1 || maxReceive > MAX_RECEIVE) throw loc.error(`max_receive_size must be between 1 and ${MAX_RECEIVE} bytes`, 'max_receive_size', at);
    cfg.maxReceiveSize = maxReceive;
  }
  return cfg;
}

/** Reads a TLS file named in the stanza, saying which key named it when it cannot. */
function readTls(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`storage "etcd": cannot read ${key} ${file}: ${(e as Error).message}`);
  }
}

export interface OpenEtcdOptions {
  /** Stops retrying an unreachable cluster; the open then rejects with an AbortError. */
  signal?: AbortSignal;
  logger?: { error(msg: string, f?: Record<string, unknown>): void; warn(msg: string, f?: Record<string, unknown>): void; debug(msg: string, f?: Record<string, unknown>): void };
}

/**
 * Opens the store (the driver is imported here, only when this engine is configured). An
 * unreachable cluster is logged and retried until it answers or `signal` aborts.
 */
export async function openEtcd(config: EtcdStorageConfig, o: OpenEtcdOptions = {}): Promise<PhysicalBackend> {
  const [{ openEtcdStore }, { ETCD_MAX_REQUEST_BYTES }] = await Promise.all([import('../../storage/etcd/open.js'), import('../../storage/etcd/client-options.js')]);
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; serverName?: string } = {};
  if (config.tlsCaFile) tls.ca = readTls(config.tlsCaFile, 'tls_ca_file');
  if (config.tlsCertFile) tls.cert = readTls(config.tlsCertFile, 'tls_cert_file');
  if (config.tlsKeyFile) tls.key = readTls(config.tlsKeyFile, 'tls_key_file');
  if (config.tlsServerName) tls.serverName = config.tlsServerName;
  return openEtcdStore(
    {
      endpoints: config.address,
      path: config.path,
      haEnabled: config.haEnabled,
      sync: config.sync,
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
      ...(config.username && config.password ? { username: config.username, password: config.password } : {}),
      lockTtlSeconds: config.lockTimeoutSeconds,
      requestTimeoutMs: config.requestTimeoutMs,
      ...(config.maxReceiveSize !== undefined ? { maxReceiveSize: config.maxReceiveSize } : {}),
      maxRequestBytes: ETCD_MAX_REQUEST_BYTES,
    },
    { logger: o.logger ?? createLogger('info').child('storage.etcd'), ...(o.signal ? { signal: o.signal } : {}) },
  );
}
