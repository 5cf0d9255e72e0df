/**
 * sys/config/auditing/request-headers over HTTP: Vault's shapes, statuses and texts, and
 * the configured headers showing up in a file device's records (HMACed when asked).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { auditRecords } from '../../helpers/audit-log.js';

const BASE = 'sys/config/auditing/request-headers';

describe('sys/config/auditing/request-headers', () => {
  let s: TestServer;
  let dir = '';
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-audit-headers-it-'));
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the defaults, adds, reads one, deletes, with Vault\'s statuses and error text', async () => {
    const list = await api(s, 'GET', BASE, { token: s.rootToken });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.data.headers, { 'correlation-id': { hmac: false }, 'x-correlation-id': { hmac: false } });
    assert.deepEqual(list.body.headers, list.body.data.headers, 'Vault also copies data to the top level here');

    assert.equal((await api(s, 'PUT', `${BASE}/X-Tenant`, { token: s.rootToken, body: { hmac: true } })).status, 204);
    assert.equal((await api(s, 'POST', `${BASE}/x-trace`, { token: s.rootToken, body: {} })).status, 204);
    const one = await api(s, 'GET', `${BASE}/X-Tenant`, { token: s.rootToken });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.data, { 'X-Tenant': { hmac: true } });
    assert.deepEqual(one.body['X-Tenant'], { hmac: true });
    const all = await api(s, 'GET', BASE, { token: s.rootToken });
    assert.deepEqual(all.body.data.headers['x-tenant'], { hmac: true });
    assert.deepEqual(all.body.data.headers['x-trace'], { hmac: false });

    assert.equal((await api(s, 'DELETE', `${BASE}/X-TRACE`, { token: s.rootToken })).status, 204);
    const gone = await api(s, 'GET', `${BASE}/x-trace`, { token: s.rootToken });
    assert.equal(gone.status, 400);
    assert.deepEqual(gone.body, { errors: ['Could not find header in config'] });
  });

  it('needs sudo: a token without it gets 403', async () => {
    await api(s, 'PUT', 'sys/policy/reader', { token: s.rootToken, body: { policy: `path "sys/config/auditing/*" { capabilities = ["read", "update"] }` } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['reader'] } });
    const tok = t.body.auth.client_token as string;
    assert.equal((await api(s, 'GET', `${BASE}/x-tenant`, { token: tok })).status, 403);
    assert.equal((await api(s, 'PUT', `${BASE}/x-evil`, { token: tok, body: {} })).status, 403);
  });

  it('audit records carry the configured headers; hmac ones as the device\'s HMAC, never in the clear', async () => {
    const log = join(dir, 'audit.log');
    assert.equal((await api(s, 'PUT', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: log } } })).status, 204);
    const TENANT = 'tenant-value-6d1f0b';
    const r = await api(s, 'GET', 'sys/mounts', { token: s.rootToken, headers: { 'X-Tenant': TENANT, 'X-Correlation-Id': 'corr-42', 'X-Other': 'nope' } });
    assert.equal(r.status, 200);
    const hash = (await api(s, 'POST', 'sys/audit-hash/file', { token: s.rootToken, body: { input: TENANT } })).body.data.hash as string;
    const recs = auditRecords(log).filter((x) => x.request?.path === 'sys/mounts');
    assert.equal(recs.length, 2);
    for (const rec of recs) assert.deepEqual(rec.request.headers, { 'x-tenant': [hash], 'x-correlation-id': ['corr-42'] });
    assert.ok(!readFileSync(log, 'utf8').includes(TENANT));
  });
  it('never writes a client token in the clear, even when an operator audits the token-carrying headers', async () => {
    const log = join(dir, 'audit-tokens.log');
    assert.equal((await api(s, 'PUT', 'sys/audit/tokens', { token: s.rootToken, body: { type: 'file', options: { file_path: log } } })).status, 204);
    for (const h of ['authorization', 'x-vault-token']) assert.equal((await api(s, 'PUT', `${BASE}/${h}`, { token: s.rootToken, body: { hmac: false } })).status, 204);
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } });
    const other = t.body.auth.client_token as string;
    // Both headers at once: X-Vault-Token is the one used, the Bearer one is a second token.
    const r = await api(s, 'GET', 'auth/token/lookup-self', { token: s.rootToken, headers: { Authorization: `Bearer ${other}` } });
    assert.equal(r.status, 200);
    const onlyBearer = await fetch(`${s.url}/v1/auth/token/lookup-self`, { headers: { Authorization: `Bearer ${other}` } });
    assert.equal(onlyBearer.status, 200);
    const text = readFileSync(log, 'utf8');
    assert.ok(text.includes('auth/token/lookup-self'));
    assert.ok(!text.includes(other), 'the Bearer token appears in the audit log');
    assert.ok(!text.includes(s.rootToken), 'the X-Vault-Token appears in the audit log');
    for (const h of ['authorization', 'x-vault-token']) await api(s, 'DELETE', `${BASE}/${h}`, { token: s.rootToken });
    await api(s, 'DELETE', 'sys/audit/tokens', { token: s.rootToken });
  });
});
