/**
 * aws auth (iam type) end to end: a real Ward server, the vault CLI's login data signed
 * with node:crypto, and the local STS mock (no AWS endpoint is reachable here; see
 * test/fakes/aws-sts). A login creates the identity entity; refusals carry Vault's text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { iamLoginData, type IamLoginInput } from '../../../src/lib/aws-iam-login.js';
import { startFakeSts, type FakeSts } from '../../fakes/aws-sts/index.js';
import { runCli } from '../../../src/cli/testing.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const ACCT = '123456789012';
const APP = { accessKeyId: 'AKIAAPPEXAMPLE', secretAccessKey: 'app-secret', arn: `arn:aws:sts::${ACCT}:assumed-role/app/i-0abc`, userId: 'AROAAPPID:i-0abc', account: ACCT };
const EVE = { accessKeyId: 'AKIAEVEEXAMPLE', secretAccessKey: 'eve-secret', arn: `arn:aws:iam::${ACCT}:user/eve`, userId: 'AIDAEVE', account: ACCT };

describe('auth/aws (iam)', () => {
  let s: TestServer;
  let sts: FakeSts;
  let accessor = '';
  before(async () => {
    [s, sts] = await Promise.all([startTestServer(), startFakeSts({ identities: [APP, EVE] })]);
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/aws', { ...root, body: { type: 'aws' } })).status, 204);
    accessor = (await api(s, 'GET', 'sys/auth', root)).body.data['aws/'].accessor;
    assert.equal((await api(s, 'POST', 'auth/aws/config/client', { ...root, body: { sts_endpoint: sts.url, iam_server_id_header_value: 'ward.example' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/aws/config/identity', { ...root, body: { iam_alias: 'unique_id' } })).status, 204);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/app', { ...root, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } })).status, 204);
    const role = await api(s, 'POST', 'auth/aws/role/app', { ...root, body: { auth_type: 'iam', bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/app`, token_policies: 'app', token_ttl: '1h' } });
    assert.equal(role.status, 204, JSON.stringify(role.body));
  });
  after(async () => {
    await Promise.all([s.close(), sts.close()]);
  });

  const login = (who: IamLoginInput['credentials'], o: Partial<IamLoginInput> = {}, role?: string) =>
    api(s, 'POST', 'auth/aws/login', { body: { ...iamLoginData({ credentials: who, serverIdHeaderValue: 'ward.example', ...o }), ...(role ? { role } : {}) } });

  it('logs in with a signed GetCallerIdentity and creates the entity once', async () => {
    const r = await login(APP);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const auth = r.body.auth;
    assert.ok(auth.policies.includes('app'));
    assert.equal(auth.lease_duration, 3600);
    assert.deepEqual(auth.metadata, { account_id: ACCT, auth_type: 'iam' });
    const entity = await api(s, 'POST', 'identity/lookup/entity', { token: s.rootToken, body: { alias_name: 'AROAAPPID', alias_mount_accessor: accessor } });
    assert.equal(entity.status, 200, JSON.stringify(entity.body));
    assert.equal(entity.body.data.id, auth.entity_id);
    assert.equal((await login(APP)).body.auth.entity_id, auth.entity_id, 'a second login finds the same entity');
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: auth.client_token })).body.data.display_name, 'aws-app');
  });

  it("refuses a wrong server-ID value, an expired signature, an unbound principal and bad input with Vault's errors", async () => {
    const cases: [Promise<{ status: number; body: any }>, RegExp][] = [
      [login(APP, { serverIdHeaderValue: 'evil.example' }), /^error validating X-Vault-AWS-IAM-Server-ID header: expected "ward.example" but got "evil.example"$/],
      [login(APP, { now: Date.now() - 30 * 60_000 }), /^error making upstream request: received error code 403 from STS: .*Signature expired/s],
      [login(EVE, {}, 'app'), /^IAM Principal "arn:aws:iam::123456789012:user\/eve" does not belong to the role "app"$/],
      [login(EVE), /^entry for role eve not found$/],
      [api(s, 'POST', 'auth/aws/login', { body: { iam_http_request_method: 'GET' } }), /^invalid iam_http_request_method; currently only 'POST' is supported$/],
      [api(s, 'POST', 'auth/aws/login', { body: { ...iamLoginData({ credentials: APP, serverIdHeaderValue: 'ward.example' }), iam_request_headers: { Authorization: 'x\ny', 'X-Vault-AWS-IAM-Server-ID': 'ward.example' } } }), /^error validating X-Vault-AWS-IAM-Server-ID header: vault header wasn't signed$/],
      [api(s, 'POST', 'auth/aws/login', { body: { ...iamLoginData({ credentials: APP }), iam_request_headers: 42 } }), /iam_request_headers must be a map/],
      [api(s, 'POST', 'auth/aws/login', { body: { iam_http_request_method: 'POST', iam_request_url: 'aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=', iam_request_body: 'QWN0aW9uPUFzc3VtZVJvbGU=', iam_request_headers: '{"A":"b"}' } }), /^iam request body is invalid$/],
    ];
    for (const [p, want] of cases) {
      const r = await p;
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.errors.length, 1);
      assert.match(r.body.errors[0], want);
    }
  });

  it('ward login -method=aws signs with the environment credentials and header_value', async () => {
    const env = { VAULT_ADDR: s.url, HOME: '/nonexistent', AWS_ACCESS_KEY_ID: APP.accessKeyId, AWS_SECRET_ACCESS_KEY: APP.secretAccessKey } as NodeJS.ProcessEnv;
    const ok = await runCli(['login', '-method=aws', '-no-store', '-field=token', 'header_value=ward.example', 'role=app'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^hvs\./);
    const lookup = await api(s, 'GET', 'auth/token/lookup-self', { token: ok.stdout.trim() });
    assert.equal(lookup.body.data.meta.account_id, ACCT);
    const wrong = await runCli(['login', '-method=aws', '-no-store', 'header_value=evil.example'], env);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /expected "ward.example" but got "evil.example"/);
    const none = await runCli(['login', '-method=aws', '-no-store'], { VAULT_ADDR: s.url, HOME: '/nonexistent' });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no AWS credentials/);
    assert.ok(!`${ok.stdout}${ok.stderr}${wrong.stderr}`.includes(APP.secretAccessKey), 'the secret key is never printed');
  });
});
