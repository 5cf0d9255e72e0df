/**
 * Issue 14, finding 8: HTTP framing as Vault's (Go) server does it. LIST works wherever it
 * sits in a pipeline or however TCP splits it; malformed request lines, chunked bodies
 * and CONNECT get an answer (not a dropped connection); every error answer waits for the
 * responses to the requests pipelined before it. A connection runs the framing tracker
 * from its first LIST on (native.test.ts); the checks only the tracker can make (a doubled
 * space in the request line, an upgrade request with bytes behind it) are tested on such
 * connections: `TRACK` is sent first to switch them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { FakeCore, result } from '../../../src/http/fake-core.test-helper.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { exchange, req } from './wire.js';

/** A first request that switches a connection to the framing tracker. */
const TRACK = req('LIST', '/v1/track');

describe('HTTP framing', () => {
  const core = new FakeCore();
  let l: Listener;
  before(async () => {
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
  });
  after(() => l.close(1000));
  const ops = (): string[] => core.inputs.map((i) => `${i.operation} ${i.path}`);
  const reset = (): void => {
    core.inputs = [];
    core.answer = (i) => (i.operation === 'list' ? result(i, { data: { keys: ['a'] } }) : result(i, { data: { echo: i.data } }));
  };

  it('answers a LIST pipelined behind a GET, in order, and keeps the connection', async () => {
    reset();
    const x = await exchange(l.url, [req('GET', '/v1/secret/a') + req('LIST', '/v1/secret/b')], { expect: 2 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200],
    );
    assert.deepEqual(ops(), ['read secret/a', 'list secret/b/']);
    assert.equal(x.responses[1]?.headers['connection'], 'keep-alive');
    // The same connection goes on serving: three LISTs and a GET in one write.
    reset();
    const y = await exchange(l.url, [req('LIST', '/v1/x') + req('LIST', '/v1/y') + req('GET', '/v1/z') + req('LIST', '/v1/w')], { expect: 4 });
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.deepEqual(ops(), ['list x/', 'list y/', 'read z', 'list w/']);
  });

  it('answers LIST however TCP splits the method', async () => {
    const full = req('LIST', '/v1/secret/split');
    for (const at of [1, 2, 3, 4, 5]) {
      reset();
      const x = await exchange(l.url, [full.slice(0, at), full.slice(at)], { expect: 1 });
      assert.equal(x.responses[0]?.status, 200, `split after ${at} bytes: ${JSON.stringify(x)}`);
      assert.deepEqual(ops(), ['list secret/split/']);
    }
    // Split behind another request on the same connection.
    reset();
    const y = await exchange(l.url, [req('GET', '/v1/a') + 'LI', 'ST /v1/b HTTP/1.1\r\nHost: h\r\n\r\n'], { expect: 2 });
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 200],
    );
    assert.deepEqual(ops(), ['read a', 'list b/']);
  });

  it('refuses a request line with two spaces with 400 and runs nothing (tracked connections)', async () => {
    for (const line of ['DELETE  /v1/secret/x HTTP/1.1', 'DELETE /v1/secret/x  HTTP/1.1', 'GET /v1/secret/x HTTP/1.1 ']) {
      reset();
      const x = await exchange(l.url, [`${TRACK}${line}\r\nHost: h\r\n\r\n`]);
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 400],
        `${line}: ${JSON.stringify(x)}`,
      );
      assert.ok(x.closed, 'connection closed after the 400');
      assert.deepEqual(ops(), ['list track/'], 'nothing else reached the core');
    }
  });

  it('answers a malformed chunked body with 400 and then closes', async () => {
    const head = 'POST /v1/secret/c HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (const body of ['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}XX0\r\n\r\n', '2 \r\n{}\r\n0\r\n\r\n']) {
      reset();
      const x = await exchange(l.url, [head, body]);
      assert.equal(x.responses[0]?.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(x)}`);
      assert.ok(Array.isArray(JSON.parse(x.responses[0]?.body ?? '').errors));
      assert.ok(x.closed);
      assert.deepEqual(ops(), []);
    }
  });

  it('answers CONNECT: 405 for a path, 400 for an authority, then closes', async () => {
    reset();
    const p = await exchange(l.url, ['CONNECT /v1/secret/x HTTP/1.1\r\nHost: h\r\n\r\n']);
    assert.equal(p.responses[0]?.status, 405, JSON.stringify(p));
    assert.deepEqual(JSON.parse(p.responses[0]?.body ?? ''), { errors: ['unsupported operation'] });
    assert.ok(p.closed);
    const a = await exchange(l.url, ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n']);
    assert.equal(a.responses[0]?.status, 400, JSON.stringify(a));
    assert.ok(a.closed);
    assert.deepEqual(ops(), []);
  });

  it('treats a real LOCK (the placeholder for LIST) as an unknown method', async () => {
    reset();
    const x = await exchange(l.url, [req('LOCK', '/v1/secret/x')]);
    assert.equal(x.responses[0]?.status, 405, JSON.stringify(x));
    assert.deepEqual(ops(), []);
  });

  it('sends the answers to earlier pipelined requests before an error answer', async () => {
    reset();
    // The first answer is slow, so the bad request behind it is parsed long before.
    core.answer = async (i) => {
      await new Promise((r) => setTimeout(r, 150));
      return result(i, { data: { ok: true } });
    };
    const x = await exchange(l.url, [TRACK + req('GET', '/v1/slow') + req('GET', '/v1/fast') + 'DELETE  /v1/x HTTP/1.1\r\nHost: h\r\n\r\n']);
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200, 200, 400],
      JSON.stringify(x),
    );
    assert.ok(x.closed);
    assert.deepEqual(ops(), ['list track/', 'read slow', 'read fast']);
  });

  it('answers a request sent with Connection: close even when bytes follow it', async () => {
    reset();
    const x = await exchange(l.url, [req('GET', '/v1/first', { Connection: 'close' }) + req('GET', '/v1/second')]);
    assert.equal(x.responses[0]?.status, 200, JSON.stringify(x));
    assert.equal(x.responses.length, 1);
    assert.ok(x.closed);
    assert.deepEqual(ops(), ['read first']);
  });

  it('never rewrites body bytes that look like a LIST request line', async () => {
    reset();
    const body = '{"v":"LIST /v1/x HTTP/1.1"}';
    const head = `POST /v1/secret/b HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // The body's second segment starts exactly with "LIST ".
    const x = await exchange(l.url, [head + body.slice(0, 6), body.slice(6)], { expect: 1 });
    assert.equal(x.responses[0]?.status, 200);
    assert.deepEqual(core.inputs[0]?.data, { v: 'LIST /v1/x HTTP/1.1' });
    // The same inside a chunked body, with a LIST pipelined after it.
    reset();
    const chunked = `POST /v1/secret/c HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n${body.slice(0, 6)}\r\n`;
    const y = await exchange(l.url, [chunked, `${(body.length - 6).toString(16)}\r\n${body.slice(6)}\r\n0\r\n\r\n${req('LIST', '/v1/after')}`], { expect: 2 });
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 200],
    );
    // The LIST needs no body, so it may reach the core first; the answers stay in order.
    assert.deepEqual(core.inputs.find((i) => i.operation === 'update')?.data, { v: 'LIST /v1/x HTTP/1.1' });
    assert.deepEqual(ops().sort(), ['list after/', 'update secret/c']);
  });

  it('serves a request that asks to upgrade (curl --http2 on plain HTTP) as HTTP/1.1', async () => {
    reset();
    const x = await exchange(l.url, [req('GET', '/v1/up', { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' })], { expect: 1 });
    assert.equal(x.responses[0]?.status, 200, JSON.stringify(x));
    assert.deepEqual(ops(), ['read up']);
    // Pipelined behind an upgrade request in one segment, node would drop the next request
    // silently: on a tracked connection the pair gets a 400 and a close instead (a native
    // connection serves both, see native.test.ts).
    reset();
    const y = await exchange(l.url, [TRACK + req('GET', '/v1/up', { Connection: 'upgrade', Upgrade: 'x' }) + req('GET', '/v1/next')]);
    assert.ok(y.closed, JSON.stringify(y));
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 400],
      JSON.stringify(y),
    );
    assert.deepEqual(ops(), ['list track/']);
  });
});
