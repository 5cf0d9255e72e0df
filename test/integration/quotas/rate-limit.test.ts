/**
 * Rate-limit quotas over a real socket: sys/quotas/rate-limit/:name CRUD and LIST,
 * sys/quotas/config, a client over its quota refused with 429, Vault's error text and
 * Retry-After before the backend runs, the X-Ratelimit-* headers when asked for, the
 * exempt paths, and bad input answered with Vault's status and text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('rate-limit quotas', () => {
  let s: TestServer;
  const get = (path: string, token = s.rootToken): Promise<Response> => fetch(`${s.url}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('stores, reads and lists a quota as Vault shapes it', async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/rate-limit/kv-limit', { token: s.rootToken, body: { rate: 2, interval: '1m', path: 'secret/' } })).status, 204);
    const r = await api(s, 'GET', 'sys/quotas/rate-limit/kv-limit', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { name: 'kv-limit', type: 'rate-limit', path: 'secret/', rate: 2, interval: 60, block_interval: 0, role: '', inheritable: false });
    const l = await api(s, 'LIST', 'sys/quotas/rate-limit', { token: s.rootToken });
    assert.deepEqual(l.body.data.keys, ['kv-limit']);
  });

  it('refuses a client over its quota with 429, Vault\'s text and Retry-After, before the backend runs', async () => {
    assert.equal((await get('secret/data/q')).status, 404);
    assert.equal((await get('secret/data/q')).status, 404);
    const refused = await get('secret/data/q');
    assert.equal(refused.status, 429);
    assert.deepEqual(await refused.json(), { errors: ['request path "secret/data/q": rate limit quota exceeded'] });
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, String(refused.headers.get('retry-after')));
    assert.equal(refused.headers.get('x-ratelimit-limit'), null, 'the rate-limit headers only when the config asks');
    // Another mount is not under this quota.
    assert.equal((await get('cubbyhole/x')).status, 404);
    // Not even a bad token reaches the token check: the quota answers first.
    assert.equal((await get('secret/data/q', 'not-a-token')).status, 429);
  });

  it('adds the X-Ratelimit headers with enable_rate_limit_response_headers', async () => {
    const c = await api(s, 'GET', 'sys/quotas/config', { token: s.rootToken });
    assert.equal(c.status, 200);
    assert.deepEqual(c.body.data.rate_limit_exempt_paths, ['sys/generate-recovery-token/attempt', 'sys/generate-recovery-token/update', 'sys/generate-root/attempt', 'sys/generate-root/update', 'sys/health', 'sys/seal-status', 'sys/unseal']);
    assert.equal(c.body.data.enable_rate_limit_response_headers, false);
    assert.equal((await api(s, 'PUT', 'sys/quotas/config', { token: s.rootToken, body: { enable_rate_limit_response_headers: true } })).status, 204);
    const refused = await get('secret/data/q');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ratelimit-limit'), '2');
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(refused.headers.get('x-ratelimit-reset')) >= 1);
  });

  it('deleting the quota lifts it', async () => {
    assert.equal((await api(s, 'DELETE', 'sys/quotas/rate-limit/kv-limit', { token: s.rootToken })).status, 204);
    assert.equal((await get('secret/data/q')).status, 404);
    assert.equal((await api(s, 'GET', 'sys/quotas/rate-limit/kv-limit', { token: s.rootToken })).status, 404);
  });

  it('answers bad input with Vault\'s status and text', async () => {
    const bad = async (body: Record<string, unknown>, text: string): Promise<void> => {
      const r = await api(s, 'PUT', 'sys/quotas/rate-limit/bad', { token: s.rootToken, body });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(r.body, { errors: [text] });
    };
    await bad({ rate: 0 }, "'rate' is invalid");
    await bad({ rate: -3 }, "'rate' is invalid");
    await bad({ rate: 'lots' }, "'rate' is invalid");
    await bad({ rate: 1, path: 'nosuch/' }, 'invalid mount path "nosuch/"');
    await bad({ rate: 1, interval: 'soon' }, 'error converting input "soon" for field "interval": time: invalid duration "soon"');
    await bad({ rate: 1, interval: '1s', block_interval: -1 }, "'block' is invalid");
    // Role-scoped quotas, as Vault checks them; no Ward auth method resolves a login's role for a quota,
    // so instead of limiting every role on the mount the write is refused with Vault's text for such a mount.
    await bad({ rate: 1, path: 'secret/', role: 'r' }, 'Mount path "secret/" is not a valid auth method and therefore unsuitable for use with role-based quotas');
    await bad({ rate: 1, role: 'r' }, 'Mount path "" is not a valid auth method and therefore unsuitable for use with role-based quotas');
    await bad({ rate: 1, path: 'auth/token/create', role: 'r' }, 'Quotas cannot contain both a path suffix and a role. If a role is provided, path must be a valid auth mount with a concept of roles');
    await bad({ rate: 1, path: 'auth/token/', role: 'r' }, 'Mount path "auth/token/" does not support use with role-based quotas');
    assert.equal((await api(s, 'PUT', 'sys/quotas/rate-limit/x', { body: { rate: 1 } })).status, 403, 'quotas need a token');
  });

  it('a global quota spares the exempt paths', async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/rate-limit/global', { token: s.rootToken, body: { rate: 1, interval: '1h' } })).status, 204);
    assert.equal((await get('sys/mounts')).status, 200);
    assert.equal((await get('sys/mounts')).status, 429);
    assert.equal((await get('sys/health')).status, 200);
    assert.equal((await get('sys/seal-status')).status, 200);
  });
});
