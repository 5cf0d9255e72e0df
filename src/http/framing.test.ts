import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { RequestFraming } from './framing.js';
import { startListener, type Listener } from './listener.js';
import { isListVerb } from './list-verb.js';

/** Feeds `stream` to a fresh tracker in chunks cut at `cuts`; returns the edited bytes and the verdict. */
function follow(stream: string, cuts: number[]): { out: string; status: number | null; at: number | null } {
  const t = new RequestFraming();
  const bytes = Buffer.from(stream, 'latin1');
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    const chunk = Buffer.from(bytes.subarray(from, c));
    t.feed(chunk);
    pieces.push(chunk);
    from = c;
  }
  const p = t.poison;
  const at = p === null ? null : pieces.slice(0, pieces.indexOf(p.chunk)).reduce((n, b) => n + b.length, 0) + p.offset;
  return { out: Buffer.concat(pieces).toString('latin1'), status: p?.status ?? null, at };
}

/** Every way to cut `s` in two, plus one byte per chunk. */
function splits(s: string): number[][] {
  const out: number[][] = [[]];
  for (let i = 1; i < s.length; i++) out.push([i]);
  out.push(Array.from({ length: s.length - 1 }, (_, i) => i + 1));
  return out;
}

const H = 'Host: h\r\n';

describe('RequestFraming: streams llhttp accepts', () => {
  const body = 'xLIST /v1/a HTTP/1.1\r\n\r\nLIST ';
  const cases: [string, string][] = [
    [`GET /v1/a HTTP/1.1\r\n${H}\r\n`, `GET /v1/a HTTP/1.1\r\n${H}\r\n`],
    [`LIST /v1/a HTTP/1.1\r\n${H}\r\n`, `LOCK /v1/a HTTP/1.1\r\n${H}\r\n`],
    [`\r\n\r\nLIST /v1/a?x=1 HTTP/1.0\r\n\r\n`, `\r\n\r\nLOCK /v1/a?x=1 HTTP/1.0\r\n\r\n`],
    [
      `POST /v1/a HTTP/1.1\r\n${H}content-length:  ${body.length} \r\n\r\n${body}LIST /v1/b HTTP/1.1\r\n${H}\r\n`,
      `POST /v1/a HTTP/1.1\r\n${H}content-length:  ${body.length} \r\n\r\n${body}LOCK /v1/b HTTP/1.1\r\n${H}\r\n`,
    ],
    [
      `PUT /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n5;ext="a;b"\r\nLIST \r\n${(body.length).toString(16).toUpperCase()}\r\n${body}\r\n0\r\nX-Trailer: LIST\r\n\r\nLIST /v1/c HTTP/1.1\r\n${H}\r\n`,
      `PUT /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n5;ext="a;b"\r\nLIST \r\n${(body.length).toString(16).toUpperCase()}\r\n${body}\r\n0\r\nX-Trailer: LIST\r\n\r\nLOCK /v1/c HTTP/1.1\r\n${H}\r\n`,
    ],
    [`DELETE /v1/a HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\nLIST /v1/d HTTP/1.1\r\n${H}\r\n`, `DELETE /v1/a HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\nLOCK /v1/d HTTP/1.1\r\n${H}\r\n`],
    [`GET /v1/u HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n`, `GET /v1/u HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n`],
    // Versions llhttp parses but the handler refuses (505): the framing is the same.
    [`GET /v1/a HTTP/2.0\r\n${H}\r\nLIST /v1/b HTTP/0.9\r\n${H}\r\n`, `GET /v1/a HTTP/2.0\r\n${H}\r\nLOCK /v1/b HTTP/0.9\r\n${H}\r\n`],
  ];
  for (const [i, [stream, expected]] of cases.entries()) {
    it(`case ${i}: rewrites only LIST at request starts, however the stream is cut`, () => {
      for (const cuts of splits(stream)) {
        const r = follow(stream, cuts);
        assert.equal(r.status, null, `cut at ${cuts.join(',')}: poisoned at ${r.at}`);
        assert.equal(r.out, expected, `cut at ${cuts.join(',')}`);
      }
    });
  }
});

describe('RequestFraming: what it refuses', () => {
  const cases: [string, string, number][] = [
    ['unknown method', `BREW /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['a real LOCK', `LOCK /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['a LIST look-alike', `LISTS /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['lower-case list', `list /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['CONNECT with a path', `CONNECT /v1/a HTTP/1.1\r\n${H}\r\n`, 405],
    ['CONNECT with an authority', `CONNECT h:443 HTTP/1.1\r\n${H}\r\n`, 400],
    ['two spaces after the method', `DELETE  /v1/a HTTP/1.1\r\n${H}\r\n`, 400],
    ['two spaces after the target', `GET /v1/a  HTTP/1.1\r\n${H}\r\n`, 400],
    ['a tab for a space', `GET\t/v1/a HTTP/1.1\r\n${H}\r\n`, 400],
    ['HTTP/0.9', `GET /v1/a\r\n\r\n`, 400],
    ['a version that is not digit.digit', `GET /v1/a HTTP/1.x\r\n${H}\r\n`, 400],
    ['a bare LF', `GET /v1/a HTTP/1.1\n${H}\r\n`, 400],
    ['obsolete line folding', `GET /v1/a HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 400],
    ['a space before the colon', `GET /v1/a HTTP/1.1\r\n${H}Content-Length : 1\r\n\r\nx`, 400],
    ['two Content-Lengths', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx`, 400],
    ['a signed Content-Length', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: +1\r\n\r\nx`, 400],
    ['an empty Content-Length', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: \r\n\r\n`, 400],
    ['Content-Length and chunked', `POST /v1/a HTTP/1.1\r\n${H}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['a coding other than chunked', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501],
    ['two Transfer-Encodings', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 501],
    ['a bad chunk size', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400],
    ['a space after the chunk size', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n`, 400],
    ['chunk data too long', `POST /v1/a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n`, 400],
    ['an upgrade with a body', `POST /v1/a HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: x\r\nContent-Length: 1\r\n\r\nx`, 400],
    ['a request after an upgrade in the same chunk', `GET /v1/a HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: x\r\n\r\nGET /v1/b HTTP/1.1\r\n${H}\r\n`, 400],
    ['control bytes', `\u0001\u0002 garbage\r\n\r\n`, 400],
  ];
  for (const [name, stream, status] of cases) {
    it(`${name} → ${status}`, () => {
      const whole = follow(stream, []);
      assert.equal(whole.status, status, JSON.stringify(whole));
      // However it is cut (except where the cut decides the case: an upgrade followed
      // by bytes in another chunk is served), the verdict and its byte are the same.
      if (name.startsWith('a request after an upgrade')) return;
      for (const cuts of splits(stream)) {
        const r = follow(stream, cuts);
        assert.deepEqual([r.status, r.at], [whole.status, whole.at], `cut at ${cuts.join(',')}`);
      }
    });
  }
});

/** A seeded PRNG (mulberry32): the same pipelines every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  method: string;
  path: string;
  body: string;
}

/** A connection stand-in whose chunks reach the server exactly as cut. */
class Wire extends Duplex {
  out = '';
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 1;
  override _read(): void {}
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.out += c.toString('latin1');
    cb();
  }
}

describe('RequestFraming beside llhttp: random pipelines, random cuts', () => {
  const seen: Sent[] = [];
  let l: Listener;
  before(async () => {
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, (req: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        seen.push({ method: isListVerb(req) ? 'LIST' : String(req.method), path: String(req.url), body: Buffer.concat(parts).toString('latin1') });
        res.end('ok');
      });
    });
  });
  after(() => l.close(1000));

  it('parses every request exactly as sent, 300 pipelines', async () => {
    const rand = rng(14);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const noise = ['LIST /v1/x HTTP/1.1\r\n', '\r\n', '0\r\n\r\n', 'GET ', '{"a":1}', 'Content-Length: 9\r\n', 'L', 'LI', 'LIS'];
    for (let round = 0; round < 300; round++) {
      seen.length = 0;
      const sent: Sent[] = [];
      let stream = '';
      for (let n = 1 + Math.floor(rand() * 5); n > 0; n--) {
        const method = pick(['GET', 'LIST', 'POST', 'PUT', 'DELETE', 'PATCH', 'LIST']);
        const path = `/v1/${pick(['a', 'b/c', 'd?list=true', 'e%20f'])}`;
        let body = '';
        if (method !== 'GET' && method !== 'LIST' && rand() < 0.8) for (let k = Math.floor(rand() * 4); k >= 0; k--) body += pick(noise);
        let head = `${method} ${path} HTTP/1.1\r\n${H}`;
        let payload = '';
        if (body !== '' && rand() < 0.5) {
          head += 'Transfer-Encoding: chunked\r\n';
          let rest = body;
          while (rest.length > 0) {
            const size = 1 + Math.floor(rand() * rest.length);
            payload += `${size.toString(16)}${rand() < 0.2 ? ';x=1' : ''}\r\n${rest.slice(0, size)}\r\n`;
            rest = rest.slice(size);
          }
          payload += rand() < 0.3 ? '0\r\nX-T: LIST\r\n\r\n' : '0\r\n\r\n';
        } else if (body !== '' || rand() < 0.3) {
          head += `Content-Length: ${body.length}\r\n`;
          payload = body;
        }
        stream += `${rand() < 0.1 ? '\r\n' : ''}${head}\r\n${payload}`;
        sent.push({ method, path, body });
      }
      const cuts = [...new Set(Array.from({ length: Math.floor(rand() * 8) }, () => 1 + Math.floor(rand() * (stream.length - 1))))].sort((x, y) => x - y);
      const wire = new Wire();
      l.server.emit('connection', wire);
      let from = 0;
      for (const c of [...cuts, stream.length]) {
        wire.push(Buffer.from(stream.slice(from, c), 'latin1'));
        from = c;
      }
      const deadline = Date.now() + 5000;
      while (seen.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      assert.deepEqual(seen, sent, `round ${round}, cuts ${cuts.join(',')}: ${JSON.stringify(stream)}\n${wire.out}`);
      wire.destroy();
    }
  });
});

describe('RequestFraming with upgradesIntact (the server has an upgrade listener: node hands the rest over)', () => {
  const H2 = 'Host: h\r\n';
  for (const [name, stream] of [
    ['an upgrade with a body', `POST /v1/a HTTP/1.1\r\n${H2}Connection: upgrade\r\nUpgrade: x\r\nContent-Length: 1\r\n\r\nx`],
    ['a request after an upgrade in the same chunk', `GET /v1/a HTTP/1.1\r\n${H2}Connection: upgrade\r\nUpgrade: x\r\n\r\nGET /v1/b HTTP/1.1\r\n${H2}\r\n`],
  ] as const) {
    it(`${name} is not refused`, () => {
      const t = new RequestFraming({ upgradesIntact: true });
      t.feed(Buffer.from(stream, 'latin1'));
      assert.equal(t.poison, null);
    });
  }
});
