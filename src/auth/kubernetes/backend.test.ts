import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { silentLogger, type AuthView, type Backend, type LogicalRequest, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { createKubernetesAuthFactory, type KubernetesAuthOptions } from './index.js';
import { isWardError } from '../../../test/helpers/errors.js';

async function mount(o: KubernetesAuthOptions = {}) {
  const storage = new InmemStorage();
  const backend: Backend = await createKubernetesAuthFactory({ serviceAccountDir: '/nonexistent', ...o })({
    storage, mountPoint: 'auth/kubernetes/', mountType: 'kubernetes', logger: silentLogger,
    system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) },
  });
  const request = (operation: Operation, path: string, data: Record<string, unknown> = {}, ip = '127.0.0.1'): LogicalRequest => ({
    id: 'r', operation, path, data, storage, mountPoint: 'auth/kubernetes/', mountType: 'kubernetes', mountAccessor: 'auth_kubernetes_1',
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

describe('kubernetes auth backend', () => {
  let k: FakeKubeApiServer;
  let dir: string;
  let hang: Server;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { prod: { env: 'production' }, dev: { env: 'dev' } } });
    dir = mkdtempSync(join(tmpdir(), 'ward-k8s-sa-'));
    hang = createServer(() => {}).listen(0, '127.0.0.1');
  });
  after(async () => {
    await k.close();
    hang.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const configure = (c: Awaited<ReturnType<typeof mount>>, extra: Record<string, unknown> = {}) =>
    c.call('update', 'config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken, ...extra });

  it('stores config and never reads back the reviewer JWT', async () => {
    const c = await mount();
    assert.equal(await c.call('read', 'config'), null);
    await assert.rejects(c.call('update', 'config', {}), isWardError(400, /no host provided/));
    await assert.rejects(c.call('update', 'config', { kubernetes_host: 'ftp://x' }), isWardError(400, /scheme/));
    await assert.rejects(c.call('update', 'config', { kubernetes_host: k.url, pem_keys: ['nope'] }), isWardError(400, /pem_keys/));
    await assert.rejects(c.call('update', 'config', { kubernetes_host: k.url, token_reviewer_jwt: 'abc def' }), isWardError(400, /not a JWT/));
    await configure(c, { pem_keys: [k.publicKeyPem] });
    const data = (await c.call('read', 'config'))?.data ?? {};
    assert.equal(data['token_reviewer_jwt_set'], true);
    assert.equal(data['disable_iss_validation'], true);
    assert.equal(data['kubernetes_host'], k.url);
    assert.ok(!JSON.stringify(data).includes(k.reviewerToken));
  });

  it('stores kubernetes_ca_cert as given (a placeholder in a test config is accepted) and reports a bad one when it is used', async () => {
    const c = await mount();
    const placeholder = '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----';
    assert.equal(await c.call('update', 'config', { kubernetes_host: k.url, kubernetes_ca_cert: placeholder, token_reviewer_jwt: k.reviewerToken }), null);
    assert.equal((await c.call('read', 'config'))?.data?.['kubernetes_ca_cert'], placeholder);
    await c.call('update', 'role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod' });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app', uid: 'uid-app', audiences: ['vault'] });
    await assert.rejects(c.call('update', 'login', { role: 'app', jwt }), isWardError(500, /^invalid kubernetes_ca_cert in the auth method's config: /));
  });

  it('creates, reads, updates, lists and deletes roles with validation', async () => {
    const c = await mount();
    await assert.rejects(c.call('update', 'role/r', { bound_service_account_namespaces: 'prod' }), isWardError(400, /bound_service_account_names" can not be empty/));
    await assert.rejects(c.call('update', 'role/r', { bound_service_account_names: 'app' }), isWardError(400, /bound_service_account_namespaces" can not be empty/));
    await assert.rejects(c.call('update', 'role/r', { bound_service_account_names: '*,app', bound_service_account_namespaces: 'prod' }), isWardError(400, /can not mix/));
    await assert.rejects(c.call('update', 'role/r', { bound_service_account_names: 'app', bound_service_account_namespace_selector: 'x: y' }), isWardError(400, /namespace_selector/));
    await assert.rejects(c.call('update', 'role/r', { bound_service_account_names: 'app', bound_service_account_namespaces: 'p', alias_name_source: 'x' }), isWardError(400, /alias_name_source/));
    const created = await c.call('update', 'role/r', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', token_policies: 'a,b', token_ttl: '1h' });
    assert.match(created?.warnings?.[0] ?? '', /audience/);
    await c.call('update', 'role/r', { audience: 'vault', token_max_ttl: 7200 });
    const data = (await c.call('read', 'role/r'))?.data ?? {};
    assert.deepEqual(
      [data['bound_service_account_names'], data['bound_service_account_namespaces'], data['audience'], data['alias_name_source'], data['token_policies'], data['token_ttl'], data['token_max_ttl']],
      [['app'], ['prod'], 'vault', 'serviceaccount_uid', ['a', 'b'], 3600, 7200],
    );
    await c.call('update', 'role/s', { bound_service_account_names: '*', bound_service_account_namespace_selector: '{"matchLabels":{"env":"dev"}}' });
    assert.deepEqual((await c.call('list', 'role/'))?.data, { keys: ['r', 's'] });
    await c.call('delete', 'role/r');
    assert.equal(await c.call('read', 'role/r'), null);
  });

  it('logs in through TokenReview and builds the auth block', async () => {
    const c = await mount();
    await configure(c);
    await c.call('update', 'role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'vault', token_policies: 'app', token_ttl: 600 });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app', uid: 'uid-app', audiences: ['vault'] });
    const auth = (await c.call('update', 'login', { role: 'app', jwt }))?.auth;
    assert.ok(auth);
    assert.deepEqual(auth.metadata, { role: 'app', service_account_name: 'app', service_account_namespace: 'prod', service_account_secret_name: '', service_account_uid: 'uid-app' });
    assert.equal(auth.displayName, 'prod-app');
    assert.equal(auth.alias?.name, 'uid-app');
    assert.deepEqual([auth.policies, auth.ttl, auth.renewable, auth.internalData], [['app'], 600, true, { role: 'app' }]);
    assert.deepEqual(k.reviews.at(-1)?.audiences, ['vault']);
    await c.call('update', 'role/app', { alias_name_source: 'serviceaccount_name' });
    assert.equal((await c.call('update', 'login', { role: 'app', jwt }))?.auth?.alias?.name, 'prod/app');
    await assert.rejects(c.call('update', 'login', { jwt }), isWardError(400, /missing role/));
    await assert.rejects(c.call('update', 'login', { role: 'app' }), isWardError(400, /missing jwt/));
  });

  it('enforces token_bound_cidrs at login and the role on renewal', async () => {
    const c = await mount();
    await configure(c);
    await c.call('update', 'role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', token_bound_cidrs: '10.0.0.0/8', token_ttl: 90 });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app' });
    await assert.rejects(c.call('update', 'login', { role: 'app', jwt }, '192.168.1.1'), isWardError(403, /permission denied/));
    assert.ok((await c.call('update', 'login', { role: 'app', jwt }, '10.1.2.3'))?.auth);
    assert.deepEqual(await c.renew({ role: 'app' }), { ttl: 90, maxTtl: 0 });
    await c.call('delete', 'role/app');
    await assert.rejects(c.renew({ role: 'app' }), isWardError(400, /role "app" does not exist during renewal/));
  });

  it('evaluates the namespace selector against the API server', async () => {
    const c = await mount();
    await configure(c);
    await c.call('update', 'role/sel', { bound_service_account_names: 'app', bound_service_account_namespace_selector: '{"matchLabels":{"env":"production"}}' });
    assert.ok((await c.call('update', 'login', { role: 'sel', jwt: await k.issueToken({ namespace: 'prod', name: 'app' }) }))?.auth);
    const devJwt = await k.issueToken({ namespace: 'dev', name: 'app' });
    await assert.rejects(c.call('update', 'login', { role: 'sel', jwt: devJwt }), isWardError(403, /^namespace not authorized$/));
    k.setNamespaceLabels('dev', { env: 'production' });
    assert.ok((await c.call('update', 'login', { role: 'sel', jwt: devJwt }))?.auth);
  });

  it("uses the pod's own token and CA unless disable_local_ca_jwt, else the client's JWT", async () => {
    writeFileSync(join(dir, 'token'), `${k.reviewerToken}\n`);
    writeFileSync(join(dir, 'ca.crt'), k.caPem);
    const c = await mount({ serviceAccountDir: dir });
    await c.call('update', 'config', { kubernetes_host: k.url });
    await c.call('update', 'role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod' });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app' });
    assert.ok((await c.call('update', 'login', { role: 'app', jwt }))?.auth);

    // Vault's rule: without the pod's CA, the config must carry one.
    await assert.rejects(c.call('update', 'config', { kubernetes_host: k.url, disable_local_ca_jwt: true }), isWardError(400, /^kubernetes_ca_cert must be given when disable_local_ca_jwt is true$/));
    await c.call('update', 'config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, disable_local_ca_jwt: true });
    // The client's JWT reviews itself: its service account needs system:auth-delegator.
    const vaultOnly = await k.issueToken({ namespace: 'prod', name: 'app', audiences: ['vault'] });
    await assert.rejects(c.call('update', 'login', { role: 'app', jwt: vaultOnly }), isWardError(403, /service account unauthorized; it may have been deleted/));
    await assert.rejects(c.call('update', 'login', { role: 'app', jwt }), isWardError(403, /cannot create resource "tokenreviews"/));
    k.setAuthDelegator('prod', 'app', true);
    assert.ok((await c.call('update', 'login', { role: 'app', jwt }))?.auth);
    assert.equal(k.reviews.at(-1)?.caller, 'system:serviceaccount:prod:app');
    k.setAuthDelegator('prod', 'app', false);
  });

  it('bounds API calls with a timeout', async () => {
    const c = await mount({ timeoutMs: 200 });
    const port = (hang.address() as { port: number }).port;
    await c.call('update', 'config', { kubernetes_host: `http://127.0.0.1:${port}`, token_reviewer_jwt: k.reviewerToken });
    await c.call('update', 'role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod' });
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app' });
    await assert.rejects(c.call('update', 'login', { role: 'app', jwt }), isWardError(502, /did not answer in time/));
  });
});
