/**
 * PUT sys/init (§2.1): parameter checks with Vault's texts, then the core's init, then (when
 * `pgp_keys` / `recovery_pgp_keys` / `root_token_pgp_key` are given) each share and the root
 * token encrypted as Vault does: a share's plaintext is its hex string, the token's is the token
 * itself; `keys` / `recovery_keys` carry the hex and `keys_base64` / `recovery_keys_base64` the
 * base64 of the binary OpenPGP message, `root_token` the base64. The keys are parsed before the
 * core generates anything, so a bad key never costs an initialisation's shares.
 */
import type { CoreApi, InitResult } from '../core/api-types.js';
import { badRequest } from '../sdk/errors.js';
import { PgpKeyError, parsePgpPublicKey, pgpEncrypt, type PgpPublicKey } from '../lib/pgp.js';
import { json, type Rendered } from './render.js';

function intField(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be an integer`);
  return v;
}

/** A list of keys; null, absent and [] (what the Go client sends when unused) are "none". */
function keyList(body: Record<string, unknown>, name: string): string[] {
  const v = body[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((k) => typeof k !== 'string')) throw badRequest(`${name} must be a list of strings`);
  return v as string[];
}

/** `what`: "seal" or "recovery", as Vault's core.Initialize wraps SealConfig.Validate's text. */
async function parseKeys(keys: string[], shares: number, what: 'seal' | 'recovery'): Promise<PgpPublicKey[]> {
  if (keys.length === 0) return [];
  const prefix = `invalid ${what} configuration: `;
  if (keys.length !== shares) throw badRequest(`${prefix}count mismatch between number of provided PGP keys and number of shares`);
  return Promise.all(keys.map((k) => parseKey(k, prefix)));
}

async function parseKey(k: string, prefix = ''): Promise<PgpPublicKey> {
  try {
    return await parsePgpPublicKey(k);
  } catch (e) {
    if (e instanceof PgpKeyError) throw badRequest(prefix + e.message);
    throw e;
  }
}

export async function sysInit(core: CoreApi, body: Record<string, unknown>): Promise<Rendered> {
  const shares = intField(body, 'secret_shares');
  const threshold = intField(body, 'secret_threshold');
  // The Go client always sends these; zero/empty values mean "not used".
  intField(body, 'stored_shares');
  const recoveryShares = intField(body, 'recovery_shares');
  const recoveryThreshold = intField(body, 'recovery_threshold');
  const pgpKeys = keyList(body, 'pgp_keys');
  const recoveryPgpKeys = keyList(body, 'recovery_pgp_keys');
  const rootPgp = body['root_token_pgp_key'];
  if (rootPgp !== undefined && rootPgp !== null && typeof rootPgp !== 'string') throw badRequest('root_token_pgp_key must be a string');
  // Vault: with an auto seal the Shamir parameters are refused, and the other way round.
  const seal = await core.sealStatus();
  const given = (pairs: [string, number][]): string[] => pairs.filter(([, v]) => v !== 0).map(([k]) => k);
  let result: InitResult;
  if (seal.recovery_seal) {
    const barrier = given([['secret_shares', shares], ['secret_threshold', threshold]]);
    if (barrier.length > 0) throw badRequest(`parameters ${barrier.join(',')} not applicable to seal type ${seal.type}`);
    if (pgpKeys.length > 0) throw badRequest(`parameters pgp_keys not applicable to seal type ${seal.type}`);
    const recKeys = await parseKeys(recoveryPgpKeys, recoveryShares, 'recovery');
    const rootKey = typeof rootPgp === 'string' && rootPgp !== '' ? await parseKey(rootPgp) : null;
    result = await core.init(0, 0, { shares: recoveryShares, threshold: recoveryThreshold }, async (r) => {
      if (recKeys.length > 0) [r.recovery_keys, r.recovery_keys_base64] = await encryptShares(r.recovery_keys ?? [], recKeys);
      if (rootKey) r.root_token = (await pgpEncrypt(rootKey, Buffer.from(r.root_token))).toString('base64');
      return { result: r, keep: recKeys.length > 0 && rootKey !== null };
    });
  } else {
    const recovery = given([['recovery_shares', recoveryShares], ['recovery_threshold', recoveryThreshold]]);
    if (recovery.length > 0) throw badRequest(`parameters ${recovery.join(',')} not applicable to seal type ${seal.type}`);
    if (recoveryPgpKeys.length > 0) throw badRequest(`parameters recovery_pgp_keys not applicable to seal type ${seal.type}`);
    if (shares < 1 || shares > 255) throw badRequest('secret_shares must be between 1 and 255');
    if (threshold < 1 || threshold > 255) throw badRequest('secret_threshold must be between 1 and 255');
    if (threshold > shares) throw badRequest('secret_threshold cannot be larger than secret_shares');
    if (shares > 1 && threshold === 1) throw badRequest('secret_threshold must be greater than one when secret_shares is greater than one');
    const keys = await parseKeys(pgpKeys, shares, 'seal');
    const rootKey = typeof rootPgp === 'string' && rootPgp !== '' ? await parseKey(rootPgp) : null;
    result = await core.init(shares, threshold, undefined, async (r) => {
      if (keys.length > 0) [r.keys, r.keys_base64] = await encryptShares(r.keys, keys);
      if (rootKey) r.root_token = (await pgpEncrypt(rootKey, Buffer.from(r.root_token))).toString('base64');
      return { result: r, keep: keys.length > 0 && rootKey !== null };
    });
  }
  // An answer with nothing in plaintext was kept (core/init-response.ts): a client killed
  // before it stored this can fetch it again from sys/init/response until the first unseal.
  return json(200, result);
}

/** [hex, base64] of each share's OpenPGP message; the plaintext is the share's hex, as Vault. */
async function encryptShares(hexShares: string[], keys: PgpPublicKey[]): Promise<[string[], string[]]> {
  const messages = await Promise.all(hexShares.map((share, i) => pgpEncrypt(keys[i]!, Buffer.from(share, 'utf8'))));
  return [messages.map((m) => m.toString('hex')), messages.map((m) => m.toString('base64'))];
}
