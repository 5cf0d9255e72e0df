/**
 * Support for Vault's custom `LIST` HTTP method. Node's HTTP parser (llhttp) only knows
 * a fixed method table and rejects `LIST` with HPE_INVALID_METHOD before any handler
 * runs. When that happens we take the connection back from the server, replay the
 * request with `LIST` swapped for the (equally long, otherwise meaningless to Vault)
 * `LOCK`, mark the replayed connection, and answer with `Connection: close` so every
 * LIST costs at most one replay. The handler asks `isListVerb(req)`.
 *
 * This touches two Node internals (`socket.parser`, `parser.unconsume()`), the same ones
 * Node uses for protocol upgrades; when they are missing the request is refused with
 * 400 as before, and `listVerbSupported()` reports it.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

const kList = Symbol.for('ward.http.listVerb');
const PLACEHOLDER = 'LOCK';
/** An RFC 9110 token followed by a space and a request target: a method, just not one llhttp knows. */
const METHOD_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ [^ ]/;

/** True when `req` arrived as `LIST` (and was replayed as the placeholder method). */
export function isListVerb(req: IncomingMessage): boolean {
  return req.method === PLACEHOLDER && (req.socket as unknown as Record<symbol, unknown>)[kList] === true;
}

/** A connection stand-in that first yields `head`, then the rest of `inner`. */
class ReplaySocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly encrypted: boolean;

  constructor(
    private readonly inner: Socket,
    head: Buffer,
  ) {
    super({ allowHalfOpen: true });
    this.remoteAddress = inner.remoteAddress;
    this.remotePort = inner.remotePort;
    this.remoteFamily = inner.remoteFamily;
    this.localAddress = inner.localAddress;
    this.localPort = inner.localPort;
    this.encrypted = (inner as Socket & { encrypted?: boolean }).encrypted === true;
    (this as unknown as Record<symbol, unknown>)[kList] = true;
    this.push(head);
    inner.on('data', (c: Buffer) => {
      if (!this.push(c)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.inner.write(chunk, enc, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.inner.setTimeout(ms, cb);
    return this;
  }

  setNoDelay(v?: boolean): this {
    this.inner.setNoDelay(v);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }
}

interface ParserLike {
  _consumed?: boolean;
  unconsume?: () => void;
}

/** Whether this Node exposes what the replay needs. */
export function listVerbSupported(socket: Socket): boolean {
  const p = (socket as unknown as { parser?: ParserLike }).parser;
  return typeof p === 'object' && p !== null && typeof p.unconsume === 'function';
}

/**
 * Installs the `clientError` hook on `server`. `tls` selects which event hands a
 * connection to the HTTP machinery (https servers take decrypted sockets via
 * 'secureConnection'). Other parse errors get Node's usual 400 and close.
 */
export function enableListVerb(server: Server, tls: boolean): void {
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) => {
    const raw = err.rawPacket;
    if (err.code === 'HPE_INVALID_METHOD' && raw && raw.subarray(0, 5).toString('latin1') === 'LIST ' && listVerbSupported(socket)) {
      const parser = (socket as unknown as { parser: ParserLike }).parser;
      try {
        if (parser._consumed) {
          parser.unconsume?.();
          parser._consumed = false;
        }
        for (const ev of ['data', 'end', 'drain', 'timeout', 'resume', 'pause']) socket.removeAllListeners(ev);
        const head = Buffer.concat([Buffer.from(PLACEHOLDER, 'latin1'), raw.subarray(4)]);
        server.emit(tls ? 'secureConnection' : 'connection', new ReplaySocket(socket, head));
        socket.resume();
        return;
      } catch {
        socket.destroy();
        return;
      }
    }
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      // Vault (Go) accepts any token as a method and answers 405 for ones it does not
      // serve; llhttp rejects methods outside its table first, so answer for it here.
      if (err.code === 'HPE_INVALID_METHOD' && raw && METHOD_LINE.test(raw.subarray(0, 64).toString('latin1'))) {
        const body = '{"errors":["unsupported operation"]}';
        socket.end(
          `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });
}
