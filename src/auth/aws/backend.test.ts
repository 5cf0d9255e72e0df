import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeSts, type FakeSts } from '../../../test/fakes/aws-sts/index.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { iamLoginData, type IamLoginInput } from '../../lib/aws-iam-login.js';
import { silentLogger, type AuthView, type Backend, type LogicalRequest, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { createAwsAuthFactory, type AwsAuthOptions } from './index.js';

const ACCT = '123456789012';
const APP = { accessKeyId: 'AKIAAPPEXAMPLE', secretAccessKey: 'app-secret', arn: `arn:aws:sts::${ACCT}:assumed-role/app/i-0abc`, userId: 'AROAAPPID:i-0abc', account: ACCT };
const BOB = { accessKeyId: 'AKIABOBEXAMPLE', secretAccessKey: 'bob-secret', arn: 'arn:aws:iam::999999999999:user/ops/bob', userId: 'AIDABOB', account: '999999999999' };

async function mount(o: AwsAuthOptions = {}) {
  const storage = new InmemStorage();
  const backend: Backend = await createAwsAuthFactory({ timeoutMs: 2000, ...o })({
    storage, mountPoint: 'auth/aws/', mountType: 'aws', logger: silentLogger,
    system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) },
  });
  const request = (operation: Operation, path: string, data: Record<string, unknown> = {}, ip = '127.0.0.1'): LogicalRequest => ({
    id: 'r', operation, path, data, storage, mountPoint: 'auth/aws/', mountType: 'aws', mountAccessor: 'auth_aws_1',
    clientToken: '', caller: null, connection: { remoteAddress: ip, remotePort: 1 }, headers: {}, wrapTtl: 0,
  });
  async function call(operation: Operation, path: string, data: Record<string, unknown> = {}, ip?: string): Promise<LogicalResponse | null> {
    const req = request(operation, path, data, ip);
    if (operation === 'update' && (await backend.existenceCheck(req)) === false) req.operation = 'create';
    return backend.handleRequest(req);
  }
  const renew = (internalData: Record<string, unknown>) =>
    backend.renewAuth!(request('update', 'login'), { policies: [], metadata: {}, internalData, ttl: 60, increment: 0, issueTime: 0, period: 0 } as AuthView);
  return { call, renew };
}

describe('aws auth backend (iam)', () => {
  let sts: FakeSts;
  let euSts: FakeSts;
  before(async () => {
    sts = await startFakeSts({ identities: [APP, BOB] });
    euSts = await startFakeSts({ identities: [APP], region: 'eu-west-1' });
  });
  after(async () => {
    await sts.close();
    await euSts.close();
  });
  const login = (c: Awaited<ReturnType<typeof mount>>, who: IamLoginInput['credentials'], extra: Partial<IamLoginInput> & { role?: string } = {}) => {
    const { role, ...input } = extra;
    return c.call('update', 'login', { ...iamLoginData({ credentials: who, ...input }), ...(role !== undefined ? { role } : {}) });
  };

  it('stores config/client and config/identity with defaults and validation', async () => {
    const c = await mount();
    assert.equal(await c.call('read', 'config/client'), null);
    await assert.rejects(c.call('update', 'config/client', { sts_endpoint: 'ftp://x' }), isWardError(400, /sts_endpoint/));
    await assert.rejects(c.call('update', 'config/client', { max_retries: -2 }), isWardError(400, /max_retries/));
    await c.call('update', 'config/client', { sts_endpoint: `${sts.url}/`, iam_server_id_header_value: 'ward.example' });
    assert.deepEqual((await c.call('read', 'config/client'))?.data, {
      sts_endpoint: sts.url, sts_region: '', iam_server_id_header_value: 'ward.example', max_retries: -1, use_sts_region_from_client: false, access_key: '', endpoint: '', iam_endpoint: '',
    });
    await c.call('update', 'config/client', { max_retries: 0 });
    assert.equal((await c.call('read', 'config/client'))?.data?.['iam_server_id_header_value'], 'ward.example', 'a partial update keeps the rest');
    assert.deepEqual((await c.call('read', 'config/identity'))?.data?.['iam_alias'], 'role_id');
    await assert.rejects(c.call('update', 'config/identity', { iam_alias: 'nope' }), isWardError(400, /iam_alias/));
    await assert.rejects(c.call('update', 'config/identity', { iam_metadata: 'bogus' }), isWardError(400, /"bogus" is not an available field/));
    await assert.rejects(c.call('update', 'config/identity', { ec2_metadata: 'client_arn' }), isWardError(400, /"client_arn" is not an available field, please select from: account_id, auth_type, ami_id, instance_id, region/));
    await c.call('update', 'config/identity', { ec2_alias: 'instance_id', ec2_metadata: 'default' });
    const ident = (await c.call('read', 'config/identity'))?.data ?? {};
    assert.deepEqual([ident['ec2_alias'], ident['ec2_metadata'], ident['iam_alias']], ['instance_id', ['account_id', 'auth_type'], 'role_id']);
  });

  it('creates, reads, lists and deletes roles with validation', async () => {
    const c = await mount();
    await assert.rejects(c.call('update', 'role/r', {}), isWardError(400, 'at least one bound parameter should be specified on the role'));
    await assert.rejects(c.call('update', 'role/r', { auth_type: 'ec2', bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/app` }), isWardError(400, 'specified bound_iam_principal_arn but not specifying iam auth type'));
    await assert.rejects(c.call('update', 'role/r', { auth_type: 'ec2', bound_account_id: ACCT, role_tag: 'VaultRole' }), isWardError(400, /role_tag is not supported/));
    await assert.rejects(c.call('update', 'role/r', { auth_type: 'gce', bound_account_id: ACCT }), isWardError(400, 'unrecognized auth_type: gce'));
    await assert.rejects(c.call('update', 'role/r', { bound_account_id: ACCT, resolve_aws_unique_ids: true }), isWardError(400, /resolve_aws_unique_ids=true needs IAM access/));
    await assert.rejects(c.call('update', 'role/r', { bound_iam_principal_arn: 'role/app' }), isWardError(400, /not an ARN/));
    await c.call('update', 'role/App', { bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/app`, token_policies: 'a', token_ttl: '1h' });
    const data = (await c.call('read', 'role/app'))?.data ?? {};
    assert.deepEqual(
      [data['auth_type'], data['bound_iam_principal_arn'], data['resolve_aws_unique_ids'], data['token_policies'], data['token_ttl']],
      ['iam', [`arn:aws:iam::${ACCT}:role/app`], false, ['a'], 3600],
    );
    assert.match(String(data['role_id']), /^[0-9a-f-]{36}$/);
    await c.call('update', 'role/app', { token_ttl: 60 });
    assert.equal((await c.call('read', 'role/app'))?.data?.['role_id'], data['role_id'], 'role_id survives updates');
    await c.call('update', 'role/acct', { bound_account_id: ACCT });
    assert.deepEqual((await c.call('list', 'role/'))?.data, { keys: ['acct', 'app'] });
    assert.deepEqual((await c.call('list', 'roles/'))?.data, { keys: ['acct', 'app'] });
    await c.call('delete', 'role/acct');
    assert.equal(await c.call('read', 'role/acct'), null);
  });

  it('logs in an assumed-role session through STS and builds the auth block', async () => {
    const c = await mount();
    await c.call('update', 'config/client', { sts_endpoint: sts.url });
    await c.call('update', 'role/app', { bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/app`, token_policies: 'app', token_ttl: 600 });
    const roleId = (await c.call('read', 'role/app'))?.data?.['role_id'];
    const auth = (await login(c, APP))?.auth;
    assert.ok(auth);
    assert.deepEqual([auth.policies, auth.ttl, auth.displayName, auth.alias?.name], [['app'], 600, 'app', roleId]);
    assert.deepEqual(auth.metadata, { account_id: ACCT, auth_type: 'iam' });
    assert.equal(auth.internalData['canonical_arn'], `arn:aws:iam::${ACCT}:role/app`);
    const replayed = sts.requests.at(-1);
    assert.equal(replayed?.headers['host'], 'sts.amazonaws.com', 'the signed host is replayed');
    assert.equal(replayed?.status, 200);

    await c.call('update', 'config/identity', { iam_alias: 'unique_id', iam_metadata: 'client_arn,account_id' });
    const again = (await login(c, APP, { role: 'app' }))?.auth;
    assert.equal(again?.alias?.name, 'AROAAPPID');
    assert.deepEqual(again?.metadata, { client_arn: APP.arn, account_id: ACCT });
    await c.call('update', 'config/identity', { iam_alias: 'full_arn' });
    assert.equal((await login(c, APP))?.auth?.alias?.name, APP.arn);
    assert.deepEqual(await c.renew({ role_name: 'app', client_arn: APP.arn, canonical_arn: `arn:aws:iam::${ACCT}:role/app` }), { ttl: 600, maxTtl: 0 });
    await c.call('update', 'role/app', { bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/other` });
    await assert.rejects(c.renew({ role_name: 'app', client_arn: APP.arn, canonical_arn: `arn:aws:iam::${ACCT}:role/app` }), isWardError(400, /role no longer bound to arn/));
  });

  it("refuses with Vault's errors: server-ID header, STS refusals, unbound principal and account", async () => {
    const c = await mount();
    await c.call('update', 'config/client', { sts_endpoint: sts.url, iam_server_id_header_value: 'ward.example' });
    await c.call('update', 'role/app', { bound_iam_principal_arn: `arn:aws:iam::${ACCT}:role/*` });
    await c.call('update', 'role/acct', { bound_account_id: ACCT });
    const before = sts.requests.length;
    await assert.rejects(login(c, APP), isWardError(400, 'error validating X-Vault-AWS-IAM-Server-ID header: missing header "X-Vault-AWS-IAM-Server-ID"'));
    await assert.rejects(login(c, APP, { serverIdHeaderValue: 'evil.example' }), isWardError(400, 'error validating X-Vault-AWS-IAM-Server-ID header: expected "ward.example" but got "evil.example"'));
    assert.equal(sts.requests.length, before, 'nothing reaches STS before the header checks pass');
    const ok = { serverIdHeaderValue: 'ward.example' };
    assert.ok((await login(c, APP, ok))?.auth);
    await assert.rejects(login(c, APP, { ...ok, now: Date.now() - 20 * 60_000 }), isWardError(400, /^error making upstream request: received error code 403 from STS: .*Signature expired/s));
    await assert.rejects(login(c, { ...APP, secretAccessKey: 'forged' }, ok), isWardError(400, /SignatureDoesNotMatch/));
    await assert.rejects(login(c, BOB, { ...ok, role: 'app' }), isWardError(400, 'IAM Principal "arn:aws:iam::999999999999:user/ops/bob" does not belong to the role "app"'));
    await assert.rejects(login(c, BOB, { ...ok, role: 'acct' }), isWardError(400, 'account ID "999999999999" does not belong to role "acct"'));
    await assert.rejects(login(c, BOB, ok), isWardError(400, 'entry for role bob not found'));
    await c.call('update', 'role/app', { token_bound_cidrs: '10.0.0.0/8' });
    await assert.rejects(c.call('update', 'login', { ...iamLoginData({ credentials: APP, ...ok }) }, '192.168.0.1'), isWardError(403, /permission denied/));
  });

  it('retries 5xx answers up to max_retries and uses the client region when configured', async () => {
    const c = await mount({ stsEndpointForRegion: (r) => (r === 'eu-west-1' ? euSts.url : 'http://127.0.0.1:1') });
    await c.call('update', 'config/client', { sts_endpoint: sts.url, max_retries: 2 });
    await c.call('update', 'role/app', { bound_account_id: ACCT });
    sts.failNext(2);
    assert.ok((await login(c, APP))?.auth, 'two 503s then success');
    sts.failNext(3);
    await assert.rejects(login(c, APP), isWardError(400, /received error code 503 from STS/));
    await assert.rejects(login(c, APP, { region: 'eu-west-1' }), isWardError(400, /Credential should be scoped to a valid region, not 'eu-west-1'/));
    const badHeader = { ...iamLoginData({ credentials: APP }), iam_request_headers: { Authorization: 'x\r\nInjected: 1' } };
    await assert.rejects(c.call('update', 'login', badHeader), isWardError(400, /^error making upstream request: error sending request to STS: Invalid character in header content/));
    await c.call('update', 'config/client', { use_sts_region_from_client: true });
    assert.ok((await login(c, APP, { region: 'eu-west-1' }))?.auth);
    assert.equal(euSts.requests.at(-1)?.status, 200);
  });
});
