/**
 * Discovery answers as a real API server's authentication and default RBAC do: a bearer
 * that does not authenticate is 401 (a client with a bad token must not look connected);
 * anonymous callers may read /version and the health paths (system:public-info-viewer)
 * but not the API groups (system:discovery is for authenticated users only).
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { test } from 'node:test';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';

function get(k: FakeKubeApiServer, path: string, token?: string): Promise<{ code: number; body: { reason?: string; message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${k.url}${path}`, { ca: k.caPem, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('discovery: 401 for a bearer that does not authenticate, 403 for anonymous, 200 for a valid token; /version for anyone', async (t) => {
  const k = await startFakeKubeApiServer();
  t.after(() => k.close());
  const sa = await k.issueToken({ namespace: 'default', name: 'reader', pod: null });
  for (const path of ['/api', '/apis', '/api/v1']) {
    assert.equal((await get(k, path, 'not-a-token')).code, 401, path);
    const anon = await get(k, path);
    assert.equal(anon.code, 403, path);
    assert.match(anon.body.message ?? '', /User "system:anonymous" cannot get path/);
    assert.equal((await get(k, path, sa)).code, 200, path);
    assert.equal((await get(k, path, k.adminToken)).code, 200, path);
  }
  assert.equal((await get(k, '/version')).code, 200);
  assert.equal((await get(k, '/version', 'not-a-token')).code, 401);
});
