/**
 * The HTTP front door: a translator, not a router. It turns an HTTP request into an
 * HttpRequestInput (method → operation, query/body → data, token, wrap TTL), answers the
 * five raw sys endpoints itself, hands everything else to the core and renders the result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreApi, HttpRequestInput, StandbyRoute } from '../core/api-types.js';
import type { Connection, Logger, Operation } from '../sdk/logical.js';
import { WardError, badRequest, unsupportedOperation } from '../sdk/errors.js';
import { notFoundBody, renderError, renderResult, send, type Rendered } from './render.js';
import {
  DEFAULT_MAX_REQUEST_SIZE,
  bodyData,
  framingError,
  checkPatchContentType,
  clientToken,
  parseGoBool,
  EMPTY_QUERY as EMPTY,
  parseTarget,
  queryData,
  isBinaryBody,
  readBody,
  scanHeaders,
  wrapTtl,
  type WardHeaders,
} from './request.js';
import { RAW_PATHS, handleRaw } from './sys-raw.js';
import { handleCeremony, isBackupPath, isCeremonyPath } from './sys-ceremony.js';
import { SNAPSHOT_PATHS } from '../core/sys/paths-snapshot.js';
import { isListVerb } from './list-verb.js';
import { answerOnStandby } from './standby.js';
import { FORWARDED_CLIENT_CERTS, FORWARDED_FOR, FORWARDED_PORT } from '../core/ha/wire.js';
import { followUpgrade } from './takeover.js';
import { DEFAULT_JSON_LIMITS, JsonGuard, type JsonLimits } from './input.js';
import { DEFAULT_MAX_REQUEST_DURATION_MS, RequestDeadlines } from './deadline.js';
import type { ListenerConfig, RequestHandler } from './listener.js';
import { eventsUpgradeHandler, isEventsPath } from './events-socket.js';
import { peerTls } from './peer-certs.js';
import { corsOutcome } from './cors.js';
import { answerBehindRoleQuotas } from './role-quotas.js';
import { metricsFront, quotaRefusal } from './front-checks.js';
import type { HttpInFlight, InFlightHttpRequest } from '../core/inflight/http-requests.js';

export interface HandlerOptions {
  /** Body limit in bytes; default 32 MiB; 0 = default; negative = unlimited (as Vault). */
  maxRequestSize?: number;
  /** `max_request_duration` in ms; default 90 s; 0 = default. */
  maxRequestDurationMs?: number;
  /** The listener's `max_json_*` limits; Vault's defaults for any not given. */
  jsonLimits?: Partial<JsonLimits>;
  logger: Logger;
  /**
   * The cluster listener's handler: requests come from a standby, which put the client's
   * address in the forwarded-for headers. Such requests are never forwarded again.
   */
  forwardedFromStandby?: boolean;
  /** `telemetry { unauthenticated_metrics_access = true }`: GET sys/metrics is answered here without a token. */
  unauthenticatedMetrics?: boolean;
}

/** The handler options a listener's configuration asks for. */
export function handlerOptionsFor(l: ListenerConfig, logger: Logger): HandlerOptions {
  const o: HandlerOptions = { logger };
  if (l.maxRequestSize !== undefined) o.maxRequestSize = l.maxRequestSize;
  if (l.maxRequestDurationMs !== undefined) o.maxRequestDurationMs = l.maxRequestDurationMs;
  const json: Partial<JsonLimits> = {};
  if (l.maxJsonDepth) json.maxDepth = l.maxJsonDepth;
  if (l.maxJsonStringValueLength) json.maxStringLength = l.maxJsonStringValueLength;
  if (l.maxJsonObjectEntryCount) json.maxObjectEntries = l.maxJsonObjectEntryCount;
  if (l.maxJsonArrayElementCount) json.maxArrayElements = l.maxJsonArrayElementCount;
  o.jsonLimits = json;
  if (l.unauthenticatedMetricsAccess) o.unauthenticatedMetrics = true;
  return o;
}

/** Paths whose POST/PUT body goes to the handler unread (sys/storage/snapshot restores). */
const STREAMED_BODY_PATHS = new Set(SNAPSHOT_PATHS.map((p) => `sys/${p}`));

/** A request for a snapshot path, from the raw URL (before parsing: the deadline starts first). */
function isSnapshotUrl(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith('/v1/sys/storage/')) return false;
  const q = url.indexOf('?');
  return STREAMED_BODY_PATHS.has(url.slice(4, q === -1 ? undefined : q));
}

interface Context {
  core: CoreApi;
  limit: number;
  json: JsonGuard;
  logger: Logger;
  deadlines: RequestDeadlines;
  forwarded: boolean;
  /** Whether sys/events/subscribe is served (as websockets) by this handler. */
  events: boolean;
  unauthenticatedMetrics: boolean;
  /** The core's sys/in-flight-req tracker, when it keeps one. */
  inFlight: HttpInFlight | null;
}

/** After a 413 the rest of the body is discarded for at most this long, then the socket is closed. */
const DRAIN_MS = 2000;

/** Builds the request listener for a node:http(s) server. Never throws, never rejects. */
export function createHandler(core: CoreApi, opts: HandlerOptions): RequestHandler {
  const logger = opts.logger;
  const ctx: Context = {
    core,
    limit: !opts.maxRequestSize ? DEFAULT_MAX_REQUEST_SIZE : opts.maxRequestSize,
    json: new JsonGuard({ ...DEFAULT_JSON_LIMITS, ...opts.jsonLimits }),
    logger,
    forwarded: opts.forwardedFromStandby === true,
    events: false,
    unauthenticatedMetrics: opts.unauthenticatedMetrics === true,
    inFlight: core.httpInFlight ?? null,
    deadlines: new RequestDeadlines(opts.maxRequestDurationMs || DEFAULT_MAX_REQUEST_DURATION_MS, (res) => {
      if (res.headersSent) return;
      logger.warn('request exceeded max_request_duration', { method: res.req.method ?? '', path: (res.req.url ?? '').split('?')[0] });
      // Vault cancels the request's context; what the client sees is this error.
      send(res, renderError(new WardError('internal', ['context deadline exceeded'])), { close: true });
    }),
  };
  const handler: RequestHandler = (req, res) => {
    // A broken client connection must never surface as an unhandled 'error' event. The
    // request needs no listener: node emits its 'error' only when one is attached (as
    // readBody does while reading), so only the response gets one.
    res.on('error', ignore);
    void respond(ctx, req, res);
  };
  // Websockets (sys/events/subscribe) only where the core publishes events; the cluster
  // port's handler (forwarded requests) has none: standbys redirect subscribers instead.
  const subscribe = core.subscribeEvents?.bind(core);
  if (subscribe !== undefined && !ctx.forwarded) {
    handler.upgrade = eventsUpgradeHandler({ standbyRoute: () => core.standbyRoute?.() ?? null, subscribeEvents: subscribe }, { logger });
    ctx.events = true;
  }
  return handler;
}

const ignore = (): void => {};

/**
 * Serves one request and writes its response. One async function rather than a chain
 * of catch/then/catch: that chain was three promises and three closures per request.
 */
async function respond(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let closeAfter = false;
  let tooBig = false;
  let corsHeaders: string[] | null = null;
  const tracked = ctx.inFlight === null ? null : trackIn(ctx.inFlight, ctx.forwarded, req);
  // A snapshot's save and restore last as long as the store is large; the deadline
  // would answer 500 while the restore still goes on.
  if (!isSnapshotUrl(req.url)) ctx.deadlines.start(res);
  try {
    let out: Rendered;
    try {
      const h = scanHeaders(req.rawHeaders);
      // Node may have dropped bytes pipelined behind an upgrade request: this has the
      // connection switch to the tracker and replay them if it did. It must run before
      // this function first awaits, while node is still parsing the request's chunk.
      if (h.upgrade) followUpgrade(req);
      const refused = framingError(req.httpVersionMajor, req.httpVersionMinor, h);
      const cors = refused === null ? corsOutcome(ctx.core.corsConfig?.() ?? null, (req.method ?? '').toUpperCase(), req.rawHeaders) : null;
      if (cors !== null && 'answer' in cors) {
        out = cors.answer;
      } else if (refused === null) {
        if (cors !== null) corsHeaders = cors.headers;
        out = await serve(ctx, req, h, tracked);
      } else {
        closeAfter = true;
        out = renderError(refused);
      }
    } catch (e) {
      if (WardError.is(e) && e.code === 'too_large') closeAfter = tooBig = true;
      out = renderError(e, ctx.logger);
    }
    // An allowed origin sees Access-Control-Allow-Origin on every answer, errors included.
    if (corsHeaders !== null) out = { ...out, extraHeaders: [...(out.extraHeaders ?? []), ...corsHeaders] };
    // After the deadline answered, the response is already sent: send() does nothing.
    send(res, out, { head: req.method === 'HEAD', close: closeAfter });
    if (tooBig) discardThenClose(req, res);
  } catch (e) {
    ctx.logger.error('failed to write response', { error: e instanceof Error ? e.message : String(e) });
    res.destroy();
  } finally {
    ctx.deadlines.done(res);
    if (tracked !== null) untrackWhenAnswered(ctx.inFlight!, tracked, res);
  }
}

/**
 * Removes a request from sys/in-flight-req once answered. A streamed answer (a monitor,
 * a snapshot) is still being written: it stays listed until its response closes, as a
 * Vault handler stays in flight while it streams.
 */
function untrackWhenAnswered(tracker: HttpInFlight, tracked: InFlightHttpRequest, res: ServerResponse): void {
  if (res.writableEnded || res.destroyed) tracker.end(tracked);
  else res.once('close', () => tracker.end(tracked));
}

/** Registers `req` with sys/in-flight-req's tracker (the client a standby forwarded for, on the cluster port). */
function trackIn(tracker: HttpInFlight, forwarded: boolean, req: IncomingMessage): InFlightHttpRequest {
  const c = forwarded ? forwardedConnection(req) : { remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort ?? 0 };
  return tracker.begin(req.method ?? '', req.url ?? '', c.remoteAddress, c.remotePort);
}

/** Drops the unread rest of an oversized body without buffering it, then closes the socket. */
function discardThenClose(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), DRAIN_MS);
  timer.unref();
  res.on('finish', () => {
    if (req.complete) {
      clearTimeout(timer);
      req.socket.destroySoon();
    }
  });
  req.on('end', () => {
    clearTimeout(timer);
    if (res.writableFinished) req.socket.destroySoon();
  });
}

function methodToOperation(method: string, query: URLSearchParams): Operation {
  switch (method) {
    case 'GET': {
      const list = query.get('list');
      if (list === null) return 'read';
      const b = parseGoBool(list);
      if (b === undefined) throw badRequest('invalid value for list parameter');
      return b ? 'list' : 'read';
    }
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      throw unsupportedOperation();
  }
}

function wantsHelp(query: URLSearchParams): boolean {
  const v = query.get('help');
  return v !== null && v !== '' && parseGoBool(v) !== false;
}

async function serve(ctx: Context, req: IncomingMessage, h: WardHeaders, tracked: InFlightHttpRequest | null): Promise<Rendered> {
  const { core, limit, json } = ctx;
  const method = isListVerb(req) ? 'LIST' : (req.method ?? 'GET').toUpperCase();
  const target = parseTarget(req.url ?? '/');
  const path = target.path;
  let query = target.query;
  if (path === null) return notFoundBody();
  if (ctx.events && isEventsPath(path)) throw badRequest('sys/events/subscribe is a websocket endpoint: send a websocket upgrade request (Connection: Upgrade, Upgrade: websocket)');

  if (path === 'sys/metrics' && method === 'GET') {
    const m = await metricsFront(core, ctx.unauthenticatedMetrics, req, query);
    if ('answer' in m) return m.answer;
    query = m.query;
  }
  const client = ctx.forwarded ? forwardedConnection(req).remoteAddress : (req.socket.remoteAddress ?? '');
  const refused = quotaRefusal(core, path, client);
  if (refused !== null) return refused;
  if (RAW_PATHS.has(path)) {
    return handleRaw(core, { method, path, query, body: async () => bodyData(h, await readBody(req, h, limit), json) });
  }
  if (!ctx.forwarded) {
    const route = core.standbyRoute?.() ?? null;
    if (route !== null) return onStandby(ctx, route, req, h, method, path, query);
  }
  if (isCeremonyPath(path) && !isBackupPath(path)) {
    return handleCeremony(core, { method, path, body: async () => bodyData(h, await readBody(req, h, limit), json) });
  }
  if (method === 'HEAD') throw unsupportedOperation();

  const operation = methodToOperation(method, query);
  if (operation === 'patch') checkPatchContentType(h);

  // A snapshot upload is streamed to its handler unread: it can be far larger than the
  // request size limit, and it is binary. Only sudo callers get past the ACL to read it.
  const streamBody = (method === 'POST' || method === 'PUT') && STREAMED_BODY_PATHS.has(path);
  const raw = !streamBody && (method === 'POST' || method === 'PUT' || method === 'PATCH') ? await readBody(req, h, limit) : null;
  // A binary body type (an OCSP request, DER) reaches the backend as read, not as data, as Vault passes it.
  const binary = raw !== null && isBinaryBody(h);
  const input = inputFor(ctx, req, h, operation, path, query, binary ? null : raw, tracked);
  if (streamBody) input.body = req;
  if (binary) input.body = oneChunk(raw);
  // Role quotas are only ever on auth mounts: every other request goes straight to the core.
  const out = path.startsWith('auth/') ? await answerBehindRoleQuotas(core, input, path, client) : renderResult(await core.handleRequest(input));
  // HA with a change stream: the index this write (or any earlier one) reached, for read-your-writes on a performance standby.
  const index = core.storageIndex?.() ?? null;
  return index === null ? out : { ...out, extraHeaders: ['X-Vault-Index', String(index)] };
}

/** One buffer as the body stream a backend reads. */
async function* oneChunk(b: Buffer): AsyncIterable<Buffer> {
  yield b;
}

/** The core's view of a request; `raw` is the body read for POST/PUT/PATCH (null: data from the query). */
function inputFor(ctx: Context, req: IncomingMessage, h: WardHeaders, operation: Operation, path: string, query: URLSearchParams, raw: Buffer | null, tracked: InFlightHttpRequest | null): HttpRequestInput {
  const data = raw !== null ? bodyData(h, raw, ctx.json) : query === EMPTY ? {} : queryData(query);
  let reqPath = path;
  if (operation === 'list' && !reqPath.endsWith('/')) reqPath += '/';
  if (query !== EMPTY && wantsHelp(query)) operation = 'help';
  const { token } = clientToken(h);
  return {
    operation,
    path: reqPath,
    data,
    clientToken: token,
    wrapTtl: wrapTtl(h),
    headers: token === '' && h.authorization === undefined ? req.rawHeaders : withoutTokenHeaders(req.rawHeaders),
    connection: ctx.forwarded ? forwardedConnection(req) : localConnection(req),
    // Always present (undefined without a tracker): one object shape for every request.
    inFlight: tracked ?? undefined,
  };
}

/** Methods a performance standby may answer itself (reads, lookups and capability checks). */
const LOCAL_METHODS = new Set(['GET', 'LIST', 'POST', 'PUT']);

/**
 * On a standby: a performance standby's own answer when it has one (marked
 * `X-Ward-Served-By: perf-standby`), else the active node's (forwarded, or a redirect).
 */
async function onStandby(ctx: Context, route: StandbyRoute, req: IncomingMessage, h: WardHeaders, method: string, path: string, query: URLSearchParams): Promise<Rendered> {
  const local = route.local;
  if (local === undefined || !LOCAL_METHODS.has(method) || STREAMED_BODY_PATHS.has(path)) return answerOnStandby(route, req, method, h, ctx.limit, ctx.logger);
  const raw = method === 'POST' || method === 'PUT' ? await readBody(req, h, ctx.limit) : null;
  let input: HttpRequestInput | null = null;
  try {
    input = inputFor(ctx, req, h, methodToOperation(method, query), path, query, raw, null);
  } catch {
    // Malformed: the active node gives the client the error it would give.
  }
  const result = input === null ? null : await local(input, { index: headerValue(req.rawHeaders, 'x-vault-index'), inconsistent: headerValue(req.rawHeaders, 'x-vault-inconsistent') });
  if (result === null) return answerOnStandby(route, req, method, h, ctx.limit, ctx.logger, raw ?? Buffer.alloc(0));
  return { ...renderResult(result), extraHeaders: ['X-Ward-Served-By', 'perf-standby'] };
}

function headerValue(raw: readonly string[], name: string): string | null {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) return raw[i + 1]!;
  return null;
}

/** `raw` without the header (every occurrence) that carried the client token. */
/**
 * The headers with every one that can carry a client token removed: X-Vault-Token and an
 * `Authorization: Bearer` (Vault reads either). Both go, whichever one was used, so an
 * operator who audits `authorization` in the clear never writes a token to the log.
 */
function withoutTokenHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 13 && n.toLowerCase() === 'x-vault-token') continue;
    if (n.length === 13 && n.toLowerCase() === 'authorization' && /^bearer\s/i.test(raw[i + 1]!)) continue;
    out.push(n, raw[i + 1]!);
  }
  return out;
}

/** The client's address and, over TLS, the certificates it presented. */
function localConnection(req: IncomingMessage): Connection {
  const c: Connection = { remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort ?? 0 };
  const tls = peerTls(req.socket);
  if (tls) c.tls = tls;
  return c;
}

/** The client's address and certificates as the forwarding standby saw them (only the cluster listener trusts these headers). */
function forwardedConnection(req: IncomingMessage): Connection {
  const a = req.headers[FORWARDED_FOR];
  const p = Number(req.headers[FORWARDED_PORT]);
  const c: Connection = { remoteAddress: typeof a === 'string' ? a : (req.socket.remoteAddress ?? ''), remotePort: Number.isInteger(p) ? p : 0 };
  const certs = req.headers[FORWARDED_CLIENT_CERTS];
  if (typeof certs === 'string') c.tls = { peerCertificates: certs === '' ? [] : certs.split(',').map((b) => new Uint8Array(Buffer.from(b, 'base64'))) };
  return c;
}
