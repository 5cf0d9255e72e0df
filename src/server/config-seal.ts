/**
 * `seal "type" { … }`: how the root key is protected (default: Shamir, no stanza).
 *
 * - `seal "transit"`: Vault's keys and environment variables. As in Vault, the environment
 *   wins for key_name, mount_path, namespace and disable_renewal; the file wins for address
 *   and token; TLS settings come from the file if it sets any, else from VAULT_CACERT & co.
 * - `seal "static"`: a 32-byte key, given as hex or base64, or as `env://NAME` / `file://PATH`
 *   (a file holding the raw 32 bytes, or their hex/base64 text).
 * - Seal migration: the new seal plus the old one with `disabled = "true"`; a disabled seal
 *   alone means migrating back to Shamir.
 */
import { readFileSync } from 'node:fs';
import type { AutoSealSpec, SealSpec, StaticSealSpec, TransitSealSpec } from '../core/seal/spec.js';
import { blocks, bool, str, type Block, type Locator, type Obj } from './config.js';

/** The configured seal and, during a seal migration, the disabled one it migrates from. */
export type SealConfig = SealSpec & { previous?: AutoSealSpec };

/** One seal stanza. */
export type ParsedSeal = AutoSealSpec & { disabled: boolean };

const TRANSIT_KEYS = new Set(['address', 'token', 'key_name', 'mount_path', 'namespace', 'disable_renewal', 'tls_ca_cert', 'tls_client_cert', 'tls_client_key', 'tls_server_name', 'tls_skip_verify', 'disabled']);
const STATIC_KEYS = new Set(['current_key_id', 'current_key', 'previous_key_id', 'previous_key', 'disabled']);

/** Every `seal` stanza of the file, combined. */
export function parseSeals(root: Obj, loc: Locator, env: NodeJS.ProcessEnv = process.env): SealConfig {
  const found = blocks(root['seal'], 'seal', loc);
  if (found.length > 2) throw loc.error('only two seal stanzas are allowed (the new seal and the disabled old one, during a seal migration)', 'seal', loc.offsetOf('seal', 0, 2));
  const parsed = found.map((b, i) => parseSeal(b, loc, loc.offsetOf('seal', 0, i), env));
  const [first, second] = parsed;
  if (!first) return { type: 'shamir' };
  if (!second) return first.disabled ? { type: 'shamir', previous: strip(first) } : strip(first);
  if (first.disabled === second.disabled) {
    throw loc.error('two seal stanzas are only allowed for a seal migration, with disabled = "true" on the old one', 'seal', loc.offsetOf('seal', 0, 1));
  }
  const [active, old] = first.disabled ? [second, first] : [first, second];
  return { ...strip(active), previous: strip(old) };
}

function strip(p: ParsedSeal): AutoSealSpec {
  const { disabled: _disabled, ...spec } = p;
  return spec;
}

export function parseSeal(b: Block, loc: Locator, at: number, env: NodeJS.ProcessEnv = process.env): ParsedSeal {
  const keys = b.label === 'transit' ? TRANSIT_KEYS : b.label === 'static' ? STATIC_KEYS : null;
  if (!keys) throw loc.error(`unknown seal type "${b.label}"`, undefined, at);
  for (const k of Object.keys(b.body)) if (!keys.has(k)) throw loc.error(`seal "${b.label}": unknown key "${k}"`, k, at);
  const disabled = bool(b.body, 'disabled', loc, at) ?? false;
  const spec = b.label === 'transit' ? transit(b.body, loc, at, env) : staticSeal(b.body, loc, at, env);
  return { ...spec, disabled };
}

const envValue = (env: NodeJS.ProcessEnv, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
};

function goBool(v: string, name: string, loc: Locator, at: number): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw loc.error(`seal "transit": ${name} must be a boolean`, undefined, at);
}

function transit(o: Obj, loc: Locator, at: number, env: NodeJS.ProcessEnv): TransitSealSpec {
  const fail = (msg: string) => loc.error(`seal "transit": ${msg}`, undefined, at);
  const address = str(o, 'address', loc, at) || envValue(env, 'VAULT_ADDR');
  const token = str(o, 'token', loc, at) || envValue(env, 'VAULT_TOKEN') || '';
  const keyName = envValue(env, 'TRANSIT_WRAPPER_KEY_NAME', 'VAULT_TRANSIT_SEAL_KEY_NAME') ?? str(o, 'key_name', loc, at);
  const mountPath = envValue(env, 'TRANSIT_WRAPPER_MOUNT_PATH', 'VAULT_TRANSIT_SEAL_MOUNT_PATH') ?? str(o, 'mount_path', loc, at);
  const namespace = envValue(env, 'VAULT_NAMESPACE') ?? str(o, 'namespace', loc, at);
  const renewalEnv = envValue(env, 'TRANSIT_WRAPPER_DISABLE_RENEWAL', 'VAULT_TRANSIT_SEAL_DISABLE_RENEWAL');
  const disableRenewal = renewalEnv !== undefined ? goBool(renewalEnv, 'VAULT_TRANSIT_SEAL_DISABLE_RENEWAL', loc, at) : (bool(o, 'disable_renewal', loc, at) ?? false);
  if (!address) throw fail('address is required (or VAULT_ADDR)');
  if (!token) throw fail('token is required (or VAULT_TOKEN)');
  if (!keyName) throw fail('key_name is required');
  const mount = (mountPath ?? '').replace(/^\/+|\/+$/g, '');
  if (!mount) throw fail('mount_path is required');
  try {
    const u = new URL(address);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw fail(`address "${address}" must be an http:// or https:// URL`);
  }
  const spec: TransitSealSpec = { type: 'transit', address, token, keyName, mountPath: mount, disableRenewal, tlsSkipVerify: false };
  if (namespace) spec.namespace = namespace;
  // Vault: TLS settings come from the file if it sets one of them, else all from the environment.
  const fileTls = ['tls_ca_cert', 'tls_client_cert', 'tls_client_key', 'tls_server_name', 'tls_skip_verify'].some((k) => o[k] !== undefined);
  const tls = fileTls
    ? { ca: str(o, 'tls_ca_cert', loc, at), cert: str(o, 'tls_client_cert', loc, at), key: str(o, 'tls_client_key', loc, at), name: str(o, 'tls_server_name', loc, at), skip: bool(o, 'tls_skip_verify', loc, at) ?? false }
    : { ca: envValue(env, 'VAULT_CACERT'), cert: envValue(env, 'VAULT_CLIENT_CERT'), key: envValue(env, 'VAULT_CLIENT_KEY'), name: envValue(env, 'VAULT_TLS_SERVER_NAME'), skip: goBool(envValue(env, 'VAULT_SKIP_VERIFY') ?? 'false', 'VAULT_SKIP_VERIFY', loc, at) };
  if (tls.ca) spec.tlsCaCert = tls.ca;
  if (tls.cert) spec.tlsClientCert = tls.cert;
  if (tls.key) spec.tlsClientKey = tls.key;
  if (tls.name) spec.tlsServerName = tls.name;
  spec.tlsSkipVerify = tls.skip;
  return spec;
}

function staticSeal(o: Obj, loc: Locator, at: number, env: NodeJS.ProcessEnv): StaticSealSpec {
  const fail = (msg: string, key?: string) => loc.error(`seal "static": ${msg}`, key, at);
  const currentKeyId = str(o, 'current_key_id', loc, at);
  const current = str(o, 'current_key', loc, at);
  if (!currentKeyId) throw fail('current_key_id is required');
  if (!current) throw fail('current_key is required');
  const spec: StaticSealSpec = { type: 'static', currentKeyId, currentKey: resolveKey(current, 'current_key', fail, env) };
  const previousKeyId = str(o, 'previous_key_id', loc, at);
  const previous = str(o, 'previous_key', loc, at);
  if (!previousKeyId !== !previous) throw fail('previous_key_id and previous_key go together', previousKeyId ? 'previous_key_id' : 'previous_key');
  if (previousKeyId && previous) {
    spec.previousKeyId = previousKeyId;
    spec.previousKey = resolveKey(previous, 'previous_key', fail, env);
  }
  return spec;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Resolves env:// and file:// and decodes the key; errors name the key, never its value. */
function resolveKey(value: string, name: string, fail: (msg: string, key?: string) => Error, env: NodeJS.ProcessEnv): Buffer {
  let material: Buffer;
  if (value.startsWith('env://')) {
    const v = env[value.slice(6)];
    if (v === undefined || v === '') throw fail(`${name}: environment variable ${value.slice(6)} is not set`, name);
    material = Buffer.from(v, 'utf8');
  } else if (value.startsWith('file://')) {
    const path = value.slice(7);
    try {
      material = readFileSync(path);
    } catch (e) {
      throw fail(`${name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, name);
    }
  } else material = Buffer.from(value, 'utf8');
  // A file may hold the raw key (`openssl rand -out key 32`); everything else is text.
  if (value.startsWith('file://') && material.length === 32) return material;
  const text = material.toString('utf8').trim();
  let key: Buffer | undefined;
  if (HEX64.test(text)) key = Buffer.from(text, 'hex');
  else if (text !== '' && BASE64.test(text)) key = Buffer.from(text, 'base64');
  if (!key || key.length !== 32) throw fail(`${name} must be a 32-byte key (raw in a file, or hex or base64)`, name);
  return key;
}
