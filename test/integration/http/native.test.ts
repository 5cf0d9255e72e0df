/**
 * Plain connections are read by node's parser natively (no JS 'data' listener, no framing
 * tracker); a connection switches to the tracker only when it needs it: at a LIST (which
 * llhttp refuses) or after an upgrade request (after which node drops the rest of the
 * segment). Every answer keeps its order across the switch, and what llhttp accepts but
 * Vault's Go server refuses is refused by the handler.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { isTracked, trackedConnections } from '../../../src/http/connection.js';
import { FakeCore, result } from '../../../src/http/fake-core.test-helper.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { waitFor } from '../../helpers/wait.js';
import { exchange, req } from './wire.js';

const connections = (server: Server): Promise<number> => new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));

interface Seen {
  path: string;
  tracked: boolean;
  /** Names of the socket's 'data' listeners when the request arrived. */
  data: string[];
}

describe('native connections and the switch to the framing tracker', () => {
  const core = new FakeCore();
  const seen: Seen[] = [];
  let l: Listener;
  before(async () => {
    const handler = createHandler(core, { logger: silentLogger });
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, (q: IncomingMessage, s: ServerResponse) => {
      seen.push({ path: String(q.url), tracked: isTracked(q.socket), data: q.socket.listeners('data').map((f) => f.name) });
      handler(q, s);
    });
  });
  after(() => l.close(1000));
  const ops = (): string[] => core.inputs.map((i) => `${i.operation} ${i.path}`);
  const reset = (): void => {
    core.inputs = [];
    seen.length = 0;
    core.answer = async (i) => {
      // The first request is slow, so everything behind it is parsed (and owed) before it is answered.
      if (i.path === 'slow') await new Promise((r) => setTimeout(r, 150));
      return i.operation === 'list' ? result(i, { data: { keys: ['k'] } }) : result(i, { data: { echo: i.data } });
    };
  };

  it('serves plain requests, pipelined or not, without the tracker', async () => {
    reset();
    const before = trackedConnections();
    const body = '{"a":"LIST /v1/x HTTP/1.1"}';
    const chunked = `POST /v1/c HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const x = await exchange(l.url, [req('GET', '/v1/slow') + req('POST', '/v1/b', { 'Content-Type': 'application/json' }, body) + chunked, req('GET', '/v1/d')], { expect: 4 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200, 200, 200],
      JSON.stringify(x),
    );
    assert.deepEqual(ops().sort(), ['read d', 'read slow', 'update b', 'update c']);
    assert.equal(x.responses[3]?.headers['connection'], 'keep-alive');
    // Node's own data listener is there but idle: the parser reads the socket natively.
    assert.deepEqual(
      seen.map((s) => [s.tracked, s.data]),
      seen.map(() => [false, ['bound socketOnData']]),
    );
    assert.equal(trackedConnections(), before, 'no tracker was created');
  });

  it('switches at the first LIST, after answering what came before it, and stays switched', async () => {
    reset();
    const before = trackedConnections();
    const x = await exchange(l.url, [req('GET', '/v1/slow') + req('GET', '/v1/a') + req('LIST', '/v1/b') + req('GET', '/v1/c') + req('LIST', '/v1/d'), req('GET', '/v1/e') + req('LIST', '/v1/f')], {
      expect: 7,
    });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200, 200, 200, 200, 200, 200],
      JSON.stringify(x),
    );
    assert.deepEqual(
      x.responses.map((r) => (JSON.parse(r.body) as { data: Record<string, unknown> }).data),
      [{ echo: {} }, { echo: {} }, { keys: ['k'] }, { echo: {} }, { keys: ['k'] }, { echo: {} }, { keys: ['k'] }],
    );
    assert.deepEqual(ops(), ['read slow', 'read a', 'list b/', 'read c', 'list d/', 'read e', 'list f/']);
    assert.deepEqual(
      seen.map((s) => s.tracked),
      [false, false, true, true, true, true, true],
    );
    assert.equal(x.responses.at(-1)?.headers['connection'], 'keep-alive');
    assert.equal(trackedConnections(), before + 1);
  });

  it('reassembles a LIST that TCP split behind earlier requests', async () => {
    const list = req('LIST', '/v1/split');
    for (const at of [1, 2, 3, 4]) {
      reset();
      const x = await exchange(l.url, [req('GET', '/v1/slow') + list.slice(0, at), list.slice(at)], { expect: 2 });
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 200],
        `split after ${at} bytes: ${JSON.stringify(x)}`,
      );
      assert.deepEqual(ops(), ['read slow', 'list split/']);
    }
    // One byte per segment.
    reset();
    const y = await exchange(l.url, [req('GET', '/v1/a') + 'L', 'I', 'S', 'T', list.slice(4)], { expect: 2, gapMs: 20 });
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 200],
      JSON.stringify(y),
    );
    assert.deepEqual(ops(), ['read a', 'list split/']);
  });

  it('refuses HTTP versions other than 1.0 and 1.1 with 505, as Go does, and closes', async () => {
    for (const tracked of [false, true]) {
      for (const version of ['HTTP/2.0', 'HTTP/0.9']) {
        reset();
        const first = tracked ? req('LIST', '/v1/t') : '';
        const x = await exchange(l.url, [`${first}GET /v1/v ${version}\r\nHost: h\r\n\r\n`]);
        const statuses = x.responses.map((r) => r.status);
        assert.deepEqual(statuses, tracked ? [200, 505] : [505], `${version}, tracked ${tracked}: ${JSON.stringify(x)}`);
        assert.deepEqual(JSON.parse(x.responses.at(-1)?.body ?? ''), { errors: ['unsupported protocol version'] });
        assert.ok(x.closed);
        assert.deepEqual(ops(), tracked ? ['list t/'] : []);
      }
    }
  });

  it('refuses transfer codings other than chunked with 501, as Go does, and closes', async () => {
    const bodies = [
      'Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ];
    for (const tracked of [false, true]) {
      for (const rest of bodies) {
        reset();
        const first = tracked ? req('LIST', '/v1/t') : '';
        const x = await exchange(l.url, [`${first}POST /v1/te HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n${rest}`]);
        assert.deepEqual(
          x.responses.map((r) => r.status),
          tracked ? [200, 501] : [501],
          `${JSON.stringify(rest)}, tracked ${tracked}: ${JSON.stringify(x)}`,
        );
        assert.deepEqual(JSON.parse(x.responses.at(-1)?.body ?? ''), { errors: ['Unsupported transfer encoding'] });
        assert.ok(x.closed);
        assert.deepEqual(ops(), tracked ? ['list t/'] : []);
      }
    }
  });

  it('refuses Content-Length with Transfer-Encoding, or twice, with 400 (llhttp, before any handler)', async () => {
    for (const head of ['Content-Length: 2\r\nTransfer-Encoding: chunked\r\n', 'Content-Length: 2\r\nContent-Length: 2\r\n']) {
      reset();
      const x = await exchange(l.url, [req('GET', '/v1/slow') + `POST /v1/cl HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n${head}\r\n{}`]);
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 400],
        JSON.stringify(x),
      );
      assert.ok(x.closed);
      assert.deepEqual(ops(), ['read slow']);
    }
  });

  it('serves requests pipelined behind an upgrade request, which node would drop', async () => {
    reset();
    const up = req('GET', '/v1/up', { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' });
    const x = await exchange(l.url, [req('GET', '/v1/slow') + up + req('GET', '/v1/next') + req('LIST', '/v1/list')], { expect: 4 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200, 200, 200],
      JSON.stringify(x),
    );
    assert.deepEqual(ops(), ['read slow', 'read up', 'read next', 'list list/']);
    assert.equal(x.responses.at(-1)?.headers['connection'], 'keep-alive');
    // An upgrade request with a body split across segments, then another request.
    reset();
    const post = `POST /v1/upb HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a":`;
    const y = await exchange(l.url, [post, `"b"}${req('GET', '/v1/after')}`], { expect: 2 });
    assert.deepEqual(
      y.responses.map((r) => r.status),
      [200, 200],
      JSON.stringify(y),
    );
    assert.deepEqual(ops(), ['update upb', 'read after']);
    assert.deepEqual(core.inputs[0]?.data, { a: 'b' });
  });

  it('answers an unknown method with 405 and a malformed request line with 400, after earlier answers', async () => {
    for (const [line, status] of [
      ['BREW /v1/x HTTP/1.1', 405],
      ['list /v1/x HTTP/1.1', 405],
      ['GET\t/v1/x HTTP/1.1', 400],
      ['GET /v1/x HTTP/1.1 ', 400],
    ] as const) {
      reset();
      const x = await exchange(l.url, [req('GET', '/v1/slow') + req('GET', '/v1/fast') + `${line}\r\nHost: h\r\n\r\n`]);
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 200, status],
        `${JSON.stringify(line)}: ${JSON.stringify(x)}`,
      );
      assert.ok(x.closed);
      assert.deepEqual(ops(), ['read slow', 'read fast']);
    }
  });

  it('closes the connection after an error answer even when the client keeps its side open', async () => {
    const u = new URL(l.url);
    for (const bytes of ['CONNECT /v1/x HTTP/1.1\r\nHost: h\r\n\r\n', 'BREW /v1/x HTTP/1.1\r\nHost: h\r\n\r\n', `${req('LIST', '/v1/t')}DELETE  /v1/x HTTP/1.1\r\nHost: h\r\n\r\n`]) {
      reset();
      const open = await connections(l.server);
      const sock = connect({ port: Number(u.port), host: u.hostname, allowHalfOpen: true });
      sock.on('error', () => {});
      let text = '';
      sock.on('data', (c: Buffer) => (text += c.toString('latin1')));
      await new Promise((r) => sock.once('connect', r));
      sock.write(bytes);
      // The answer, then the server's FIN; this client never sends its own.
      await new Promise((r) => sock.once('end', r));
      assert.match(text, /HTTP\/1\.1 (400|405) /, JSON.stringify(bytes));
      await waitFor(`the server to drop the half-open connection after ${JSON.stringify(bytes)}`, async () => (await connections(l.server)) <= open);
      sock.destroy();
    }
  });
});
