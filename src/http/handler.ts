/**
 * The HTTP front door: a translator, not a router. It turns an HTTP request into an
 * HttpRequestInput (method → operation, query/body → data, token, wrap TTL), answers the
 * five raw sys endpoints itself, hands everything else to the core and renders the result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreApi } from '../core/api-types.js';
import { WardError, badRequest, unsupportedOperation } from '../sdk/errors.js';
import { notFoundBody, renderError, renderResult, send, type Rendered } from './render.js';
import { DEFAULT_MAX_REQUEST_SIZE, bodyData, framingError, checkPatchContentType, isBinaryBody, parseTarget, readBody, scanHeaders, type WardHeaders } from './request.js';
import { RAW_PATHS, handleRaw } from './sys-raw.js';
import { handleCeremony, isBackupPath, isCeremonyPath } from './sys-ceremony.js';
import { isListVerb } from './list-verb.js';
import { followUpgrade } from './takeover.js';
import { DEFAULT_JSON_LIMITS, JsonGuard } from './input.js';
import { DEFAULT_MAX_REQUEST_DURATION_MS, RequestDeadlines } from './deadline.js';
import type { RequestHandler } from './listener.js';
import { eventsUpgradeHandler, isEventsPath } from './events-socket.js';
import { corsOutcome } from './cors.js';
import { answerBehindRoleQuotas } from './role-quotas.js';
import { metricsFront, quotaRefusal } from './front-checks.js';
import type { InFlightHttpRequest } from '../core/inflight/http-requests.js';
import type { HandlerOptions } from './handler-options.js';
import type { Context } from './handler-context.js';
import { STREAMED_BODY_PATHS, isSnapshotUrl } from './body-routes.js';
import { discardThenClose } from './body-drain.js';
import { trackIn, untrackWhenAnswered } from './in-flight.js';
import { forwardedConnection } from './client-connection.js';
import { inputFor, methodToOperation, oneChunk } from './request-input.js';
import { onStandby } from './handler-standby.js';

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
