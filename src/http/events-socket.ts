/**
 * `GET /v1/sys/events/subscribe/:eventType` upgraded to a websocket, as Vault's events
 * handler: `json=true` selects CloudEvents JSON text frames (the only format Ward sends),
 * `namespaces` and `filter` narrow the subscription, and every refusal (no or bad token,
 * no `read` on the subscribe path, bad parameters, sealed) is a normal HTTP answer with
 * `{"errors":[...]}` before any upgrade. On a standby the client gets a 307 to the active
 * node, which VSO's websocket client follows.
 *
 * A subscriber that does not keep up never slows writers: the bus hands events out
 * asynchronously, and a socket whose unsent backlog passes `maxBufferedBytes` is dropped
 * (the client reconnects and falls back to polling meanwhile).
 *
 * Node hands every upgrade request here once an 'upgrade' listener exists, with the bytes
 * behind it unparsed. Requests for other paths or protocols (`curl --http2` on plain HTTP
 * asks for h2c, with a body or with requests pipelined behind) are replayed into the
 * server without their Upgrade header, so they are served exactly as plain requests (as
 * Vault's Go server ignores the header): request, body and pipeline, on a connection the
 * framing tracker then follows (takeover.ts).
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CoreApi, EventSink, StandbyRoute } from '../core/api-types.js';
import { badRequest, WardError } from '../sdk/errors.js';
import type { Logger } from '../sdk/logical.js';
import { isTracked } from './connection.js';
import { ReplaySocket } from './replay-socket.js';
import { renderError, send, type Rendered } from './render.js';
import { clientToken, parseGoBool, parseTarget, scanHeaders } from './request.js';
import { redirectLocation } from './standby.js';

/** What the websocket side needs from the core. */
export interface EventsCore {
  standbyRoute(): StandbyRoute | null;
  subscribeEvents: NonNullable<CoreApi['subscribeEvents']>;
}

/** `sys/events/subscribe[/…]`: served only as a websocket. */
export const isEventsPath = (path: string): boolean => path === PREFIX || path.startsWith(`${PREFIX}/`);

/** `server`: the server that accepted the connection (a replayed connection does not name it). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, server?: Server) => void;

export interface EventsSocketOptions {
  logger: Logger;
  /** Unsent bytes a subscriber may fall behind by before it is dropped (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Interval of keep-alive pings (default 30 s, as Vault). */
  pingIntervalMs?: number;
}

const PREFIX = 'sys/events/subscribe';
const DEFAULT_MAX_BUFFERED = 1 << 20;
const DEFAULT_PING_MS = 30_000;
/** Close code for a subscriber dropped for falling behind (RFC 6455 "try again later"). */
const CLOSE_TOO_SLOW = 1013;

/**
 * The 'upgrade' listener: events subscriptions become websockets; anything else is served
 * by the HTTP server as if no upgrade had been asked for (replayAsPlain).
 */
export function eventsUpgradeHandler(core: EventsCore, o: EventsSocketOptions): UpgradeHandler {
  // Clients send nothing but control frames: a small payload limit keeps a hostile one cheap.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const maxBuffered = o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const pingMs = o.pingIntervalMs ?? DEFAULT_PING_MS;
  return (req, socket, head, server) => {
    socket.on('error', () => socket.destroy());
    // A connection the framing tracker follows keeps its listener after node lets go of
    // it: what follows is replayed or websocket frames, so it must stop reading now.
    if (isTracked(socket as Socket)) socket.removeAllListeners('data');
    let path: string | null;
    let query: URLSearchParams;
    try {
      ({ path, query } = parseTarget(req.url ?? '/'));
    } catch {
      path = null;
      query = new URLSearchParams();
    }
    const isEvents = path !== null && isEventsPath(path);
    if (!isEvents || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      replayAsPlain(req, socket, head, server);
      return;
    }
    void subscribe(req, socket, head, path!, query).catch((e: unknown) => answer(req, socket, renderError(e, o.logger)));
  };

  async function subscribe(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams): Promise<void> {
    if ((req.method ?? 'GET').toUpperCase() !== 'GET') throw new WardError('unsupported_operation', ['unsupported operation']);
    const route = core.standbyRoute();
    if (route !== null) {
      const active = await route.activeApiAddr();
      if (active === null) throw new WardError('standby', ['Vault is in standby mode']);
      answer(req, socket, { status: 307, headers: ['Location', redirectLocation(active, req.url ?? '/')], body: '' });
      return;
    }
    const eventType = path.slice(PREFIX.length + 1).trim();
    const json = query.get('json');
    // Run once the token passed, as Vault checks the token first.
    const validate = (): void => {
      if (eventType === '') throw badRequest('did not specify eventType to subscribe to');
      if (json !== null && json !== '' && parseGoBool(json) === undefined) throw badRequest(`invalid parameter for JSON: ${json}`);
      if (json === null || json === '' || parseGoBool(json) === false) throw badRequest('Ward sends events as CloudEvents JSON only: add json=true');
    };

    // Subscribed before the upgrade (as Vault): nothing published meanwhile is lost.
    const sink = new SocketSink(maxBuffered);
    const unsubscribe = await core.subscribeEvents(
      {
        clientToken: clientToken(scanHeaders(req.rawHeaders)).token,
        remoteAddress: req.socket.remoteAddress ?? '',
        eventType,
        namespaces: query.getAll('namespaces'),
        filter: query.get('filter') ?? '',
        validate,
      },
      sink,
    );
    // However the connection ends (a handshake ws refuses, a client gone before the
    // upgrade, a normal close), the subscription goes with it.
    if (socket.destroyed) {
      unsubscribe();
      return;
    }
    socket.once('close', unsubscribe);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const ping = setInterval(() => ws.ping(), pingMs);
      ping.unref();
      ws.on('close', () => {
        clearInterval(ping);
        unsubscribe();
      });
      ws.on('error', () => ws.terminate());
      // Clients have nothing to say; anything they send is ignored.
      ws.on('message', () => {});
      sink.attach(ws, unsubscribe, socket);
    });
  }
}

/** Buffers until the upgrade completes, then writes frames; drops a socket that falls behind. Exported for its unit test. */
export class SocketSink implements EventSink {
  private ws: WebSocket | null = null;
  private socket: Duplex | null = null;
  private corked = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed: { code: number; reason: string } | null = null;
  private unsubscribe: () => void = () => {};

  constructor(private readonly maxBuffered: number) {}

  /** `socket`: the connection under `ws`, corked while a batch of events is written. */
  attach(ws: WebSocket, unsubscribe: () => void, socket: Duplex | null = null): void {
    this.ws = ws;
    this.socket = socket;
    this.unsubscribe = unsubscribe;
    if (this.closed !== null) {
      ws.close(this.closed.code, this.closed.reason);
      return;
    }
    const pending = this.pending;
    this.pending = [];
    for (const json of pending) this.send(json);
  }

  send(json: Buffer): void {
    const ws = this.ws;
    if (ws === null) {
      if (this.closed !== null) return;
      this.pending.push(json);
      this.pendingBytes += json.length;
      if (this.pendingBytes > this.maxBuffered) this.close(CLOSE_TOO_SLOW, 'subscriber too slow');
      return;
    }
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.maxBuffered) {
      this.unsubscribe();
      ws.terminate();
      return;
    }
    // The bus hands out a batch of events in one go: corked until the batch is done, they
    // leave in one write instead of one system call each.
    const socket = this.socket;
    if (socket !== null && !this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    // A text frame from the shared bytes: no per-subscriber encoding.
    ws.send(json, { binary: false });
  }

  close(code: number, reason: string): void {
    if (this.ws === null) {
      this.closed = { code, reason };
      this.pending = [];
      return;
    }
    this.ws.close(code, reason);
  }
}

/** Answers an upgrade request with an ordinary HTTP response, then closes the connection. */
function answer(req: IncomingMessage, socket: Duplex, out: Rendered): void {
  if (socket.destroyed) return;
  const res = responseOn(req, socket);
  send(res, out, { close: true });
}

/**
 * Hands the connection back to the HTTP server as a new one that starts with this request
 * (Upgrade header and `upgrade` Connection token removed) followed by everything behind it.
 */
function replayAsPlain(req: IncomingMessage, socket: Duplex, head: Buffer, accepting: Server | undefined): void {
  const s = socket as Socket & { server?: Server; encrypted?: boolean };
  const server = accepting ?? s.server;
  if (server === undefined) {
    socket.destroy();
    return;
  }
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lc = name.toLowerCase();
    if (lc === 'upgrade') continue;
    if (lc === 'connection') {
      const kept = raw[i + 1]!.split(',').map((t) => t.trim()).filter((t) => t !== '' && t.toLowerCase() !== 'upgrade');
      if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${raw[i + 1]!}`);
  }
  // Node decodes header bytes as latin1: encoding them back the same way restores them.
  const start = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  server.emit(s.encrypted === true ? 'secureConnection' : 'connection', new ReplaySocket(s, [start, head], false));
}

/** A response written straight to `socket` (node hands upgrade requests over without one). */
function responseOn(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => socket.end());
  return res;
}
