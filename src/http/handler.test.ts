import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHandler } from './handler.js';
import { startListener, type Listener } from './listener.js';
import { FakeCore, result } from './fake-core.test-helper.js';
import { silentLogger } from '../sdk/logical.js';
import { gate } from '../../test/helpers/wait.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => Record<string, unknown>;
}

/** Raw node:http request so the path reaches the server byte for byte (fetch would normalise `..`). */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A listener around `core` for the enclosing describe block; `url` once it started. */
function listenerFor(core: FakeCore): { readonly url: string } {
  let l: Listener | undefined;
  before(async () => {
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
  });
  after(() => l?.close(1000));
  return {
    get url(): string {
      if (!l) throw new Error('listener not started');
      return l.url;
    },
  };
}

describe('http handler: requests to the core', () => {
  const core = new FakeCore();
  const l = listenerFor(core);
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer) =>
    raw(l.url, method, path, headers, body);

  it('maps methods to operations', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/v1/secret/foo', 'read'],
      ['POST', '/v1/secret/foo', 'update'],
      ['PUT', '/v1/secret/foo', 'update'],
      ['DELETE', '/v1/secret/foo', 'delete'],
      ['LIST', '/v1/secret/foo', 'list'],
      ['GET', '/v1/secret/foo?list=true', 'list'],
      ['GET', '/v1/secret/foo?list=false', 'read'],
      ['GET', '/v1/secret/foo?help=1', 'help'],
    ];
    for (const [method, path, op] of cases) {
      const r = await call(method, path);
      assert.equal(core.last.operation, op, `${method} ${path}`);
      assert.ok(r.status === 200 || r.status === 404, `${method} ${path} → ${r.status}`);
    }
  });

  it('normalises list paths with a trailing slash and drops list/help from data', async () => {
    core.answer = (i) => result(i, { data: { keys: ['a'] } });
    await call('GET', '/v1/secret/foo?list=true&x=1');
    assert.equal(core.last.path, 'secret/foo/');
    assert.deepEqual(core.last.data, { x: '1' });
    await call('LIST', '/v1/secret/foo/');
    assert.equal(core.last.path, 'secret/foo/');
  });

  it('accepts the LIST verb repeatedly on a keep-alive connection and via fetch', async () => {
    core.answer = (i) => result(i, { data: { keys: ['a', 'b/'] } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const path of ['/v1/secret/one', '/v1/secret/two?x=1']) {
        const r = await new Promise<number>((resolve, reject) => {
          const u = new URL(l.url);
          const q = http.request({ host: u.hostname, port: u.port, method: 'GET', path: '/v1/secret/warm', agent }, (res) => {
            res.resume();
            res.on('end', () => {
              const q2 = http.request({ host: u.hostname, port: u.port, method: 'LIST', path, agent }, (res2) => {
                res2.resume();
                resolve(res2.statusCode ?? 0);
              });
              q2.on('error', reject);
              q2.end();
            });
          });
          q.on('error', reject);
          q.end();
        });
        assert.equal(r, 200);
        assert.equal(core.last.operation, 'list');
      }
      assert.deepEqual(core.last.data, { x: '1' });
      const f = await fetch(`${l.url}/v1/secret/three`, { method: 'LIST', headers: { 'x-vault-token': 't' } });
      assert.equal(f.status, 200);
      assert.deepEqual(((await f.json()) as { data: unknown }).data, { keys: ['a', 'b/'] });
      assert.equal(core.last.path, 'secret/three/');
      assert.equal(core.last.clientToken, 't');
    } finally {
      agent.destroy();
    }
  });

  it('rejects an unparsable list flag, other methods, and HEAD outside sys/health', async () => {
    assert.equal((await call('GET', '/v1/secret/foo?list=maybe')).status, 400);
    assert.equal((await call('OPTIONS', '/v1/secret/foo')).status, 405);
    assert.equal((await call('HEAD', '/v1/secret/foo')).status, 405);
  });

  it('requires merge-patch content type for PATCH', async () => {
    const bad = await call('PATCH', '/v1/secret/data/x', { 'content-type': 'application/json' }, '{"a":1}');
    assert.equal(bad.status, 415);
    assert.match((bad.json()['errors'] as string[])[0] ?? '', /merge-patch\+json/);
    core.answer = (i) => result(i, null);
    const ok = await call('PATCH', '/v1/secret/data/x', { 'content-type': 'application/merge-patch+json; charset=utf-8' }, '{"a":1}');
    assert.equal(ok.status, 204);
    assert.equal(core.last.operation, 'patch');
    assert.deepEqual(core.last.data, { a: 1 });
  });

  it('rejects parent references and dot-suffixed segments; non-/v1 paths are 404', async () => {
    const r = await call('GET', '/v1/secret/../sys/seal');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { errors: ['path cannot contain parent references'] });
    assert.equal((await call('GET', '/v1/secret/%2e%2e/x')).status, 400);
    assert.equal((await call('GET', '/v1/secret/foo./bar')).status, 404);
    const ui = await call('GET', '/ui/');
    assert.equal(ui.status, 404);
    assert.deepEqual(ui.json(), { errors: [] });
  });

  it('uses query params for GET/DELETE and the body for writes', async () => {
    core.answer = (i) => result(i, { data: { ok: true } });
    await call('DELETE', '/v1/secret/x?versions=1&versions=2');
    assert.deepEqual(core.last.data, { versions: ['1', '2'] });
    await call('POST', '/v1/secret/x?ignored=1', { 'content-type': 'application/json' }, '{"a":"b"}');
    assert.deepEqual(core.last.data, { a: 'b' });
    await call('PUT', '/v1/secret/x', {}, '');
    assert.deepEqual(core.last.data, {});
    await call('POST', '/v1/secret/x', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1&b=two');
    assert.deepEqual(core.last.data, { a: '1', b: 'two' });
  });

  it('hands an application/ocsp-request body (DER) to the core unparsed, as Vault', async () => {
    core.answer = (i) => result(i, { data: { ok: true } });
    const der = Buffer.from('3003020101', 'hex');
    const r = await call('POST', '/v1/pki/ocsp', { 'content-type': 'application/ocsp-request' }, der);
    assert.equal(r.status, 200);
    assert.deepEqual(core.last.data, {});
    const parts: Buffer[] = [];
    for await (const c of core.last.body ?? []) parts.push(c);
    assert.deepEqual(Buffer.concat(parts), der);
  });

  it('rejects malformed and non-object JSON with 400', async () => {
    const count = core.inputs.length;
    for (const body of ['{"a":', '[1,2]', '42', '"s"']) {
      const r = await call('POST', '/v1/secret/x', { 'content-type': 'application/json' }, body);
      assert.equal(r.status, 400, body);
      assert.match((r.json()['errors'] as string[])[0] ?? '', /failed to parse JSON input/);
    }
    assert.equal(core.inputs.length, count, 'bad bodies never reach the core');
  });

  it('takes the token from X-Vault-Token before Authorization: Bearer, and passes on neither', async () => {
    await call('GET', '/v1/secret/x', { 'x-vault-token': 'hvs.direct', authorization: 'Bearer hvs.bearer' });
    assert.equal(core.last.clientToken, 'hvs.direct');
    const names = (): string[] => core.last.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    assert.ok(!names().includes('x-vault-token'), 'token is not copied into headers');
    // A second, unused Bearer token is a credential too: it never reaches audit records.
    assert.ok(!names().includes('authorization'), 'the unused Bearer header is dropped too');
    await call('GET', '/v1/secret/x', { authorization: 'Bearer hvs.bearer' });
    assert.equal(core.last.clientToken, 'hvs.bearer');
    assert.ok(!names().includes('authorization'), 'the bearer token is not copied into headers');
    await call('GET', '/v1/secret/x', { authorization: 'Basic Zm9vOmJhcg==' });
    assert.equal(core.last.clientToken, '');
    const at = core.last.headers.findIndex((n, i) => i % 2 === 0 && n.toLowerCase() === 'authorization');
    assert.equal(core.last.headers[at + 1], 'Basic Zm9vOmJhcg==');
  });

  it('parses X-Vault-Wrap-TTL', async () => {
    await call('GET', '/v1/secret/x', { 'x-vault-wrap-ttl': '5m' });
    assert.equal(core.last.wrapTtl, 300);
    await call('GET', '/v1/secret/x', { 'x-vault-wrap-ttl': '90' });
    assert.equal(core.last.wrapTtl, 90);
    await call('GET', '/v1/secret/x');
    assert.equal(core.last.wrapTtl, 0);
    for (const bad of ['-5m', 'soon']) {
      const r = await call('GET', '/v1/secret/x', { 'x-vault-wrap-ttl': bad });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json(), { errors: ['error parsing X-Vault-Wrap-TTL header'] });
    }
  });

  it('passes the connection and sets JSON + no-store headers on every response', async () => {
    core.answer = (i) => result(i, null);
    const r = await call('DELETE', '/v1/secret/x');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(core.last.connection.remoteAddress, '127.0.0.1');
    assert.ok(core.last.connection.remotePort > 0);
  });

  it('writes the headers a raw response may carry (Cache-Control, Pragma, WWW-Authenticate) and never the ones the HTTP layer owns', async () => {
    const headers = { 'Cache-Control': 'no-store', Pragma: 'no-cache', 'WWW-Authenticate': 'Basic', 'Content-Length': '1', Connection: 'close', 'Transfer-Encoding': 'chunked', 'Set-Cookie': 'sid=x' };
    core.answer = (i) => result(i, { raw: { status: 401, contentType: 'application/json', body: '{"error":"invalid_client"}', headers } });
    // A keep-alive request, so a Connection: close could only have come from the backend.
    const r = await call('POST', '/v1/identity/oidc/provider/p/token', { Connection: 'keep-alive' });
    assert.equal(r.status, 401);
    assert.equal(r.text, '{"error":"invalid_client"}');
    assert.equal(r.headers['content-length'], String(r.text.length));
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['pragma'], 'no-cache');
    assert.equal(r.headers['www-authenticate'], 'Basic');
    assert.equal(r.headers['set-cookie'], undefined);
    assert.equal(r.headers['transfer-encoding'], undefined);
    assert.notEqual(r.headers['connection'], 'close');
    core.answer = (i) => result(i, { raw: { status: 200, contentType: 'application/json', body: '{}', headers: { 'Cache-Control': 'max-age=3600' } } });
    assert.equal((await call('GET', '/v1/identity/oidc/.well-known/openid-configuration')).headers['cache-control'], 'max-age=3600');
  });

  it('renders a thrown non-WardError as a generic 500 without internals', async () => {
    core.answer = () => {
      throw new Error('db password=hunter2 at /srv/secret.js:12');
    };
    const r = await call('GET', '/v1/secret/x');
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), { errors: ['internal error'] });
    assert.doesNotMatch(r.text, /hunter2|secret\.js/);
  });
});

describe('http handler: body size limit', () => {
  const core = new FakeCore();
  const l = listenerFor(core);

  it('answers 413 to a 33 MiB body (declared length)', async () => {
    const body = Buffer.alloc(33 * 1024 * 1024, 0x61);
    const r = await raw(l.url, 'POST', '/v1/secret/x', { 'content-type': 'application/json' }, body).catch((e: Error) => e);
    assert.ok(!(r instanceof Error), `request failed: ${String(r)}`);
    assert.equal(r.status, 413);
    assert.deepEqual(r.json(), { errors: ['http: request body too large'] });
    assert.equal(core.inputs.length, 0);
  });

  it('answers 413 to a chunked body that grows past a small limit', async () => {
    const small = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { maxRequestSize: 1024, logger: silentLogger }));
    try {
      const r = await new Promise<number>((resolve, reject) => {
        const u = new URL(small.url);
        const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: '/v1/secret/x', agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write(Buffer.alloc(4096, 0x61)); // no content-length: chunked
        req.end();
      });
      assert.equal(r, 413);
    } finally {
      await small.close(1000);
    }
  });
});

describe('http handler: clients that go away', () => {
  const core = new FakeCore();
  const l = listenerFor(core);

  /**
   * Opens a raw socket and writes `head`; once `when` says so (given the reply so far, or a
   * promise resolving), writes `tail` and destroys the socket.
   */
  async function hangUp(head: string, when: ((reply: string) => boolean) | Promise<void>, tail = ''): Promise<void> {
    const net = await import('node:net');
    const u = new URL(l.url);
    await new Promise<void>((resolve) => {
      let reply = '';
      const s = net.connect(Number(u.port), u.hostname, () => s.write(head));
      const finish = (): void => {
        s.end(tail);
        s.destroy();
        resolve();
      };
      if (typeof when === 'function') {
        s.on('data', (c: Buffer) => {
          reply += c.toString('latin1');
          if (when(reply)) finish();
        });
      } else {
        void when.then(finish);
      }
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
  }

  it('survives a client that disconnects mid-body or before its answer, and keeps serving', async () => {
    const seen = core.inputs.length;
    // Declares 1000 bytes, sends 10 once the server has parsed the headers (its 100
    // Continue says so), hangs up: the body read fails; nothing reaches the core.
    await hangUp(
      'POST /v1/secret/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
      (reply) => reply.startsWith('HTTP/1.1 100'),
      '{"a":"1234',
    );
    // A complete request whose client is gone before the core answers: the core holds the
    // answer until the client has hung up, then answers into a closed socket.
    const reached = gate();
    const clientGone = gate();
    core.answer = async (input) => {
      reached.open();
      await clientGone.promise;
      return result(input, { data: { late: true } });
    };
    await hangUp('GET /v1/secret/slow HTTP/1.1\r\nHost: x\r\n\r\n', reached.promise);
    clientGone.open();
    core.answer = (input) => result(input, { data: { echo: input.data } });
    const r = await raw(l.url, 'GET', '/v1/secret/after');
    assert.equal(r.status, 200);
    assert.equal(core.last.path, 'secret/after');
    assert.deepEqual(core.inputs.slice(seen).map((i) => i.path), ['secret/slow', 'secret/after'], 'only the complete requests reached the core');
  });
});
