/**
 * The file audit device seen from outside: request/response lines, HMAC'd secrets,
 * sys/audit-hash reproducing a logged hash, and fail-closed behaviour when the log
 * cannot be written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { auditRecords } from '../../helpers/audit-log.js';
import { DEV_FULL, skipUnless } from '../../helpers/requirement.js';

const SECRET = 'correct-horse-battery-staple-7731';
const TOKEN_SECRET = 'wrap-me-please-5512';

// any: records are destructured and asserted field by field.
const lines = (path: string): any[] => auditRecords(path);

describe('file audit device', () => {
  let s: TestServer;
  let dir = '';
  let logPath = '';
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-audit-it-'));
    logPath = join(dir, 'logs', 'audit.log');
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enable (sudo), list shows it top-level and in data', async () => {
    const e = await api(s, 'PUT', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: logPath } } });
    assert.equal(e.status, 204, JSON.stringify(e.body));
    assert.ok(existsSync(logPath));
    const l = await api(s, 'GET', 'sys/audit', { token: s.rootToken });
    assert.equal(l.status, 200);
    assert.equal(l.body.data['file/'].type, 'file');
    assert.equal(l.body.data['file/'].options.file_path, logPath);
    assert.equal(l.body['file/'].type, 'file');
    const dup = await api(s, 'PUT', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: logPath } } });
    assert.equal(dup.status, 400);
    const missing = await api(s, 'PUT', 'sys/audit/bad', { token: s.rootToken, body: { type: 'file', options: {} } });
    assert.equal(missing.status, 400);
  });

  it('a KV write and read produce request+response lines with secrets HMACd', async () => {
    const before = lines(logPath).length;
    assert.equal((await api(s, 'POST', 'secret/data/audited', { token: s.rootToken, body: { data: { password: SECRET, count: 7 } } })).status, 200);
    const r = await api(s, 'GET', 'secret/data/audited', { token: s.rootToken });
    assert.equal(r.body.data.data.password, SECRET);
    const all = lines(logPath).slice(before);
    assert.equal(all.length, 4, JSON.stringify(all.map((x) => x.type)));
    assert.deepEqual(
      all.map((x) => x.type),
      ['request', 'response', 'request', 'response'],
    );
    const [wreq, , rreq, rres] = all;
    assert.equal(wreq.request.path, 'secret/data/audited');
    assert.equal(wreq.request.operation, 'create');
    assert.equal(rreq.request.operation, 'read');
    assert.equal(rreq.request.mount_type, 'kv');
    assert.match(wreq.request.data.data.password, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(wreq.request.data.data.count, 7, 'numbers are not hashed');
    assert.match(rres.response.data.data.password, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.match(wreq.auth.client_token, /^hmac-sha256:/);
    assert.match(wreq.request.client_token, /^hmac-sha256:/);
    assert.ok(!Number.isNaN(Date.parse(wreq.time)));
    const text = readFileSync(logPath, 'utf8');
    assert.ok(!text.includes(SECRET), 'plaintext secret never in the log');
    assert.ok(!text.includes(s.rootToken), 'plaintext token never in the log');
  });

  it('sys/audit-hash reproduces the logged hash', async () => {
    const h = await api(s, 'POST', 'sys/audit-hash/file', { token: s.rootToken, body: { input: SECRET } });
    assert.equal(h.status, 200);
    assert.match(h.body.data.hash, /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(h.body.hash, h.body.data.hash, 'top-level injection');
    assert.ok(readFileSync(logPath, 'utf8').includes(h.body.data.hash));
    const t = await api(s, 'POST', 'sys/audit-hash/file', { token: s.rootToken, body: { input: s.rootToken } });
    const wline = lines(logPath).find((x) => x.request?.path === 'secret/data/audited');
    assert.equal(wline.request.client_token, t.body.data.hash);
  });

  it('wrapped responses: the wrapping token is hashed, the payload never appears', async () => {
    await api(s, 'POST', 'secret/data/wrapped', { token: s.rootToken, body: { data: { v: TOKEN_SECRET } } });
    const w = await api(s, 'GET', 'secret/data/wrapped', { token: s.rootToken, headers: { 'X-Vault-Wrap-TTL': '60' } });
    const wt = w.body.wrap_info.token;
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: wt });
    assert.equal(u.body.data.data.v, TOKEN_SECRET);
    const text = readFileSync(logPath, 'utf8');
    assert.ok(!text.includes(TOKEN_SECRET), 'unwrapped payload not in the log in plaintext');
    assert.ok(!text.includes(wt), 'wrapping token not in plaintext');
  });

  it('errors are logged too (a 403)', async () => {
    const t = (await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } })).body.auth.client_token;
    const before = lines(logPath).length;
    assert.equal((await api(s, 'GET', 'secret/data/audited', { token: t })).status, 403);
    const added = lines(logPath).slice(before);
    assert.ok(added.some((x) => x.type === 'request' && typeof x.error === 'string' && x.error.includes('permission denied')), JSON.stringify(added));
  });

  it('fail closed: after the log becomes unwritable, a KV read answers 500 and a write changes nothing', async () => {
    await api(s, 'POST', 'secret/data/failclosed', { token: s.rootToken, body: { data: { v: 'original' } } });
    // Simulate an operator mistake before log rotation: the file vanishes and a directory takes its place.
    rmSync(join(dir, 'logs'), { recursive: true, force: true });
    mkdirSync(logPath, { recursive: true });
    await s.core.active!.audit.reopen();
    const r = await api(s, 'GET', 'secret/data/failclosed', { token: s.rootToken });
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.ok(!JSON.stringify(r.body).includes('original'));
    const w = await api(s, 'POST', 'secret/data/failclosed', { token: s.rootToken, body: { data: { v: 'changed' } } });
    assert.equal(w.status, 500);
    assert.equal((await api(s, 'GET', 'sys/health')).status, 200, 'health is not audited');
    // Disable the broken device (sys/audit is itself audited... so the operator must be able to recover).
    rmSync(logPath, { recursive: true, force: true });
    await s.core.active!.audit.reopen();
    const ok = await api(s, 'GET', 'secret/data/failclosed', { token: s.rootToken });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.data.v, 'original', 'the failed write did not land');
    assert.equal(ok.body.data.metadata.version, 1);
  });
});

describe('fail closed with /dev/full', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('every audited request answers 500; data unchanged; disabling recovers', { skip: skipUnless(DEV_FULL) }, async () => {
    await api(s, 'POST', 'secret/data/k', { token: s.rootToken, body: { data: { v: 'kept' } } });
    const e = await api(s, 'PUT', 'sys/audit/full', { token: s.rootToken, body: { type: 'file', options: { file_path: '/dev/full' } } });
    if (e.status === 400) {
      // A device that test-writes on enable refuses /dev/full outright — also fail-closed.
      assert.match(JSON.stringify(e.body.errors), /audit|write|ENOSPC/i);
      assert.equal((await api(s, 'GET', 'secret/data/k', { token: s.rootToken })).status, 200);
      return;
    }
    assert.equal(e.status, 204, JSON.stringify(e.body));
    const r = await api(s, 'GET', 'secret/data/k', { token: s.rootToken });
    assert.equal(r.status, 500);
    const w = await api(s, 'POST', 'secret/data/k', { token: s.rootToken, body: { data: { v: 'overwritten' } } });
    assert.equal(w.status, 500);
    // Disabling is audited too, so it also fails: remove the device from storage side-band.
    const d = await api(s, 'DELETE', 'sys/audit/full', { token: s.rootToken });
    assert.equal(d.status, 500);
    await s.core.active!.audit.disable('full');
    const after = await api(s, 'GET', 'secret/data/k', { token: s.rootToken });
    assert.equal(after.status, 200);
    assert.equal(after.body.data.data.v, 'kept');
    assert.equal(after.body.data.metadata.version, 1);
  });
});
