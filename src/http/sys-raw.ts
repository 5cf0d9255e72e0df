/**
 * The "raw" sys endpoints that must answer while sealed and reply without the envelope:
 * sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader (§2.1, §2.2).
 */
import type { CoreApi, HealthStatus } from '../core/api-types.js';
import { badRequest, unsupportedOperation } from '../sdk/errors.js';
import { json, type Rendered } from './render.js';
import { parseGoBool } from './request.js';

export const RAW_PATHS = new Set(['sys/init', 'sys/seal-status', 'sys/unseal', 'sys/health', 'sys/leader']);

export interface RawCall {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lazily reads and parses the JSON body (only for writes). */
  body: () => Promise<Record<string, unknown>>;
}

/** Dispatches one raw endpoint; the caller has checked `RAW_PATHS.has(path)`. */
export async function handleRaw(core: CoreApi, call: RawCall): Promise<Rendered> {
  const { method, path } = call;
  const isWrite = method === 'PUT' || method === 'POST';
  switch (path) {
    case 'sys/init':
      if (method === 'GET') return json(200, { initialized: await core.isInitialized() });
      if (isWrite) return sysInit(core, await call.body());
      break;
    case 'sys/seal-status':
      if (method === 'GET') return json(200, await core.sealStatus());
      break;
    case 'sys/unseal':
      if (isWrite) return sysUnseal(core, await call.body());
      break;
    case 'sys/health':
      if (method === 'GET' || method === 'HEAD') return sysHealth(core, call.query);
      break;
    case 'sys/leader':
      if (method === 'GET') return json(200, await core.leader());
      break;
  }
  throw unsupportedOperation();
}

function intField(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`${name} must be an integer`);
  return v;
}

async function sysInit(core: CoreApi, body: Record<string, unknown>): Promise<Rendered> {
  const shares = intField(body, 'secret_shares');
  const threshold = intField(body, 'secret_threshold');
  // The Go client always sends these; zero/empty values mean "not used".
  intField(body, 'stored_shares');
  const recoveryShares = intField(body, 'recovery_shares');
  const recoveryThreshold = intField(body, 'recovery_threshold');
  const pgp = body['pgp_keys'];
  if (pgp !== undefined && pgp !== null && !(Array.isArray(pgp) && pgp.length === 0)) {
    throw badRequest('pgp_keys are not supported by this server');
  }
  const recoveryPgp = body['recovery_pgp_keys'];
  if (recoveryPgp !== undefined && recoveryPgp !== null && !(Array.isArray(recoveryPgp) && recoveryPgp.length === 0)) {
    throw badRequest('recovery_pgp_keys are not supported by this server');
  }
  const rootPgp = body['root_token_pgp_key'];
  if (rootPgp !== undefined && rootPgp !== null && rootPgp !== '') {
    throw badRequest('root_token_pgp_key is not supported by this server');
  }
  // Vault: with an auto seal the Shamir parameters are refused, and the other way round.
  const seal = await core.sealStatus();
  const given = (pairs: [string, number][]): string[] => pairs.filter(([, v]) => v !== 0).map(([k]) => k);
  if (seal.recovery_seal) {
    const barrier = given([['secret_shares', shares], ['secret_threshold', threshold]]);
    if (barrier.length > 0) throw badRequest(`parameters ${barrier.join(',')} not applicable to seal type ${seal.type}`);
    return json(200, await core.init(0, 0, { shares: recoveryShares, threshold: recoveryThreshold }));
  }
  const recovery = given([['recovery_shares', recoveryShares], ['recovery_threshold', recoveryThreshold]]);
  if (recovery.length > 0) throw badRequest(`parameters ${recovery.join(',')} not applicable to seal type ${seal.type}`);
  if (shares < 1 || shares > 255) throw badRequest('secret_shares must be between 1 and 255');
  if (threshold < 1 || threshold > 255) throw badRequest('secret_threshold must be between 1 and 255');
  if (threshold > shares) throw badRequest('secret_threshold cannot be larger than secret_shares');
  if (shares > 1 && threshold === 1) throw badRequest('secret_threshold must be greater than one when secret_shares is greater than one');
  return json(200, await core.init(shares, threshold));
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

async function sysUnseal(core: CoreApi, raw: Record<string, unknown>): Promise<Rendered> {
  // The Go struct behind this endpoint has no JSON tags, so keys match case-insensitively.
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const lk = k.toLowerCase();
    if (!(lk in body)) body[lk] = v;
  }
  const key = body['key'];
  const reset = body['reset'];
  const migrate = body['migrate'];
  if (key !== undefined && key !== null && typeof key !== 'string') throw badRequest("'key' must be a string");
  if (reset !== undefined && reset !== null && typeof reset !== 'boolean') throw badRequest("'reset' must be a boolean");
  if (migrate !== undefined && migrate !== null && typeof migrate !== 'boolean') throw badRequest("'migrate' must be a boolean");
  const keyStr = typeof key === 'string' ? key.trim() : '';
  if (reset !== true && keyStr === '') {
    throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  }
  if (keyStr !== '' && !HEX.test(keyStr) && !B64.test(keyStr)) {
    throw badRequest("'key' must be a valid hex or base64 string");
  }
  return json(200, await core.unseal(keyStr === '' ? undefined : keyStr, reset === true, migrate === true));
}

const HEALTH_DEFAULTS = {
  activecode: 200,
  standbycode: 429,
  drsecondarycode: 472,
  performancestandbycode: 473,
  haunhealthycode: 474,
  uninitcode: 501,
  sealedcode: 503,
  removedcode: 530,
} as const;
type CodeName = keyof typeof HEALTH_DEFAULTS;

/** Parses the health overrides; any unparsable value is a 400 naming the parameter. */
export function parseHealthQuery(q: URLSearchParams): { codes: Record<CodeName, number>; standbyOk: boolean; perfStandbyOk: boolean } {
  const codes = { ...HEALTH_DEFAULTS } as Record<CodeName, number>;
  for (const name of Object.keys(HEALTH_DEFAULTS) as CodeName[]) {
    const v = q.get(name);
    if (v === null) continue;
    if (!/^[+-]?\d+$/.test(v)) throw badRequest(`bad code for ${name} parameter`);
    const n = Number.parseInt(v, 10);
    // Node (like Go) refuses to write a status outside the 3-digit range; 1xx would not end the exchange.
    if (n < 200 || n > 599) throw badRequest(`bad code for ${name} parameter: must be an HTTP status between 200 and 599`);
    codes[name] = n;
  }
  const flag = (name: string): boolean => {
    const v = q.get(name);
    if (v === null) return false;
    const b = parseGoBool(v);
    if (b === undefined) throw badRequest(`bad value for ${name} parameter`);
    return b;
  };
  return { codes, standbyOk: flag('standbyok'), perfStandbyOk: flag('perfstandbyok') };
}

/** §2.2 precedence: uninitialised → sealed → HA-unhealthy standby → DR secondary → perf standby → standby → active. */
export function healthCode(h: HealthStatus, o: ReturnType<typeof parseHealthQuery>): number {
  if (!h.initialized) return o.codes.uninitcode;
  if (h.sealed) return o.codes.sealedcode;
  if (h.standby && h.ha_connection_healthy === false) return o.codes.haunhealthycode;
  if (h.replication_dr_mode === 'secondary') return o.codes.drsecondarycode;
  if (h.performance_standby) return o.perfStandbyOk ? o.codes.activecode : o.codes.performancestandbycode;
  if (h.standby) return o.standbyOk ? o.codes.activecode : o.codes.standbycode;
  return o.codes.activecode;
}

async function sysHealth(core: CoreApi, q: URLSearchParams): Promise<Rendered> {
  const opts = parseHealthQuery(q);
  const h = await core.health();
  return json(healthCode(h, opts), h);
}
