/**
 * Per-connection guard for a node:http(s) server: it decides which connections run the
 * framing tracker (framing.ts), enforces the write timeout, and answers parse errors
 * (`clientError`) and CONNECT.
 *
 * A connection starts native: node's parser (llhttp) reads the socket's stream handle
 * itself, with no JS 'data' event, no tracker and no bookkeeping here per request.
 * Reading every chunk through JS first (to see the bytes before llhttp) costs about
 * 4-5 µs of CPU per request, some 13% of a KV read; the tracker itself is under 0.5 µs.
 * A connection switches to the tracker for the rest of its life (takeover.ts) at its
 * first `LIST`, which llhttp refuses, and when node would drop bytes pipelined behind an
 * upgrade request. A connection node cannot read natively (a stream without a handle,
 * such as every replayed one) is tracked from the start: it pays for the JS path anyway.
 *
 * What a native connection accepts that Vault's Go server refuses, and why it is left so:
 * - extra spaces between the parts of the request line (`DELETE  /v1/x HTTP/1.1`,
 *   `GET /v1/x  HTTP/1.1`): llhttp skips them and leaves no trace in what node reports,
 *   so only the raw bytes show them, which costs the JS read path above on every request.
 *   A tracked connection refuses them with 400 as Go does.
 * - a method whose letters before a final `LIST` llhttp consumed as a prefix of a method
 *   it knows (`UNLIST`, or `BIST` split after `B`) is served as LIST, not answered 405
 *   (parse-errors.ts).
 * The HTTP version, Transfer-Encoding and Content-Length checks llhttp does not make are
 * made by the handler on every connection (request.ts `framingError`).
 *
 * An error answer is only written once every request parsed before the error has been
 * answered (node-http.ts `whenAnswered`): pipelined responses go out in order, and
 * writing the error first (or destroying the socket, node's default while a response is
 * pending) would lose them. After an error the connection is closed; llhttp cannot resume
 * a failed stream.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WardError } from '../sdk/errors.js';
import { renderError, send } from './render.js';
import { RequestFraming, type Verdict } from './framing.js';
import { listRequestHead, nativeVerdict, trackedVerdict, type ParseError } from './parse-errors.js';
import { readsNatively, whenAnswered, whenResponding, type NodeSocket } from './node-http.js';
import { switched, takeOver } from './takeover.js';

const kFraming = Symbol('ward.http.framing');
const kFailed = Symbol('ward.http.failed');

interface Guarded {
  [kFraming]?: RequestFraming;
  /** Set once a parse error is being answered: further errors on the stream are its echoes. */
  [kFailed]?: true;
}

let trackers = 0;

/** True when `socket` is followed by a framing tracker (so `LOCK` means `LIST`). */
export function isTracked(socket: Socket): boolean {
  return (socket as Guarded)[kFraming] !== undefined;
}

/** How many connections have run a framing tracker since the process started (for tests). */
export const trackedConnections = (): number => trackers;

export interface ConnectionOptions {
  /** Go's WriteTimeout: ms from a request's head to its response's end; 0 = none. */
  writeTimeoutMs: number;
}

/**
 * Installs the guard on `server` and `handler` as its request listener (one listener:
 * node's emit copies its listener array on every call once there are two). `tls`
 * selects the event that hands a connection to the HTTP machinery (https servers get
 * decrypted sockets on 'secureConnection').
 */
export function guardConnections(server: Server, tls: boolean, opts: ConnectionOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    // Node's own listener ran first and consumed the socket natively where it could.
    if (!readsNatively(socket)) track(socket, server);
  });
  server.on('request', opts.writeTimeoutMs > 0 ? withWriteTimeout(handler, opts.writeTimeoutMs) : handler);
  server.on('clientError', onParseError);
  server.on('connect', refuseConnect);
}

/**
 * Makes every chunk pass through a tracker before node's parser sees it. Node's server
 * feeds its parser from 'data' events on a socket it cannot consume natively; its own
 * listener (the only one at this point) is wrapped rather than joined by a second, which
 * would make every emit copy the listener list; if it is not the expected one, the
 * tracker is prepended instead.
 */
function track(socket: Socket, server: Server): void {
  // With an 'upgrade' listener (events websockets) node hands an upgrade request's body and
  // the bytes behind it to the listener instead of dropping them.
  const framing = new RequestFraming({ upgradesIntact: server.listenerCount('upgrade') > 0 });
  (socket as Guarded)[kFraming] = framing;
  trackers++;
  const listeners = socket.listeners('data');
  const parse = listeners[0] as ((chunk: Buffer) => void) | undefined;
  if (listeners.length === 1 && parse !== undefined && parse.name === 'bound socketOnData') {
    socket.removeListener('data', parse);
    socket.on('data', (chunk: Buffer) => {
      framing.feed(chunk);
      parse(chunk);
    });
  } else {
    socket.prependListener('data', (chunk: Buffer) => framing.feed(chunk));
  }
}

function withWriteTimeout(handler: (req: IncomingMessage, res: ServerResponse) => void, ms: number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const timer = setTimeout(() => {
      if (!res.writableFinished) req.socket.destroy();
    }, ms);
    res.on('close', () => clearTimeout(timer));
    handler(req, res);
  };
}

function onParseError(err: ParseError, socket: Socket): void {
  const s = socket as Guarded;
  // Echoes: of an error being answered, or from the parser a switched socket left behind.
  if (s[kFailed] === true || switched(socket)) return;
  const framing = s[kFraming];
  if (framing === undefined && err.code === 'HPE_INVALID_METHOD') {
    const head = listRequestHead(err.rawPacket, err.bytesParsed);
    if (head !== null) {
      takeOver(socket, head);
      return;
    }
  }
  s[kFailed] = true;
  if (err.code === 'HPE_CLOSED_CONNECTION') {
    // Bytes after a request that asked to close: node closes once it is answered.
    whenAnswered(socket, () => socket.destroySoon());
    return;
  }
  answer(socket, framing === undefined ? nativeVerdict(err) : trackedVerdict(framing, err));
}

function answer(socket: Socket, verdict: Verdict): void {
  const incoming = (socket as NodeSocket).parser?.incoming;
  if (incoming && !incoming.complete) {
    // The error is in the body of a request already handed to the handler: it is
    // answered through that request's response (whose handler's own answer is then
    // dropped), and the connection closes after it.
    whenResponding(socket, incoming, (res) => {
      if (res && !res.headersSent) send(res, renderError(new WardError('invalid_request', [verdict.message], { status: verdict.status })), { close: true });
      whenAnswered(socket, () => socket.destroySoon());
    });
    return;
  }
  whenAnswered(socket, () => writeVerdict(socket, verdict));
}

function writeVerdict(socket: Socket, verdict: Verdict): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [verdict.message] });
  socket.end(
    `HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status] ?? ''}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n` +
      `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const ignore = (): void => {};

/**
 * CONNECT on a native connection (a tracked one refuses it in the tracker): node hands
 * the socket over, its HTTP listeners gone. Go answers 405 for a path (Vault serves no
 * CONNECT) and 400 for an authority, after the responses owed, then closes.
 */
function refuseConnect(req: IncomingMessage, socket: Socket): void {
  socket.on('error', ignore);
  (socket as Guarded)[kFailed] = true;
  const path = (req.url ?? '').startsWith('/');
  whenAnswered(socket, () => writeVerdict(socket, path ? { status: 405, message: 'unsupported operation' } : { status: 400, message: 'malformed HTTP request line' }));
}
