/**
 * CORS as Vault does it, over a real socket: sys/config/cors (read, write, delete), a
 * preflight from an allowed origin answered 200 with an empty body and the Access-Control-*
 * headers (Vault's handler returns without writing a status, so Go sends 200), a
 * disallowed origin refused 403 "origin not allowed", Access-Control-Allow-Origin on the
 * responses for an allowed origin, and nothing changed for requests without an Origin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const STD_HEADERS = ['Content-Type', 'X-Requested-With', 'X-Vault-AWS-IAM-Server-ID', 'X-Vault-MFA', 'X-Vault-No-Request-Forwarding', 'X-Vault-Wrap-Format', 'X-Vault-Wrap-TTL', 'X-Vault-Policy-Override', 'Authorization', 'X-Vault-Token'];

describe('CORS', () => {
  let s: TestServer;
  const preflight = (origin: string, method = 'GET'): Promise<Response> =>
    fetch(`${s.url}/v1/secret/data/app`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': method } });
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('is off until configured: sys/config/cors says so and responses carry no CORS headers', async () => {
    const r = await api(s, 'GET', 'sys/config/cors', { token: s.rootToken });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.enabled, false);
    const res = await fetch(`${s.url}/v1/sys/health`, { headers: { Origin: 'https://app.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('writes and reads the config: the given headers join Vault\'s standard ones', async () => {
    assert.equal((await api(s, 'PUT', 'sys/config/cors', { token: s.rootToken, body: { allowed_origins: 'https://app.example,https://other.example', allowed_headers: 'X-Custom' } })).status, 204);
    const r = await api(s, 'GET', 'sys/config/cors', { token: s.rootToken });
    assert.deepEqual(r.body.data, { enabled: true, allowed_origins: ['https://app.example', 'https://other.example'], allowed_headers: [...STD_HEADERS, 'X-Custom'] });
  });

  it('answers a preflight from an allowed origin with 200, an empty body and the Access-Control headers', async () => {
    const res = await preflight('https://app.example');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(res.headers.get('access-control-allow-methods'), 'DELETE,GET,OPTIONS,POST,PUT,LIST');
    assert.equal(res.headers.get('access-control-allow-headers'), [...STD_HEADERS, 'X-Custom'].join(','));
    assert.equal(res.headers.get('access-control-max-age'), '300');
    assert.equal(res.headers.get('vary'), 'Origin');
    assert.equal(await res.text(), '');
  });

  it('refuses a disallowed origin with 403 and a preflight for an unknown method with 405', async () => {
    const res = await preflight('https://evil.example');
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { errors: ['origin not allowed'] });
    const get = await fetch(`${s.url}/v1/sys/health`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(get.status, 403);
    assert.equal((await preflight('https://app.example', 'TRACE')).status, 405);
  });

  it('adds Access-Control-Allow-Origin to responses for an allowed origin, errors included', async () => {
    const ok = await fetch(`${s.url}/v1/sys/health`, { headers: { Origin: 'https://other.example' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://other.example');
    assert.equal(ok.headers.get('vary'), 'Origin');
    const denied = await fetch(`${s.url}/v1/secret/data/app`, { headers: { Origin: 'https://app.example', 'X-Vault-Token': 'nope' } });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), 'https://app.example');
    const cli = await fetch(`${s.url}/v1/sys/health`);
    assert.equal(cli.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS headers');
  });

  it('allows every origin with "*", refuses "*" beside others, and DELETE turns CORS off', async () => {
    const mixed = await api(s, 'PUT', 'sys/config/cors', { token: s.rootToken, body: { allowed_origins: ['*', 'https://app.example'] } });
    assert.equal(mixed.status, 400);
    assert.deepEqual(mixed.body, { errors: ["to allow all origins the '*' must be the only value for allowed_origins"] });
    assert.equal((await api(s, 'PUT', 'sys/config/cors', { token: s.rootToken, body: { allowed_origins: '*' } })).status, 204);
    const any = await preflight('https://anything.example');
    assert.equal(any.status, 200);
    assert.equal(any.headers.get('access-control-allow-origin'), 'https://anything.example');
    assert.equal((await api(s, 'PUT', 'sys/config/cors', { body: { allowed_origins: '*' } })).status, 403, 'a token is needed');
    assert.equal((await api(s, 'DELETE', 'sys/config/cors', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/config/cors', { token: s.rootToken })).body.data.enabled, false);
    assert.equal((await preflight('https://app.example')).status, 405, 'without CORS, OPTIONS is an unsupported operation');
  });
});
