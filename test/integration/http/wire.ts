/**
 * Byte-level HTTP/1.1 for listener tests: write exact bytes (optionally as separate TCP
 * segments), then read every response the server sends until it closes the connection
 * or the expected number arrived. No client library normalises anything on the way.
 */
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Exchange {
  responses: WireResponse[];
  /** True when the server closed the connection (FIN or reset). */
  closed: boolean;
  /** Bytes after the last complete response (a truncated answer). */
  rest: string;
}

/**
 * Parses as many complete responses as `text` holds. Responses carry Content-Length
 * (Ward) or no body (204, or a close-delimited error).
 */
export function parseResponses(text: string, closed: boolean): { responses: WireResponse[]; rest: string } {
  const responses: WireResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const head = text.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
    if (!m) break;
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const status = Number(m[1]);
    const declared = headers['content-length'];
    let bodyEnd: number;
    if (declared !== undefined) bodyEnd = end + 4 + Number(declared);
    else if (status === 204 || status === 304 || status < 200) bodyEnd = end + 4;
    else if (closed) bodyEnd = text.length;
    else break;
    if (bodyEnd > text.length) break;
    responses.push({ status, headers, body: text.slice(end + 4, bodyEnd) });
    at = bodyEnd;
  }
  return { responses, rest: text.slice(at) };
}

export interface ExchangeOptions {
  /** Pause between parts so each leaves as its own TCP segment (default 40 ms). */
  gapMs?: number;
  /** Resolve as soon as this many responses arrived (the connection may stay open). */
  expect?: number;
  /** Give up after this long and resolve with what arrived (default 5 s). */
  timeoutMs?: number;
  /** Half-close after writing (default false: a keep-alive client waiting for answers). */
  end?: boolean;
  /** Speak TLS with these options (an https:// listener). */
  tls?: ConnectionOptions;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `parts` to `host:port` and collects the answers. */
export function exchange(url: string, parts: (string | Buffer)[], o: ExchangeOptions = {}): Promise<Exchange> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock: Socket = o.tls ? connectTls({ port: Number(u.port), host: u.hostname, ...o.tls }) : connect(Number(u.port), u.hostname);
    sock.setNoDelay(true);
    let data = '';
    let closed = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const { responses, rest } = parseResponses(data, closed);
      sock.destroy();
      resolve({ responses, closed, rest });
    };
    const timer = setTimeout(finish, o.timeoutMs ?? 5000);
    sock.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (o.expect !== undefined && parseResponses(data, false).responses.length >= o.expect) finish();
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('error', () => {
      closed = true;
    });
    sock.on(o.tls ? 'secureConnect' : 'connect', () => {
      void (async () => {
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) await sleep(o.gapMs ?? 40);
          if (done) return;
          sock.write(parts[i]!);
        }
        if (o.end) sock.end();
      })();
    });
  });
}

/** A request with Host and, for a string body, Content-Length. */
export function req(method: string, path: string, headers: Record<string, string> = {}, body?: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: ward.test'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}
