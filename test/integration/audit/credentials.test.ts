/**
 * The audit log never holds a login credential or an issued token in plaintext. A file
 * audit device records real logins over HTTP: userpass (and the password set on the
 * user), AppRole (and the secret_id the server generated), Kubernetes (a service-account
 * JWT from the fake API server, and the reviewer JWT in the config). The log is then
 * scanned: no plaintext anywhere, and each value's HMAC (from sys/audit-hash) sits in the
 * field where it was sent or returned.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { auditRecords, type AuditRecord } from '../../helpers/audit-log.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('audit log and login credentials', () => {
  let s: TestServer;
  let k: FakeKubeApiServer;
  let dir = '';
  let logPath = '';
  const PASSWORD = 'userpass-Pw-5f1c9e77-never-logged';
  /** Every plaintext that must not reach the log, by what it is. */
  const secrets = new Map<string, string>();
  /** The log as it was once every login had happened, before any audit-hash call. */
  let logText = '';
  let records: AuditRecord[] = [];

  const asRoot = async (method: string, path: string, body?: unknown) => {
    const r = await api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
    assert.ok(r.status < 300, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r;
  };
  /** The HMAC the file device gives `input`. */
  const hmac = async (input: string): Promise<string> => (await asRoot('POST', 'sys/audit-hash/file', { input })).body.data.hash as string;
  /** The response record of the request to `path` (one per test, by construction). */
  const responseTo = (path: string): AuditRecord => {
    const found = records.filter((r) => r.type === 'response' && r.request?.path === path);
    assert.equal(found.length, 1, `one response record for ${path}`);
    return found[0] as AuditRecord;
  };

  before(async () => {
    [s, k] = await Promise.all([startTestServer(), startFakeKubeApiServer({ namespaces: { prod: {} } })]);
    dir = mkdtempSync(join(tmpdir(), 'ward-audit-creds-'));
    logPath = join(dir, 'audit.log');
    await asRoot('PUT', 'sys/audit/file', { type: 'file', options: { file_path: logPath } });

    // userpass: the admin sets the password, the user logs in with it.
    await asRoot('POST', 'sys/auth/userpass', { type: 'userpass' });
    await asRoot('POST', 'auth/userpass/users/alice', { password: PASSWORD, token_policies: 'default' });
    const up = await api(s, 'POST', 'auth/userpass/login/alice', { body: { password: PASSWORD } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    secrets.set('userpass password', PASSWORD);
    secrets.set('userpass token', up.body.auth.client_token);
    secrets.set('userpass accessor', up.body.auth.accessor);

    // AppRole: the server generates the secret_id; the machine logs in with it.
    await asRoot('POST', 'sys/auth/approle', { type: 'approle' });
    await asRoot('POST', 'auth/approle/role/app', { token_policies: 'default' });
    const roleId = (await asRoot('GET', 'auth/approle/role/app/role-id')).body.data.role_id as string;
    const sid = (await asRoot('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id as string;
    const ar = await api(s, 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: sid } });
    assert.equal(ar.status, 200, JSON.stringify(ar.body));
    secrets.set('approle secret_id', sid);
    secrets.set('approle token', ar.body.auth.client_token);

    // Kubernetes: the reviewer JWT goes into the config, the pod's JWT into the login.
    await asRoot('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
    await asRoot('POST', 'auth/kubernetes/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken });
    await asRoot('POST', 'auth/kubernetes/role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'vault', token_policies: 'default' });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app', audiences: ['vault'] });
    const kr = await api(s, 'POST', 'auth/kubernetes/login', { body: { role: 'app', jwt } });
    assert.equal(kr.status, 200, JSON.stringify(kr.body));
    secrets.set('kubernetes JWT', jwt);
    secrets.set('kubernetes reviewer JWT', k.reviewerToken);
    secrets.set('kubernetes token', kr.body.auth.client_token);

    logText = readFileSync(logPath, 'utf8');
    records = auditRecords(logPath);
  });
  after(async () => {
    await Promise.all([s.close(), k.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('no credential or issued token appears in plaintext anywhere in the log', () => {
    assert.ok(records.length >= 20, `the logins were audited (${records.length} records)`);
    for (const [what, value] of secrets) {
      assert.ok(value.length >= 16, `${what} is a real value`);
      assert.ok(!logText.includes(value), `${what} is in the audit log in plaintext`);
    }
    assert.ok(!logText.includes(s.rootToken), 'the root token is in the audit log in plaintext');
  });

  it('userpass: the password (set and sent) and the issued token are there as HMACs', async () => {
    const pw = await hmac(PASSWORD);
    const set = records.find((r) => r.type === 'request' && r.request?.path === 'auth/userpass/users/alice');
    assert.equal(set?.request?.data?.password, pw, 'the password the admin set');
    const login = responseTo('auth/userpass/login/alice');
    assert.equal(login.request.data.password, pw, 'the password the user sent');
    assert.equal(login.response.auth.client_token, await hmac(secrets.get('userpass token') as string));
    assert.equal(login.response.auth.accessor, await hmac(secrets.get('userpass accessor') as string));
  });

  it('approle: the generated secret_id (returned and sent) and the issued token are there as HMACs', async () => {
    const sid = await hmac(secrets.get('approle secret_id') as string);
    assert.equal(responseTo('auth/approle/role/app/secret-id').response.data.secret_id, sid, 'the secret_id the server returned');
    const login = responseTo('auth/approle/login');
    assert.equal(login.request.data.secret_id, sid, 'the secret_id the machine sent');
    assert.equal(login.response.auth.client_token, await hmac(secrets.get('approle token') as string));
  });

  it('kubernetes: the service-account JWT, the reviewer JWT and the issued token are there as HMACs', async () => {
    const cfg = records.find((r) => r.type === 'request' && r.request?.path === 'auth/kubernetes/config' && r.request?.operation !== 'read');
    assert.equal(cfg?.request?.data?.token_reviewer_jwt, await hmac(k.reviewerToken), 'the reviewer JWT in the config write');
    const login = responseTo('auth/kubernetes/login');
    assert.equal(login.request.data.jwt, await hmac(secrets.get('kubernetes JWT') as string), 'the JWT the pod sent');
    assert.equal(login.response.auth.client_token, await hmac(secrets.get('kubernetes token') as string));
  });
});
