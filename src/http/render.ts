/**
 * Wire rendering: turns a CoreResult or a thrown error into status, headers and body with
 * Vault's rules (§1.3 envelope, §1.4 200/204/404, §1.5 errors). Pure functions plus one
 * `send` that writes to a ServerResponse; nothing here decides *what* happened.
 */
import { buildEnvelope } from '../core/envelope.js';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CoreResult } from '../core/api-types.js';
import type { Logger } from '../sdk/logical.js';
import { toWardError } from '../sdk/errors.js';
import { flat, quote, stringifyShared } from '../lib/json-text.js';
import { rawResponseHeaders } from './raw-headers.js';

export interface Rendered {
  status: number;
  /** Overrides for Content-Type (raw responses); JSON otherwise. */
  contentType?: string;
  /** Empty string or empty buffer = no body. */
  body: string | Buffer;
  /**
   * Raw header pairs replacing the default Content-Type and Cache-Control: a response
   * forwarded from the active node (passed on as it was), a redirect, or a backend's raw
   * response with headers (raw-headers.ts decides which it may set).
   */
  headers?: string[];
  /** Sent instead of `body`, chunked, when present (a storage snapshot). */
  stream?: AsyncIterable<Buffer>;
  /** Raw header pairs added to whatever else is sent (`X-Vault-Index`). */
  extraHeaders?: string[];
}

const JSON_TYPE = 'application/json';

/** Routes whose `data` keys Vault also copies to the top level of the body (old clients read them there). */
const INJECT_EXACT = new Set([
  'sys/audit',
  'sys/auth',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/capabilities',
  'sys/capabilities-accessor',
  'sys/capabilities-self',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
]);
const INJECT_PREFIX = ['sys/audit/', 'sys/audit-hash/', 'sys/auth/', 'sys/config/auditing/request-headers/', 'sys/mounts/', 'sys/policy/'];

/** True when `path` (below /v1/) is one of the top-level-injection routes. */
export function injectsTopLevel(path: string): boolean {
  // Every such route is below sys/; the common request (a secret) stops here.
  if (!path.startsWith('sys/')) return false;
  const p = path.endsWith('/') ? path.slice(0, -1) : path;
  return INJECT_EXACT.has(p) || INJECT_PREFIX.some((pre) => path.startsWith(pre));
}

export function json(status: number, value: unknown): Rendered {
  return { status, body: JSON.stringify(value) };
}

/** Vault's bare "nothing here": 404 `{"errors":[]}`. */
export const notFoundBody = (): Rendered => json(404, { errors: [] });

function hasKeys(data: Record<string, unknown> | null | undefined): boolean {
  const keys = data?.['keys'];
  return Array.isArray(keys) && keys.length > 0;
}

/** §1.4's list rule: an empty list is a 404 unless the backend had something else to say. */
function emptyList(result: CoreResult): boolean {
  const r = result.response;
  if (r === null) return result.auth === null;
  const warnings = r.warnings?.length ?? 0;
  const data = r.data ?? null;
  if (data === null || Object.keys(data).length === 0) return warnings === 0;
  if (!('keys' in data) || data['keys'] === null || data['keys'] === undefined) return false;
  return !hasKeys(data) && warnings === 0;
}

/** Renders a successful core result. */
export function renderResult(result: CoreResult): Rendered {
  if (result.verbatimBody !== undefined) return { status: 200, body: result.verbatimBody };
  if (result.stream !== undefined) return { status: 200, contentType: result.stream.contentType, body: '', stream: result.stream.body };
  const r = result.response;
  if (r?.raw) return { status: r.raw.status, contentType: r.raw.contentType, body: r.raw.body, ...(r.raw.headers ? { headers: rawResponseHeaders(r.raw.contentType, r.raw.headers) } : {}) };

  if (result.wrapInfo !== null) return json(200, buildEnvelope(result));
  // Vault sends a help answer's data bare: {"help", "see_also", "openapi"} (api.Help reads them there).
  if (result.operation === 'help' && r?.data) return json(200, r.data);
  if (result.operation === 'read' && r === null && result.auth === null) return notFoundBody();
  if (result.operation === 'list' && emptyList(result)) return notFoundBody();

  const data = r?.data ?? null;
  const warnings = r?.warnings?.length ? r.warnings : null;
  const empty = data === null && warnings === null && result.auth === null && result.leaseId === '';
  if (empty && r?.status === undefined) return { status: 204, body: '' };

  // Key by key only pays off when `data` is shared and its text memoised; otherwise one
  // JSON.stringify over the whole envelope is faster.
  if (data !== null && Object.isFrozen(data) && !injectsTopLevel(result.path)) {
    return { status: r?.status ?? 200, body: warnings === null && result.auth === null ? sharedEnvelopeText(result, data) : envelopeText(buildEnvelope(result)) };
  }
  const envelope = buildEnvelope(result);
  if (data === null || !injectsTopLevel(result.path)) return json(r?.status ?? 200, envelope);
  // Envelope keys win: a policy or mount named "data" must not clobber the envelope.
  for (const [k, v] of Object.entries(data)) if (!(k in envelope)) envelope[k] = v;
  return json(r?.status ?? 200, envelope);
}

interface EnvelopeTail {
  leaseId: string;
  renewable: boolean;
  leaseDuration: number;
  ttlHint: number | undefined;
  mountType: string;
  /** The envelope text after its first key (request_id), from the comma on. */
  text: string;
}

/** Envelope texts without their request id, per shared data object. */
const envelopeTails = new WeakMap<object, EnvelopeTail>();

/**
 * The envelope of a result whose data is shared and that has no auth and no warnings (a
 * hot read). Only request_id changes from one such response to the next, so the rest of
 * the text is kept with the data object, as long as the lease fields and mount agree.
 */
function sharedEnvelopeText(result: CoreResult, data: object): string {
  const ttlHint = result.response?.ttlHint;
  let tail = envelopeTails.get(data);
  if (
    tail === undefined ||
    tail.leaseId !== result.leaseId ||
    tail.renewable !== result.renewable ||
    tail.leaseDuration !== result.leaseDuration ||
    tail.ttlHint !== ttlHint ||
    tail.mountType !== result.mountType
  ) {
    // buildEnvelope puts request_id first (render.test.ts pins the whole text), so the
    // rest, in its order, follows the id written below.
    const rest = buildEnvelope(result);
    delete rest['request_id'];
    const text = flat(`,${envelopeText(rest).slice(1)}`);
    tail = { leaseId: result.leaseId, renewable: result.renewable, leaseDuration: result.leaseDuration, ttlHint, mountType: result.mountType, text };
    envelopeTails.set(data, tail);
  }
  return `{"request_id":${quote(result.requestId)}${tail.text}`;
}

/**
 * The envelope serialised key by key, in buildEnvelope's order: its scalars are written
 * directly, and a shared, frozen `data` object is spliced in from its memoised text
 * (for a hot secret, serialising it again was most of the rendering). Undefined values
 * are left out, as JSON.stringify would. The keys are buildEnvelope's own, plain ASCII.
 */
function envelopeText(e: Record<string, unknown>): string {
  // No leading-comma-then-slice: slicing flattens the text into a copy, and sending it
  // flattens it once more.
  let out = '{';
  let sep = '"';
  for (const k in e) {
    const v = e[k];
    if (v === undefined) continue;
    out += `${sep}${k}":${valueText(k, v)}`;
    sep = ',"';
  }
  return `${out}}`;
}

function valueText(key: string, v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  return key === 'data' ? stringifyShared(v) : JSON.stringify(v);
}

/**
 * Renders any thrown value. WardErrors keep their status and messages (plus `body`);
 * anything else is a 500 with a generic message, logged for the operator, never echoed.
 */
export function renderError(e: unknown, logger?: Logger): Rendered {
  const w = toWardError(e);
  if (w.status >= 500 && logger) {
    const cause = w === e ? w.cause : e;
    logger.error('request failed', {
      status: w.status,
      code: w.code,
      error: cause instanceof Error ? cause.message : cause === undefined ? w.message : String(cause),
    });
  }
  return json(w.status, { ...(w.body ?? {}), errors: w.messages });
}

/**
 * Writes a rendered response. Every response carries JSON content type (even 204) and
 * `Cache-Control: no-store`. `head` suppresses the body. Never throws.
 */
export function send(res: ServerResponse, out: Rendered, opts: { head?: boolean; close?: boolean } = {}): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  if (out.stream !== undefined) {
    sendStream(res, out, out.stream);
    return;
  }
  try {
    const noBody = opts.head || out.status === 204 || out.status === 304 || out.body.length === 0;
    const length = noBody && !opts.head ? 0 : typeof out.body === 'string' ? Buffer.byteLength(out.body) : out.body.length;
    // One writeHead with every header, and a string body: node then sends headers and
    // body in a single write (a Buffer body costs a second chunk per response).
    const headers: string[] = out.headers !== undefined ? [...out.headers] : ['Content-Type', out.contentType ?? JSON_TYPE, 'Cache-Control', 'no-store'];
    if (out.status !== 204 && out.status !== 304) headers.push('Content-Length', String(length));
    if (opts.close) headers.push('Connection', 'close');
    if (out.extraHeaders !== undefined) headers.push(...out.extraHeaders);
    res.writeHead(out.status, headers);
    if (noBody) res.end();
    else res.end(out.body);
  } catch {
    res.destroy();
  }
}

/**
 * Streams a body of unknown length (chunked). A failure part-way cannot become an error
 * response any more: the connection is cut, so the client sees an incomplete body (a
 * snapshot's trailer checksum makes that detectable).
 */
function sendStream(res: ServerResponse, out: Rendered, body: AsyncIterable<Buffer>): void {
  res.writeHead(out.status, ['Content-Type', out.contentType ?? 'application/octet-stream', 'Cache-Control', 'no-store']);
  pipeline(Readable.from(body), res).catch(() => res.destroy());
}
