import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import { listRequestHead, nativeVerdict, type ParseError } from './parse-errors.js';
import { framingError, scanHeaders } from './request.js';

/**
 * The errors a bare node server (no guard) reports for each sequence of segments: what
 * llhttp really says, so the tests below break if a node upgrade moves its error position.
 */
describe('parse errors as llhttp reports them', () => {
  let server: http.Server;
  let port = 0;
  let errors: ParseError[] = [];
  before(async () => {
    server = http.createServer({ insecureHTTPParser: false }, (_q, s) => s.end('ok'));
    server.on('clientError', (e: ParseError, socket) => {
      errors.push(e);
      socket.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  async function errorFor(parts: string[]): Promise<ParseError> {
    errors = [];
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.setNoDelay(true);
      s.on('error', () => {});
      s.on('close', () => resolve());
      s.on('data', () => {});
      s.on('connect', () => {
        void (async () => {
          for (const p of parts) {
            s.write(p);
            await new Promise((r) => setTimeout(r, 30));
          }
        })();
      });
    });
    assert.equal(errors.length, 1, `one parse error for ${JSON.stringify(parts)}`);
    return errors[0]!;
  }

  const H = 'Host: h\r\n\r\n';
  const head = (e: ParseError): string | null => listRequestHead(e.rawPacket, e.bytesParsed)?.toString('latin1') ?? null;

  it('finds the start of a LIST, in the failing chunk or before it', async () => {
    const list = `LIST /v1/a HTTP/1.1\r\n${H}`;
    assert.equal(head(await errorFor([list])), list);
    assert.equal(head(await errorFor([`GET /v1/g HTTP/1.1\r\n${H}\r\n${list}`])), list, 'behind a request, after blank lines');
    for (const at of [1, 2, 3]) assert.equal(head(await errorFor([list.slice(0, at), list.slice(at)])), at === 3 ? 'LIS' : list, `split after ${at}`);
    assert.equal(head(await errorFor(['L', 'I', list.slice(2)])), list);
    // Whatever follows "LIS" is the tracker's business once replayed (LISTS gets its 405 there).
    assert.equal(head(await errorFor([`LISTS /v1/a HTTP/1.1\r\n${H}`])), `LISTS /v1/a HTTP/1.1\r\n${H}`);
  });

  it('finds no LIST in other invalid methods', async () => {
    for (const m of ['BREW', 'list', 'PROPS', 'LOCKS', 'GETS']) assert.equal(head(await errorFor([`${m} /v1/a HTTP/1.1\r\n${H}`])), null, m);
  });

  it('answers unknown methods 405 and malformed request lines 400, as Go', async () => {
    const verdict = async (parts: string[]): Promise<number> => nativeVerdict(await errorFor(parts)).status;
    assert.equal(await verdict([`BREW /v1/a HTTP/1.1\r\n${H}`]), 405);
    assert.equal(await verdict([`list /v1/a HTTP/1.1\r\n${H}`]), 405);
    assert.equal(await verdict([`LIN /v1/a HTTP/1.1\r\n${H}`]), 405);
    assert.equal(await verdict(['BRE', `W /v1/a HTTP/1.1\r\n${H}`]), 405, 'a method split across segments');
    assert.equal(await verdict([`GET\t/v1/a HTTP/1.1\r\n${H}`]), 400);
    assert.equal(await verdict([`\u0001\u0002 x\r\n${H}`]), 400);
    assert.equal(await verdict([`GET /v1/a HTTP/1.2\r\n${H}`]), 400);
    assert.equal(await verdict([`GET /v1/a HTTP/1.1\r\nX: a\r\n b\r\n${H}`]), 400);
  });

  it('knows the errors that mean the same on any connection', () => {
    assert.deepEqual(nativeVerdict(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' })), { status: 431, message: 'request header fields too large' });
    assert.deepEqual(nativeVerdict(Object.assign(new Error('x'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' })), { status: 408, message: 'request timed out' });
    assert.equal(nativeVerdict(Object.assign(new Error('x'), { code: 'HPE_INVALID_CHUNK_SIZE' })).status, 400);
  });
});

describe('framingError', () => {
  const check = (major: number, minor: number, raw: string[]): [number, string] | null => {
    const e = framingError(major, minor, scanHeaders(raw));
    return e === null ? null : [e.status, e.messages[0] ?? ''];
  };

  it('accepts HTTP/1.0 and 1.1 with one Content-Length or one chunked Transfer-Encoding', () => {
    assert.equal(check(1, 1, ['Host', 'h', 'Content-Length', '2']), null);
    assert.equal(check(1, 0, ['Host', 'h']), null);
    assert.equal(check(1, 1, ['transfer-encoding', 'Chunked']), null);
  });

  it("refuses other versions with Go's 505", () => {
    assert.deepEqual(check(2, 0, []), [505, 'unsupported protocol version']);
    assert.deepEqual(check(0, 9, []), [505, 'unsupported protocol version']);
  });

  it("refuses transfer codings other than one chunked with Go's 501", () => {
    assert.deepEqual(check(1, 1, ['Transfer-Encoding', 'gzip, chunked']), [501, 'Unsupported transfer encoding']);
    assert.deepEqual(check(1, 1, ['Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked']), [501, 'Unsupported transfer encoding']);
    assert.deepEqual(check(1, 1, ['Transfer-Encoding', 'identity']), [501, 'Unsupported transfer encoding']);
  });

  it('refuses ambiguous framing with 400 (llhttp in strict mode refuses it first)', () => {
    assert.deepEqual(check(1, 1, ['Content-Length', '1', 'content-length', '1']), [400, 'malformed MIME header line']);
    assert.deepEqual(check(1, 1, ['Content-Length', '1', 'Transfer-Encoding', 'chunked']), [400, 'malformed MIME header line']);
  });

  it('notes an Upgrade header, whatever its case', () => {
    assert.equal(scanHeaders(['Host', 'h']).upgrade, false);
    assert.equal(scanHeaders(['upGrade', 'h2c']).upgrade, true);
  });
});
