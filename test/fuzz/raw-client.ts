/**
 * A raw HTTP/1.1 exchange over one TCP connection: any method (LIST, CONNECT, lowercase),
 * any bytes in the request line or body, a hard deadline. Node's http client would
 * normalise or refuse most of what the fuzzer needs to send.
 */
import { connect } from 'node:net';

export interface Answer {
  kind: 'answer';
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  /** Interim 1xx responses seen before the final one. */
  interim: number[];
}

export interface NoAnswer {
  /** `timeout`: no complete answer by the deadline; `reset`: connection ended without one; `refused`: nothing listening. */
  kind: 'timeout' | 'reset' | 'refused';
  ms: number;
  /** What had arrived (a status line, a partial body), for the report. */
  partial: string;
  error?: string;
}

export type Outcome = Answer | NoAnswer;

export interface ParseState {
  status: number;
  headers: Record<string, string>;
  interim: number[];
  body: Buffer;
}

/**
 * Tries to parse a complete response from `buf`. Returns null while more bytes are
 * needed; `eof` says the peer has finished (a body without a length ends there).
 */
export function parseResponse(buf: Buffer, isHead: boolean, eof: boolean): ParseState | null {
  const interim: number[] = [];
  let off = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', off);
    if (end === -1) return null;
    const head = buf.subarray(off, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
    if (!m) throw new Error(`malformed status line ${JSON.stringify(head[0])}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = end + 4;
    if (status >= 100 && status < 200 && status !== 101) {
      interim.push(status);
      off = start;
      continue;
    }
    if (isHead || status === 204 || status === 304) return { status, headers, interim, body: Buffer.alloc(0) };
    const te = headers['transfer-encoding'];
    if (te && /chunked/i.test(te)) {
      const body = dechunk(buf.subarray(start));
      return body === null ? null : { status, headers, interim, body };
    }
    const cl = headers['content-length'];
    if (cl !== undefined) {
      const n = Number(cl);
      if (buf.length - start < n) return null;
      return { status, headers, interim, body: buf.subarray(start, start + n) };
    }
    return eof ? { status, headers, interim, body: buf.subarray(start) } : null;
  }
}

/** Decodes a complete chunked body, or null when it is not complete yet. */
function dechunk(b: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', off);
    if (eol === -1) return null;
    const size = Number.parseInt(b.subarray(off, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new Error('malformed chunk size');
    if (size === 0) return b.indexOf('\r\n\r\n', eol) === -1 ? null : Buffer.concat(parts);
    if (b.length < eol + 2 + size + 2) return null;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    off = eol + 2 + size + 2;
  }
}

/** Sends `bytes` to host:port on a fresh connection and waits for one final response. */
export function exchange(host: string, port: number, bytes: Buffer, o: { timeoutMs: number; isHead: boolean }): Promise<Outcome> {
  const started = performance.now();
  return new Promise<Outcome>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const sock = connect({ host, port });
    const finish = (o2: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o2);
    };
    const partial = (): string => Buffer.concat(chunks).subarray(0, 300).toString('latin1');
    const tryParse = (eof: boolean): boolean => {
      let parsed: ParseState | null;
      try {
        parsed = parseResponse(Buffer.concat(chunks, size), o.isHead, eof);
      } catch (e) {
        finish({ kind: 'reset', ms: performance.now() - started, partial: partial(), error: (e as Error).message });
        return true;
      }
      if (!parsed) return false;
      finish({ kind: 'answer', ...parsed, ms: performance.now() - started });
      return true;
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ms: performance.now() - started, partial: partial() }), o.timeoutMs);
    sock.on('connect', () => {
      // The server may answer (and close) before it has read everything: write errors are
      // expected then, and the answer decides.
      sock.write(bytes, () => undefined);
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      tryParse(false);
    });
    sock.on('end', () => {
      if (!tryParse(true)) finish({ kind: 'reset', ms: performance.now() - started, partial: partial(), error: 'connection closed before a complete response' });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      if (e.code === 'ECONNREFUSED') return finish({ kind: 'refused', ms: performance.now() - started, partial: '', error: e.message });
      // A reset can arrive after a complete answer was received: take the answer if there is one.
      if (size > 0 && tryParse(true)) return;
      finish({ kind: 'reset', ms: performance.now() - started, partial: partial(), error: `${e.code ?? ''} ${e.message}`.trim() });
    });
    sock.on('close', () => {
      if (!settled && !tryParse(true)) finish({ kind: 'reset', ms: performance.now() - started, partial: partial(), error: 'connection closed before a complete response' });
    });
  });
}
