/**
 * Assembling requests: a catalogue target plus an operation becomes a method, a
 * request-target with its slots filled, and a body (writes) or query (reads) holding
 * plausible values for every field except the ones a generator overrides.
 */
import type { PathOperation } from '../../src/sdk/framework/path.js';
import type { FieldInfo, Target } from './catalogue.js';
import { plausibleField, plausibleSlot } from './fill.js';
import { instantiate } from './pattern.js';
import type { Rng } from './prng.js';
import type { FuzzRequest, TokenKind } from './request.js';
import type { Fragment } from './values.js';

export const WRITE_OPS: readonly PathOperation[] = ['update', 'create', 'patch'];

/** Targets with no declared fields take arbitrary keys (KV, cubbyhole): one stands in. */
export const ARBITRARY_FIELD: FieldInfo = { name: 'fz', kind: 'raw', required: false };

/** The fields a generator may attack on `t`. */
export function attackableFields(t: Target): FieldInfo[] {
  if (t.fields.length > 0) return t.fields;
  return t.ops.some((o) => WRITE_OPS.includes(o)) ? [ARBITRARY_FIELD] : [];
}

/** An operation of `t`, writes preferred (they carry bodies, where most input enters). */
export function pickOp(t: Target, rng: Rng, preferWrite = 0.75): PathOperation {
  const writes = t.ops.filter((o) => WRITE_OPS.includes(o));
  if (writes.length > 0 && (rng.chance(preferWrite) || writes.length === t.ops.length)) return rng.pick(writes);
  const others = t.ops.filter((o) => !WRITE_OPS.includes(o));
  return rng.pick(others.length > 0 ? others : t.ops);
}

export function methodFor(op: PathOperation, rng: Rng): { method: string; listQuery: boolean } {
  switch (op) {
    case 'read':
      return { method: 'GET', listQuery: false };
    case 'list':
      return rng.chance(0.6) ? { method: 'LIST', listQuery: false } : { method: 'GET', listQuery: true };
    case 'delete':
      return { method: 'DELETE', listQuery: false };
    case 'patch':
      return { method: 'PATCH', listQuery: false };
    default:
      return { method: rng.chance(0.5) ? 'POST' : 'PUT', listQuery: false };
  }
}

export interface PathChoice {
  /** Path below /v1/ as sent (slots may be percent-encoded). */
  path: string;
  /** First slot's raw value: the addressed object. */
  object: string | null;
}

/** Fills the target's slots; `override` replaces one slot's URL text (already encoded). */
export function concretePath(t: Target, rng: Rng, override?: { name: string; text: string }): PathChoice {
  let object: string | null = null;
  const rest = instantiate(t.parts, {
    slot: (name, inner) => {
      const v = override && override.name === name ? override.text : plausibleSlot(t, name, inner, rng);
      object ??= v;
      return v;
    },
    keep: () => rng.chance(0.5),
  });
  return { path: `${t.mount}${rest}`, object };
}

/** Token choice for field attacks: mostly root so the request reaches the handler. */
export function pickToken(rng: Rng): { kind: TokenKind; literal?: string } {
  const r = rng.float();
  if (r < 0.78) return { kind: 'root' };
  if (r < 0.88) return { kind: 'default' };
  if (r < 0.95) return { kind: 'none' };
  return { kind: 'literal', literal: rng.pick(GARBAGE_TOKENS) };
}

export const GARBAGE_TOKENS: readonly string[] = [
  'hvs.CAESIGarbageGarbageGarbageGarbageGarbage00',
  's.AAAAAAAAAAAAAAAAAAAAAAAA',
  'root',
  '',
  ' ',
  'b.AAAA',
  'fz',
  `hvs.${'A'.repeat(4000)}`,
  'tok\u00e9n',
];

/** Field text for the body or query: every required field, others half the time. */
export function fieldTexts(t: Target, rng: Rng, overrides: Map<string, Fragment>): Map<string, Fragment> {
  const out = new Map<string, Fragment>();
  for (const f of t.fields) {
    const o = overrides.get(f.name);
    if (o) out.set(f.name, o);
    else if (f.required || rng.chance(0.5)) {
      const json = plausibleField(t, f, rng);
      out.set(f.name, { label: 'plausible', json, query: queryForm(json) });
    }
  }
  for (const [k, v] of overrides) if (!out.has(k)) out.set(k, v);
  return out;
}

/** The query text of a plausible JSON value: strings unquoted, anything else as its JSON. */
function queryForm(json: string): string {
  if (json.startsWith('"')) {
    try {
      return encodeURIComponent(JSON.parse(json) as string);
    } catch {
      return encodeURIComponent(json);
    }
  }
  return encodeURIComponent(json);
}

/** `{"k":<json>,…}` with byte fragments spliced in as they are. */
export function jsonBody(fields: Map<string, Fragment>): Buffer {
  const parts: Buffer[] = [Buffer.from('{')];
  let first = true;
  for (const [k, f] of fields) {
    parts.push(Buffer.from(`${first ? '' : ','}${JSON.stringify(k)}:`));
    parts.push(f.bytes ?? Buffer.from(f.json, 'utf8'));
    first = false;
  }
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}

/** `k=v&…` from the fragments' query forms (fragments without one are sent as their JSON). */
export function queryString(fields: Map<string, Fragment>): string {
  const out: string[] = [];
  for (const [k, f] of fields) out.push(`${encodeURIComponent(k)}=${f.query ?? encodeURIComponent(f.json)}`);
  return out.join('&');
}

export interface Assembly {
  generator: string;
  note: string;
  target: Target;
  op: PathOperation;
  rng: Rng;
  fields: Map<string, Fragment>;
  token?: { kind: TokenKind; literal?: string };
  path?: PathChoice;
}

/** Builds the FuzzRequest for a target, operation and field values. */
export function assemble(index: number, a: Assembly): FuzzRequest {
  const { rng, target: t } = a;
  const { method, listQuery } = methodFor(a.op, rng);
  const where = a.path ?? concretePath(t, rng);
  const write = WRITE_OPS.includes(a.op);
  const query: string[] = [];
  if (listQuery) query.push('list=true');
  if (!write && a.fields.size > 0) query.push(queryString(a.fields));
  const headers: [string, string][] = [];
  if (write) headers.push(['Content-Type', a.op === 'patch' ? 'application/merge-patch+json' : 'application/json']);
  const token = a.token ?? pickToken(rng);
  return {
    index,
    generator: a.generator,
    note: a.note,
    method,
    target: `/v1/${where.path}${query.length ? `?${query.join('&')}` : ''}`,
    token: { ...token, header: rng.chance(0.1) ? 'bearer' : 'x-vault-token' },
    headers,
    body: write ? jsonBody(a.fields) : null,
    mount: t.raw ? 'sys/' : t.mount,
    object: where.object,
    targetId: t.id,
  };
}
