/**
 * The "raw" sys endpoints that must answer while sealed and reply without the envelope:
 * sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader (§2.1, §2.2).
 */
import type { CoreApi, HealthStatus } from '../core/api-types.js';
import { badRequest, unsupportedOperation, WardError } from '../sdk/errors.js';
import { json, type Rendered } from './render.js';
import { parseGoBool } from './request.js';
import { sysInit } from './sys-init.js';

export const RAW_PATHS = new Set(['sys/init', 'sys/init/response', 'sys/seal-status', 'sys/unseal', 'sys/health', 'sys/leader']);

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
    case 'sys/init/response':
      // A Ward extension (core/init-response.ts): ciphertext only, kept until the first unseal.
      if (method === 'GET') {
        const kept = await core.initResponse();
        if (kept === null) throw new WardError('not_found', []);
        return json(200, kept);
      }
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
