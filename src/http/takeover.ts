/**
 * Switching a natively read connection to the framing tracker: the socket is taken back
 * from node's parser, every response owed on it is finished, and the bytes from the
 * start of the request node could not serve are replayed, followed by the rest of the
 * stream, into a fresh HTTP connection on the same server (a ReplaySocket, read through
 * JS streams, so the guard runs the tracker on it for the rest of its life).
 *
 * Two cases need it: a `LIST` (llhttp refuses the method; parse-errors.ts finds where the
 * request starts) and bytes behind an upgrade request in the same chunk (llhttp stops
 * after such a request and node drops the rest of the chunk; followUpgrade catches them).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { NODE_LISTENERS, onExecuteIndex, readsNatively, whenAnswered, type NodeSocket } from './node-http.js';
import { ReplaySocket } from './replay-socket.js';

const kSwitched = Symbol('ward.http.switched');

interface Switchable {
  [kSwitched]?: true;
}

/** True once `socket` was handed over to a replay (its later parse errors are echoes). */
export function switched(socket: Socket): boolean {
  return (socket as Switchable)[kSwitched] === true;
}

function removeNodeListener(socket: Socket, event: string): boolean {
  const fn = socket.listeners(event).find((f) => f.name === NODE_LISTENERS[event]);
  if (fn === undefined) return false;
  socket.removeListener(event, fn as (...args: unknown[]) => void);
  return true;
}

/**
 * Takes `socket` over from node's parser and, once every owed response has finished,
 * replays `head` and the rest of the stream into the server that accepted it, as a new
 * connection. Bytes arriving meanwhile are held (the socket is paused after each chunk,
 * so a flood waits in the kernel, not here).
 */
export function takeOver(socket: Socket, head: Buffer): void {
  const s = socket as NodeSocket & Switchable & { server?: Server; encrypted?: boolean };
  s[kSwitched] = true;
  const parser = s.parser;
  const server = s.server;
  // An https server hands decrypted sockets to HTTP on 'secureConnection'.
  const event = s.encrypted === true ? 'secureConnection' : 'connection';
  if (server === undefined || !removeNodeListener(socket, 'data') || !removeNodeListener(socket, 'end')) {
    // Not the node this was written for: refuse the request rather than guess.
    socket.destroy();
    return;
  }
  const held: Buffer[] = [head];
  let ended = false;
  const hold = (chunk: Buffer): void => {
    held.push(chunk);
    socket.pause();
  };
  const holdEnd = (): void => {
    ended = true;
  };
  // Node's wrapper on socket.on unconsumes its parser when a 'data' listener is added;
  // do it explicitly too, in case that wrapper is gone.
  socket.on('data', hold);
  socket.on('end', holdEnd);
  socket.pause();
  if (parser?._consumed === true) {
    parser.unconsume?.();
    parser._consumed = false;
  }
  removeNodeListener(socket, 'pause');
  removeNodeListener(socket, 'resume');
  // The replayed connection gets its own header and request timeouts.
  parser?.remove?.();
  whenAnswered(socket, () => {
    socket.removeListener('data', hold);
    socket.removeListener('end', holdEnd);
    removeNodeListener(socket, 'drain');
    removeNodeListener(socket, 'timeout');
    socket.setTimeout(0);
    server.emit(event, new ReplaySocket(socket, held, ended));
  });
}

/**
 * Called (by the handler, synchronously) for a request carrying an Upgrade header on a
 * natively read connection. llhttp stops after an upgrade request (an Upgrade header and
 * `Connection: upgrade`) and node, with no 'upgrade' listener, serves it as a plain
 * request but drops the rest of that chunk. Until the request is complete, each parsed
 * chunk is checked: if llhttp stopped short of its end, the connection switches, and the
 * dropped bytes are replayed. Costs nothing for other requests.
 */
export function followUpgrade(req: IncomingMessage): void {
  const socket = req.socket as NodeSocket;
  const parser = socket.parser;
  if (!parser || !readsNatively(socket)) return;
  const k = onExecuteIndex(parser);
  if (k === undefined) return;
  const onExecute = parser[k] as ((ret: number | Error) => void) | undefined;
  if (typeof onExecute !== 'function' || (onExecute as { [kSwitched]?: true })[kSwitched]) return;
  const watch = (ret: number | Error): void => {
    if (typeof ret === 'number') {
      const chunk = parser.getCurrentBuffer();
      if (ret < chunk.length) {
        parser[k] = onExecute;
        onExecute(ret);
        takeOver(socket, chunk.subarray(ret));
        return;
      }
    }
    if (typeof ret !== 'number' || req.complete) parser[k] = onExecute;
    onExecute(ret);
  };
  (watch as { [kSwitched]?: true })[kSwitched] = true;
  parser[k] = watch;
}
