/**
 * Hostile and sloppy clients: malformed JSON, wrong field types, traversal, oversize
 * bodies, odd methods. Every answer is a 4xx (never a 500), the server keeps answering
 * sys/health, and nothing stored changes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { listRecursive } from '../../../src/sdk/storage.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';


/** A raw HTTP request: no URL normalisation, any method, any body; tolerates early close. */
function raw(server: TestServer, method: string, path: string, o: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = request({ host: u.hostname, port: u.port, method, path, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', () => undefined);
    });
    req.on('error', (e) => {
      if (!settled) reject(e);
    });
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

describe('bad input never breaks the server', () => {
  let s: TestServer;
  let root = '';
  let snapshot = '';

  async function storedState(): Promise<string> {
    const keys = (await listRecursive(s.core.barrier, '')).sort();
    const parts: string[] = [];
    for (const k of keys) {
      // A few bootstrap records (seal config, keyring) are not barrier-encrypted: skip them.
      const v = await s.core.barrier.get(k).catch(() => null);
      if (v) parts.push(`${k}=${v.toString('base64')}`);
    }
    return parts.join('\n');
  }

  async function healthy(): Promise<void> {
    const h = await api(s, 'GET', 'sys/health');
    assert.equal(h.status, 200, 'server still answers sys/health');
  }

  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    await api(s, 'POST', 'sys/mounts/kv', { token: root, body: { type: 'kv', options: { version: '1' } } });
    await api(s, 'PUT', 'kv/canary', { token: root, body: { v: 'canary' } });
    await api(s, 'POST', 'secret/data/canary', { token: root, body: { data: { v: 'canary' } } });
    snapshot = await storedState();
  });
  after(async () => {
    assert.equal(await storedState(), snapshot, 'nothing stored changed');
    await s.close();
  });

  const H = (): Record<string, string> => ({ 'X-Vault-Token': root, 'Content-Type': 'application/json' });

  it('malformed JSON bodies → 400', async () => {
    for (const body of ['{', '{"data": ', 'not json at all {', '[1,2,3]', '"a string"', '42', '{"data":{"v":1}}}', '\u0000\u0001']) {
      const r = await raw(s, 'POST', '/v1/secret/data/canary', { headers: H(), body });
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
      assert.ok(JSON.parse(r.text).errors.length > 0);
      await healthy();
    }
    const kv1 = await raw(s, 'PUT', '/v1/kv/canary', { headers: H(), body: '{"v":' });
    assert.equal(kv1.status, 400);
    const init = await raw(s, 'PUT', '/v1/sys/init', { body: '{' });
    assert.equal(init.status, 400);
    const unseal = await raw(s, 'PUT', '/v1/sys/unseal', { body: '{"key":' });
    assert.equal(unseal.status, 400);
    await healthy();
  });

  it('wrong field types → 400 with the field named', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', 'auth/token/create', { ttl: 'abc' }],
      ['POST', 'auth/token/create', { num_uses: 'x' }],
      ['POST', 'auth/token/create', { policies: { a: 1 } }],
      ['POST', 'auth/token/create', { renewable: 'maybe' }],
      ['POST', 'auth/token/create', { meta: 'not-a-map' }],
      ['POST', 'auth/token/create', { explicit_max_ttl: [1] }],
      ['POST', 'sys/mounts/newmount', { type: 'kv', config: { default_lease_ttl: 'forever' } }],
      ['POST', 'sys/mounts/newmount2', { type: 12 }],
      ['POST', 'sys/mounts/newmount3', { type: 'kv', options: 'v2' }],
      ['POST', 'sys/mounts/kv/tune', { max_lease_ttl: 'nope' }],
      ['PUT', 'sys/policies/acl/typed', { policy: 42 }],
      ['PUT', 'sys/policies/acl/typed2', { policy: ['a'] }],
      ['POST', 'secret/data/canary', { data: 'not-an-object' }],
      ['POST', 'secret/data/canary', { data: { v: 1 }, options: { cas: 'one' } }],
      ['POST', 'secret/metadata/canary', { max_versions: 'lots' }],
      ['POST', 'secret/metadata/canary', { custom_metadata: { a: { nested: true } } }],
      ['POST', 'secret/config', { cas_required: 'perhaps' }],
      ['POST', 'secret/delete/canary', { versions: 'all' }],
      ['PUT', 'sys/leases/renew', { lease_id: 'x', increment: 'soon' }],
      ['POST', 'sys/capabilities-self', { paths: { a: 1 } }],
      ['POST', 'sys/tools/random', { bytes: 'many' }],
      ['POST', 'sys/tools/hash', { input: 'not base64!!' }],
      ['POST', 'sys/wrapping/lookup', { token: 12345 }],
      ['POST', 'auth/token/roles/r1', { allowed_policies: 5, token_ttl: 'x' }],
      ['PUT', 'sys/audit/typed', { type: 'file', options: ['x'] }],
    ];
    for (const [m, p, b] of cases) {
      const r = await api(s, m, p, { token: root, body: b });
      assert.equal(r.status, 400, `${m} ${p} ${JSON.stringify(b)} → ${r.status} ${JSON.stringify(r.body)}`);
      await healthy();
    }
    const t = await api(s, 'POST', 'auth/token/create', { token: root, body: { ttl: 'abc' } });
    assert.ok(errText(t).includes('ttl'), errText(t));
    const n = await api(s, 'POST', 'auth/token/create', { token: root, body: { num_uses: 'x' } });
    assert.ok(errText(n).includes('num_uses'), errText(n));
  });

  it('unknown paths: bare 404 for root in a mount, 404 outside /v1/', async () => {
    const a = await api(s, 'GET', 'sys/definitely-not-a-path', { token: root });
    assert.equal(a.status, 404);
    const b = await api(s, 'GET', 'secret/not-a-subapi/x', { token: root });
    assert.equal(b.status, 404);
    const c = await raw(s, 'GET', '/v2/sys/health');
    assert.equal(c.status, 404);
    const d = await raw(s, 'GET', '/');
    assert.equal(d.status, 404);
    const e = await api(s, 'GET', 'auth/nothing/login', { token: root });
    assert.equal(e.status, 404);
    await healthy();
  });

  it('.. anywhere → 400, encoded or not; trailing-dot segment → 404', async () => {
    for (const p of ['/v1/secret/../sys/mounts', '/v1/secret/data/..', '/v1/../v1/sys/health', '/v1/secret/%2e%2e/sys/mounts', '/v1/secret/data/a..b']) {
      const r = await raw(s, 'GET', p, { headers: H() });
      assert.equal(r.status, 400, `${p} → ${r.status} ${r.text}`);
      assert.ok(r.text.includes('path cannot contain parent references'), r.text);
    }
    const dot = await raw(s, 'GET', '/v1/secret/data/x./y', { headers: H() });
    assert.equal(dot.status, 404);
    const bad = await raw(s, 'GET', '/v1/secret/data/%zz', { headers: H() });
    assert.equal(bad.status, 400);
    await healthy();
  });

  it('33 MiB body → 413, connection survives for the next client', async () => {
    const big = Buffer.alloc(33 * 1024 * 1024, 'a');
    const r = await raw(s, 'PUT', '/v1/kv/canary', { headers: { ...H(), 'Content-Length': String(big.length) }, body: big }).catch((e: Error) => ({ status: -1, text: e.message }));
    assert.equal(r.status, 413, r.text);
    // Chunked (no Content-Length) is cut off too.
    const u = new URL(s.url);
    const chunked = await new Promise<number>((resolve) => {
      const req = request({ host: u.hostname, port: u.port, method: 'PUT', path: '/v1/kv/canary', headers: H() }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      const chunk = Buffer.alloc(1024 * 1024, 'b');
      let sent = 0;
      const pump = (): void => {
        while (sent < 34) {
          sent++;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    assert.equal(chunked, 413);
    await healthy();
  });

  it('unknown methods → 405; HEAD on a normal path → 405', async () => {
    for (const m of ['BREW', 'PROPFIND', 'TRACE']) {
      const r = await raw(s, m, '/v1/secret/data/canary', { headers: H() });
      assert.equal(r.status, 405, `${m} → ${r.status}`);
      assert.ok(Array.isArray(JSON.parse(r.text).errors), r.text);
    }
    // Garbage that is not a request line at all stays a plain 400.
    const junk = await new Promise<string>((resolve) => {
      const sock = connect(Number(new URL(s.url).port), '127.0.0.1', () => sock.end('\u0001\u0002 garbage\r\n\r\n'));
      let out = '';
      sock.on('data', (c) => (out += c.toString('latin1')));
      sock.on('close', () => resolve(out));
      sock.on('error', () => resolve(out));
    });
    assert.match(junk, /^HTTP\/1\.1 400/);
    const h = await raw(s, 'HEAD', '/v1/secret/data/canary', { headers: H() });
    assert.equal(h.status, 405);
    const opt = await raw(s, 'OPTIONS', '/v1/secret/data/canary', { headers: H() });
    assert.ok(opt.status === 405 || opt.status === 204, String(opt.status));
    // Operations a path does not support → 405.
    const del = await api(s, 'DELETE', 'sys/key-status', { token: root });
    assert.equal(del.status, 405);
    const sealGet = await api(s, 'GET', 'sys/seal-status', { token: root });
    assert.equal(sealGet.status, 200);
    assert.equal((await api(s, 'DELETE', 'sys/health')).status, 405);
    await healthy();
  });

  it('sys/tools/random: oversize and non-positive → 400; normal works', async () => {
    assert.equal((await api(s, 'POST', 'sys/tools/random', { token: root, body: { bytes: 10 * 1024 * 1024 } })).status, 400);
    assert.equal((await api(s, 'POST', 'sys/tools/random/999999999', { token: root })).status, 400);
    assert.equal((await api(s, 'POST', 'sys/tools/random', { token: root, body: { bytes: 0 } })).status, 400);
    assert.equal((await api(s, 'POST', 'sys/tools/random', { token: root, body: { bytes: -5 } })).status, 400);
    assert.equal((await api(s, 'POST', 'sys/tools/random', { token: root, body: { format: 'base32' } })).status, 400);
    assert.equal((await api(s, 'POST', 'sys/tools/random/99999999999999999999999', { token: root })).status, 400);
    const ok = await api(s, 'POST', 'sys/tools/random/platform/16', { token: root });
    assert.equal(ok.status, 200);
    const ok2 = await api(s, 'POST', 'sys/tools/random', { token: root, body: { bytes: 16, format: 'hex' } });
    assert.match(ok2.body.data.random_bytes, /^[0-9a-f]{32}$/);
    await healthy();
  });

  it('odd headers: garbage token, huge token, bad wrap TTL, bad list flag', async () => {
    assert.equal((await raw(s, 'GET', '/v1/kv/canary', { headers: { 'X-Vault-Token': 'x'.repeat(8000) } })).status, 403);
    assert.equal((await raw(s, 'GET', '/v1/kv/canary', { headers: { 'X-Vault-Token': 'hvb.AAAA' } })).status, 403);
    assert.equal((await raw(s, 'GET', '/v1/kv/canary', { headers: { 'X-Vault-Token': 'hvb.!!!!not-base64!!!!' } })).status, 403);
    assert.equal((await raw(s, 'GET', '/v1/kv/canary', { headers: { ...H(), 'X-Vault-Wrap-TTL': '1e9999' } })).status, 400);
    assert.equal((await raw(s, 'GET', '/v1/kv/?list=yes', { headers: H() })).status, 400);
    assert.equal((await raw(s, 'GET', '/v1/sys/health?standbyok=perhaps')).status, 400);
    assert.equal((await raw(s, 'GET', '/v1/sys/health?sealedcode=99999')).status, 400);
    await healthy();
  });

  it('CLI-style string values are accepted ("true", "10", "1h", "a,b")', async () => {
    const t = await api(s, 'POST', 'auth/token/create', { token: root, body: { num_uses: '10', renewable: 'true', ttl: '3600', policies: 'default,other', no_default_policy: 'false' } });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.auth.num_uses, 10);
    assert.equal(t.body.auth.renewable, true);
    assert.equal(t.body.auth.lease_duration, 3600);
    assert.deepEqual(t.body.auth.policies, ['default', 'other']);
    const r = await api(s, 'POST', 'sys/tools/random', { token: root, body: { bytes: '8', format: 'hex' } });
    assert.match(r.body.data.random_bytes, /^[0-9a-f]{16}$/);
    const c = await api(s, 'POST', 'sys/capabilities-self', { token: root, body: { paths: 'a,b' } });
    assert.deepEqual(Object.keys(c.body.data).sort(), ['a', 'b']);
    // Clean up so the stored-state check sees nothing changed.
    await api(s, 'POST', 'auth/token/revoke', { token: root, body: { token: t.body.auth.client_token } });
  });

  it('url-encoded form bodies are read as data', async () => {
    const r = await raw(s, 'POST', '/v1/sys/tools/random', { headers: { 'X-Vault-Token': root, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'bytes=4&format=hex' });
    assert.equal(r.status, 200, r.text);
    assert.match(JSON.parse(r.text).data.random_bytes, /^[0-9a-f]{8}$/);
  });

  it('the canary secrets are intact', async () => {
    assert.deepEqual((await api(s, 'GET', 'kv/canary', { token: root })).body.data, { v: 'canary' });
    const v2 = await api(s, 'GET', 'secret/data/canary', { token: root });
    assert.deepEqual(v2.body.data.data, { v: 'canary' });
    assert.equal(v2.body.data.metadata.version, 1);
  });
});
