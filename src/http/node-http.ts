/**
 * The parts of node's HTTP server internals the connection guard relies on, in one place
 * (node 20 and 22 `_http_server.js`, `_http_common.js`, `node_http_parser.cc`). Each is
 * long-standing; the tests in test/integration/http fail if one changes.
 *
 * - `socket.parser`: the llhttp binding serving the connection; `parser._consumed` is
 *   true when it reads the socket's stream handle natively (no JS 'data' events);
 *   `parser.incoming` is the last request it parsed, until that request is answered.
 * - `socket._httpMessage`: the response being written; the responses behind it get the
 *   socket (in order) as each one finishes, so it is null exactly when nothing is owed.
 * - `parser[HTTPParser.kOnExecute]`: called after each natively parsed chunk with the
 *   bytes parsed (or the parse error); `parser.getCurrentBuffer()` copies that chunk.
 * - `parser.remove()`: takes the parser out of the server's header/request timeout list.
 * - The names of the listeners node's `connectionListener` puts on a socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface NodeParser {
  _consumed?: boolean;
  incoming: IncomingMessage | null;
  unconsume?(): void;
  remove?(): void;
  getCurrentBuffer(): Buffer;
  /** llhttp callbacks live at numeric indexes (kOnExecute and friends). */
  [index: number]: unknown;
}

export interface NodeSocket extends Socket {
  parser?: NodeParser | null;
  _httpMessage?: ServerResponse | null;
}

/** Listeners node's HTTP server adds to every connection, by event. */
export const NODE_LISTENERS: Readonly<Record<string, string>> = {
  data: 'bound socketOnData',
  end: 'bound socketOnEnd',
  drain: 'bound socketOnDrain',
  timeout: 'socketOnTimeout',
  pause: 'onSocketPause',
  resume: 'onSocketResume',
};

/** True when node's parser reads `socket` natively. */
export function readsNatively(socket: Socket): boolean {
  return (socket as NodeSocket).parser?._consumed === true;
}

/** The index of the per-chunk callback on `parser`, or undefined on a node without it. */
export function onExecuteIndex(parser: NodeParser): number | undefined {
  const k = (parser.constructor as { kOnExecute?: unknown }).kOnExecute;
  return typeof k === 'number' ? k : undefined;
}

/**
 * Runs `run` once every response owed on `socket` has finished (at once when none is);
 * never when the socket is destroyed first. Waits on one response at a time: the one
 * being written, whose successor gets the socket before its 'close' is emitted.
 */
export function whenAnswered(socket: Socket, run: () => void): void {
  if (socket.destroyed) return;
  const res = (socket as NodeSocket)._httpMessage;
  if (!res) {
    run();
    return;
  }
  res.once('close', () => whenAnswered(socket, run));
}

/**
 * Runs `run` with the response to `req` once it is the one being written (null when it
 * finished without reaching that point, e.g. answered early); never when the socket is
 * destroyed first.
 */
export function whenResponding(socket: Socket, req: IncomingMessage, run: (res: ServerResponse | null) => void): void {
  if (socket.destroyed) return;
  const res = (socket as NodeSocket)._httpMessage;
  if (!res) {
    run(null);
    return;
  }
  if (res.req === req) {
    run(res);
    return;
  }
  res.once('close', () => whenResponding(socket, req, run));
}
