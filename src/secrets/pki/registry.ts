/**
 * The multi-issuer bookkeeping on top of store.ts: key references and the default key,
 * the issuers configuration (default issuer, default_follows_latest_issuer), name
 * checks with Vault's texts, issuer usages, and what happens when an issuer or key is
 * added or removed.
 */
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { badRequest } from '../../sdk/errors.js';
import type { Handler } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { findIssuer, issuerPath, keyPath, listIssuers, type Issuer, type LeafNotAfterBehavior, type StoredKey } from './store.js';

const issuersLock = new KeyedMutex();

/**
 * Vault's issuersLock: changes to a mount's issuers, keys and their configuration run one
 * at a time, so name checks, duplicate detection and default bookkeeping see a settled
 * state (concurrent imports of one bundle would otherwise store it twice).
 */
export function locked<F extends Fields>(handler: Handler<F>): Handler<F> {
  return (req, d) => issuersLock.run(req.mountAccessor, () => handler(req, d));
}

export interface IssuersConfig {
  default: string;
  default_follows_latest_issuer: boolean;
}

export async function readIssuersConfig(s: Storage): Promise<IssuersConfig> {
  const c = await getJSON<Partial<IssuersConfig>>(s, 'config/issuers');
  return { default: c?.default ?? '', default_follows_latest_issuer: c?.default_follows_latest_issuer ?? false };
}

export async function writeIssuersConfig(s: Storage, c: IssuersConfig): Promise<void> {
  await putJSON(s, 'config/issuers', c);
}

export async function readDefaultKeyId(s: Storage): Promise<string> {
  return (await getJSON<{ default: string }>(s, 'config/keys'))?.default ?? '';
}

export async function writeDefaultKeyId(s: Storage, id: string): Promise<void> {
  await putJSON(s, 'config/keys', { default: id });
}

export async function listKeys(s: Storage): Promise<StoredKey[]> {
  const out: StoredKey[] = [];
  for (const id of await s.list('config/key/')) {
    const k = await getJSON<StoredKey>(s, keyPath(id));
    if (k) out.push(k);
  }
  return out;
}

/** "default", a key id or a key name; a miss is the caller's mistake (400, Vault's text). */
export async function resolveKey(s: Storage, ref: string): Promise<StoredKey> {
  const r = ref.trim();
  if (r === '') throw badRequest('missing key reference');
  if (r.toLowerCase() === 'default') {
    const id = await readDefaultKeyId(s);
    const k = id ? await getJSON<StoredKey>(s, keyPath(id)) : null;
    if (!k) throw badRequest('no default key currently configured');
    return k;
  }
  const byId = await getJSON<StoredKey>(s, keyPath(r));
  if (byId) return byId;
  const byName = (await listKeys(s)).find((k) => k.name === r);
  if (!byName) throw badRequest(`unable to find PKI key for reference: ${r}`);
  return byName;
}

/** Resolves `ref` or answers Vault's 400 (`unable to find PKI issuer for reference: …`). */
export async function resolveIssuer(s: Storage, rawRef: string): Promise<Issuer> {
  const ref = rawRef.trim().toLowerCase() === 'default' ? 'default' : rawRef.trim();
  if (ref === '') throw badRequest('missing issuer reference');
  const i = await findIssuer(s, ref);
  if (i) return i;
  if (ref === 'default') throw badRequest('no default issuer currently configured');
  throw badRequest(`unable to find PKI issuer for reference: ${ref}`);
}

/** Vault's GenericNameRegex, anchored: the shape names of issuers and keys must have. */
const NAME_RE = /^\w(?:[\w.-]*\w)?$/;

/**
 * Validates a requested issuer or key name as Vault's getIssuerName/getKeyName do:
 * trimmed, not "default", word characters, and not in use (`selfId` may keep its own).
 */
export async function checkNewName(s: Storage, kind: 'issuer' | 'key', raw: string, selfId = ''): Promise<string> {
  const name = raw.trim();
  if (name === '') return '';
  if (name.toLowerCase() === 'default') throw badRequest(`reserved keyword 'default' can not be used as ${kind} name`);
  if (!NAME_RE.test(name)) throw badRequest(`${kind} name contained invalid characters`);
  const taken =
    kind === 'issuer'
      ? (await listIssuers(s)).some((i) => i.name === name && i.id !== selfId)
      : (await listKeys(s)).some((k) => k.name === name && k.id !== selfId);
  if (taken) throw badRequest(`${kind} name already in use`);
  return name;
}

export const ALL_USAGES = ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'] as const;

/** The usage set, always with read-only (Vault: "Read-only is implicit and always set"). */
export function usageOf(i: Issuer): string[] {
  return [...new Set(['read-only', ...(i.usage ?? ALL_USAGES)])].sort();
}

/** Parses requested usage names; unknown ones are refused with Vault's text. */
export function parseUsage(names: string[]): string[] {
  const unknown = names.find((n) => !(ALL_USAGES as readonly string[]).includes(n));
  if (unknown !== undefined) {
    throw badRequest(`Unable to parse specified usages: [${names.join(' ')}] - valid values are ${[...ALL_USAGES].sort().join(',')}`);
  }
  return [...new Set(['read-only', ...names])].sort();
}

/** Ward keeps truncating at the CA's notAfter unless an operator chose otherwise. */
export const leafBehaviorOf = (i: Issuer): LeafNotAfterBehavior => i.leafNotAfterBehavior ?? 'truncate';

const describeRef = (i: Issuer): string => (i.name ? `id:${i.id} / name:${i.name}` : `id:${i.id}`);

/** Refuses an issuer that may not sign certificates or has no key here (Vault's texts). */
export function assertCanIssue(i: Issuer): void {
  if (!usageOf(i).includes('issuing-certificates')) {
    throw badRequest(
      `error while attempting to use issuer ${i.id}: requested usage issuing-certificates for issuer [${describeRef(i)}] but only had usage ${usageOf(i).join(',')}`,
    );
  }
  if (!i.keyId) throw badRequest(`unable to fetch corresponding key for issuer ${i.id}; unable to use this issuer for signing`);
}

/** After a new issuer is stored: with a key, it becomes the default when there is none (or when following the latest). */
export async function noteNewIssuer(s: Storage, i: Issuer): Promise<void> {
  const c = await readIssuersConfig(s);
  const current = c.default ? await getJSON<Issuer>(s, issuerPath(c.default)) : null;
  if (i.keyId && (!current || c.default_follows_latest_issuer)) await writeIssuersConfig(s, { ...c, default: i.id });
}

/** The first key of a mount becomes its default key, as Vault's importKey does. */
export async function noteNewKey(s: Storage, k: StoredKey): Promise<void> {
  const id = await readDefaultKeyId(s);
  if (!id || !(await getJSON<StoredKey>(s, keyPath(id)))) await writeDefaultKeyId(s, k.id);
}

/** The issuer that uses `keyId`, if any: such a key may not be deleted. */
export async function issuerUsingKey(s: Storage, keyId: string): Promise<Issuer | undefined> {
  return (await listIssuers(s)).find((i) => i.keyId === keyId);
}
