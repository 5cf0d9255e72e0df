/**
 * The raw client and the oracle decide what counts as a failure, so they are tested
 * against small servers that misbehave on purpose: no answer, a dropped connection,
 * an interim 100 with no final answer, chunked and HEAD answers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { exchange, parseResponse } from './raw-client.js';
import { judge } from './oracle.js';
import { LogTail } from './fuzz-server.js';
import { serialize, type FuzzRequest } from './request.js';

function listen(s: Server | HttpServer): Promise<number> {
  return new Promise((res) => s.listen(0, '127.0.0.1', () => res((s.address() as { port: number }).port)));
}

/** A TCP server that reacts to the first bytes of each connection with `onData`. */
async function tcp(onData: (sock: Socket, data: Buffer) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const s = createServer((sock) => {
    sockets.add(sock);
    sock.once('data', (d) => onData(sock, d));
    sock.on('error', () => undefined);
  });
  const port = await listen(s);
  return {
    port,
    close: () =>
      new Promise((res) => {
        for (const x of sockets) x.destroy();
        s.close(() => res());
      }),
  };
}

const GET = Buffer.from('GET /v1/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');

function req(over: Partial<FuzzRequest> = {}): FuzzRequest {
  return {
    index: 0,
    generator: 't',
    note: '',
    method: 'GET',
    target: '/v1/kv1/fz',
    token: { kind: 'root', header: 'x-vault-token' },
    headers: [],
    body: null,
    mount: 'kv1/',
    object: 'fz',
    targetId: null,
    ...over,
  };
}

describe('raw client', () => {
  it('parses a chunked answer and skips an interim 100', () => {
    const raw = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n');
    const p = parseResponse(raw, false, false);
    assert.equal(p?.status, 200);
    assert.deepEqual(p?.interim, [100]);
    assert.equal(p?.body.toString(), 'abcde');
    assert.equal(parseResponse(raw.subarray(0, raw.length - 2), false, false), null, 'an unterminated chunked body is not complete');
  });

  it('reports a timeout when only an interim 100 arrives (a client would wait forever)', async () => {
    const s = await tcp((sock) => sock.write('HTTP/1.1 100 Continue\r\n\r\n'));
    after(() => s.close());
    const o = await exchange('127.0.0.1', s.port, GET, { timeoutMs: 300, isHead: false });
    assert.equal(o.kind, 'timeout');
    assert.equal(judge(req(), o, false).ok, false);
  });

  it('reports a reset when the server closes without answering', async () => {
    const s = await tcp((sock) => sock.destroy());
    after(() => s.close());
    const o = await exchange('127.0.0.1', s.port, GET, { timeoutMs: 2000, isHead: false });
    assert.equal(o.kind, 'reset');
    const v = judge(req(), o, false);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.kind, 'reset');
  });

  it('reports refused when nothing listens (the server is gone)', async () => {
    const s = await tcp(() => undefined);
    const port = s.port;
    await s.close();
    const o = await exchange('127.0.0.1', port, GET, { timeoutMs: 2000, isHead: false });
    assert.equal(o.kind, 'refused');
    assert.equal(!judge(req(), o, false).ok && (judge(req(), o, false) as { kind: string }).kind, 'crash');
  });

  it('takes an answer whose connection closes right after it (400 and close, as after a parse error)', async () => {
    const s = await tcp((sock) => sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n{}'));
    after(() => s.close());
    const o = await exchange('127.0.0.1', s.port, GET, { timeoutMs: 2000, isHead: false });
    assert.equal(o.kind === 'answer' && o.status, 400);
  });

  it('sends any method (LIST) and exact bytes; a HEAD answer has no body', async () => {
    let seen = '';
    const s = await tcp((sock, d) => {
      seen = d.toString('latin1');
      sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
    });
    after(() => s.close());
    const r = req({ method: 'LIST', target: '/v1/kv1/\u00ff', targetLatin1: true });
    const o = await exchange('127.0.0.1', s.port, serialize(r, 'h', { root: 'R', default: 'D' }), { timeoutMs: 2000, isHead: true });
    assert.equal(o.kind === 'answer' && o.status, 200);
    assert.match(seen, /^LIST \/v1\/kv1\/\xff HTTP\/1\.1\r\n/);
    assert.match(seen, /\r\nX-Vault-Token: R\r\n/);
  });

  it('frames a chunked body that node parses back to the same bytes', async () => {
    let got = '';
    const s = createHttpServer((rq, rs) => {
      const parts: Buffer[] = [];
      rq.on('data', (c: Buffer) => parts.push(c));
      rq.on('end', () => {
        got = Buffer.concat(parts).toString();
        rs.end('{}');
      });
    });
    const port = await listen(s);
    after(() => new Promise<void>((res) => s.close(() => res())));
    const r = req({ method: 'POST', body: Buffer.from('{"a":"bcdef"}'), chunked: 'valid' });
    const o = await exchange('127.0.0.1', port, serialize(r, 'h', { root: 'R', default: 'D' }), { timeoutMs: 2000, isHead: false });
    assert.equal(o.kind === 'answer' && o.status, 200);
    assert.equal(got, '{"a":"bcdef"}');
  });
});

describe('oracle', () => {
  const answer = (status: number, body = '{"errors":["x"]}') => ({ kind: 'answer' as const, status, headers: {}, body: Buffer.from(body), ms: 1, interim: [] });

  it('fails a 500 and passes a 400', () => {
    assert.equal(judge(req(), answer(500), false).ok, false);
    assert.equal(judge(req(), answer(400), false).ok, true);
  });

  it('allows 503 only inside a sealed window', () => {
    const sealed = answer(503, '{"errors":["Vault is sealed"]}');
    assert.equal(judge(req(), sealed, true).ok, true);
    const v = judge(req(), sealed, false);
    assert.equal(!v.ok && v.kind, 'unexpected-seal');
  });

  it('allows the documented upstream 502s and no others', () => {
    assert.equal(judge(req({ mount: 'database/' }), answer(502), false).ok, true);
    assert.equal(judge(req({ mount: 'auth/kubernetes/' }), answer(502), false).ok, true);
    assert.equal(judge(req({ mount: 'kv1/' }), answer(502), false).ok, false);
  });

  it('allows the status sys/health was asked to answer with', () => {
    assert.equal(judge(req({ target: '/v1/sys/health?activecode=500' }), answer(500, '{}'), false).ok, true);
    assert.equal(judge(req({ target: '/v1/sys/health?activecode=501' }), answer(500, '{}'), false).ok, false);
  });

  it("notes a 4xx without Vault's error body without failing", () => {
    const v = judge(req(), answer(404, 'not found'), false);
    assert.equal(v.ok, true);
    assert.match((v as { note?: string }).note ?? '', /errors/);
  });
});

describe('oracle notes', () => {
  const ok204 = { kind: 'answer' as const, status: 204, headers: {}, body: Buffer.alloc(0), ms: 1, interim: [] };
  const base: FuzzRequest = { index: 0, generator: 'duration', note: 'all: ttl=1h max_ttl=99999999999h', method: 'POST', target: '/v1/x', token: { kind: 'root', header: 'x-vault-token' }, headers: [], body: null, mount: null, object: null, targetId: null };

  it('notes a duration past int64 nanoseconds that was accepted, in a field or in X-Vault-Wrap-TTL', () => {
    assert.match((judge(base, ok204, false) as { note?: string }).note ?? '', /beyond int64/);
    const header = { ...base, generator: 'header', note: '', headers: [['X-Vault-Wrap-TTL', '99999999999h']] as [string, string][] };
    assert.match((judge(header, ok204, false) as { note?: string }).note ?? '', /beyond int64/);
    assert.equal((judge({ ...base, note: 'ttl=2562047h' }, ok204, false) as { note?: string }).note, undefined);
  });
});

describe('server log tail', () => {
  it('keeps offsets from the start while dropping old text, and hands out bounded copies', () => {
    const t = new LogTail(10);
    t.push('0123456789');
    const at = t.length;
    t.push('abcdefghijklmnopqrstuvwxyz');
    assert.equal(t.length, 36);
    assert.equal(t.since(at), 'qrstuvwxyz', 'only the kept tail of what came after the offset');
    assert.equal(t.since(at, 3), 'xyz');
    t.push('!');
    assert.equal(t.since(t.length - 1), '!');
  });
});
