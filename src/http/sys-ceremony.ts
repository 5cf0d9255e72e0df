/**
 * sys/rekey/*, sys/rekey-recovery-key/* and sys/generate-root/*: unauthenticated, answered
 * without the envelope (like sys/unseal), on an unsealed active node (standbys forward or
 * redirect before this). Request checks and texts follow Vault's http/sys_rekey.go and
 * sys_generate_root.go; the ceremonies themselves live in core/seal/.
 */
import type { CoreApi } from '../core/api-types.js';
import { generateOtp } from '../core/seal/otp.js';
import type { Rekey } from '../core/seal/rekey.js';
import { PgpKeyError, parsePgpPublicKey, type PgpPublicKey } from '../lib/pgp.js';
import { badRequest, unsupportedOperation, unsupportedPath } from '../sdk/errors.js';
import { json, type Rendered } from './render.js';

export function isCeremonyPath(path: string): boolean {
  return path.startsWith('sys/rekey/') || path.startsWith('sys/rekey-recovery-key/') || path.startsWith('sys/generate-root/');
}

export interface CeremonyCall {
  method: string;
  path: string;
  body: () => Promise<Record<string, unknown>>;
}

const BACKUP_PATHS = new Set(['sys/rekey/backup', 'sys/rekey/recovery-key-backup']);

/** Whether the sys backend (authenticated, sudo) serves this path rather than this module. */
export function isBackupPath(path: string): boolean {
  return BACKUP_PATHS.has(path);
}

export async function handleCeremony(core: CoreApi, call: CeremonyCall): Promise<Rendered> {
  const { method, path } = call;
  const write = method === 'PUT' || method === 'POST';
  if (!core.keyCeremonies) throw unsupportedPath(path);
  const [, family, op] = path.split('/') as [string, string, string | undefined];
  const c = core.keyCeremonies();
  if (family === 'generate-root') {
    const g = c.generateRoot;
    if (op === 'attempt') {
      if (method === 'GET') return json(200, await g.status());
      if (method === 'DELETE') return (g.cancel(), json(204, null));
      if (write) {
        const body = await call.body();
        const otpIn = str(body, 'otp');
        const pgpIn = str(body, 'pgp_key');
        if (otpIn !== '' && pgpIn !== '') throw badRequest('only one of "otp" and "pgp_key" must be specified');
        const pgp = pgpIn !== '' ? await pgpKey(pgpIn, 'error parsing PGP key: ') : null;
        const otp = otpIn === '' && pgp === null ? generateOtp() : otpIn;
        await g.init(otp, pgp);
        return json(200, await g.status(otpIn === '' && pgp === null ? otp : ''));
      }
      throw unsupportedOperation();
    }
    if (op === 'update' && write) {
      const { key, nonce } = keyAndNonce(await call.body());
      return json(200, await g.update(key, nonce));
    }
    if (op === 'update') throw unsupportedOperation();
    throw unsupportedPath(path);
  }
  const r = family === 'rekey' ? c.rekey : c.recoveryRekey;
  if (op === 'init') {
    if (method === 'GET') return json(200, await r.status());
    if (method === 'DELETE') return (r.cancel(str(await call.body(), 'nonce')), json(204, null));
    if (write) return json(200, await rekeyInit(r, await call.body()));
    throw unsupportedOperation();
  }
  if (op === 'update') {
    if (!write) throw unsupportedOperation();
    const { key, nonce } = keyAndNonce(await call.body());
    return json(200, await r.update(key, nonce));
  }
  if (op === 'verify') {
    if (method === 'GET') return json(200, r.verifyStatus());
    if (method === 'DELETE') return json(200, r.verifyCancel());
    if (write) {
      const { key, nonce } = keyAndNonce(await call.body());
      return json(200, await r.verify(key, nonce));
    }
    throw unsupportedOperation();
  }
  throw unsupportedPath(path);
}

async function rekeyInit(r: Rekey, body: Record<string, unknown>) {
  const shares = int(body, 'secret_shares');
  const threshold = int(body, 'secret_threshold');
  int(body, 'stored_shares'); // the Go client sends it; Shamir keeps none
  const backup = bool(body, 'backup');
  const requireVerification = bool(body, 'require_verification');
  const given = body['pgp_keys'];
  if (given !== undefined && given !== null && (!Array.isArray(given) || given.some((k) => typeof k !== 'string'))) throw badRequest('pgp_keys must be a list of strings');
  const keys = (given ?? []) as string[];
  if (backup && keys.length === 0) throw badRequest('cannot request a backup of the new keys without providing PGP keys for encryption');
  if (keys.length > 0 && keys.length !== shares) throw badRequest('incorrect number of PGP keys for rekey');
  const pgpKeys = await Promise.all(keys.map((k) => pgpKey(k, 'invalid rekey seal configuration: ')));
  return r.init({ shares, threshold, pgpKeys, backup, requireVerification });
}

async function pgpKey(k: string, prefix: string): Promise<PgpPublicKey> {
  try {
    return await parsePgpPublicKey(k);
  } catch (e) {
    if (e instanceof PgpKeyError) throw badRequest(prefix + e.message);
    throw e;
  }
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function keyAndNonce(body: Record<string, unknown>): { key: string; nonce: string } {
  const key = str(body, 'key').trim();
  if (key === '') throw badRequest("'key' must be specified in request body as JSON");
  if (!HEX.test(key) && !B64.test(key)) throw badRequest("'key' must be a valid hex or base64 string");
  return { key, nonce: str(body, 'nonce') };
}

function str(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`);
  return v;
}

function int(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be an integer`);
  return v;
}

function bool(body: Record<string, unknown>, name: string): boolean {
  const v = body[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`${name} must be a boolean`);
  return v;
}
