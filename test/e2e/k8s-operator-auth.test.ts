/**
 * The secrets operator's login methods and client cache end to end: deploy/crds/ on the fake
 * cluster, a Ward server behind TLS with Kubernetes auth, AppRole and transit, and real
 * `ward k8s secrets-operator` processes run as deploy/kubernetes/secrets-operator.yaml says,
 * with `--client-cache-persistence-model=direct-encrypted`. A VaultStaticSecret syncs through
 * an appRole VaultAuth and through a VaultAuth whose settings come from a VaultAuthGlobal (and
 * a change to the global reaches it); the cached Ward tokens are persisted in Secrets of the
 * operator's namespace encrypted with transit, and a restarted operator reuses them (no new
 * login in Ward's token accessors).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import type { WardProcess } from '../helpers/process.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OP_NS, OperatorEnv, text, type Condition } from './operator-harness.js';

describe('secrets operator end to end: appRole, VaultAuthGlobal, the encrypted client cache across a restart', { timeout: 180_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-auth-e2e-', operatorArgs: ['--client-cache-persistence-model=direct-encrypted'], defaultVaultAuth: false });
  let ward: TestServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;
  const startOperator = () => env.startOperator();
  const cr = env.cr.bind(env);

  before(async () => {
    await env.start();
    ({ ward, core, custom } = env);
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { username: 'appuser', password: 'p-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }), 'app policy');
    await must(api(ward, 'PUT', 'sys/policies/acl/cache', { token: T, body: { policy: 'path "transit/encrypt/vso-cache" { capabilities = ["update"] }\npath "transit/decrypt/vso-cache" { capabilities = ["update"] }' } }), 'cache policy');
    await must(api(ward, 'POST', 'sys/mounts/transit', { token: T, body: { type: 'transit' } }), 'transit');
    await must(api(ward, 'POST', 'transit/keys/vso-cache', { token: T, body: {} }), 'transit key');
    await env.kubernetesRole('app', 'app');
    await env.kubernetesRole('cache', 'cache', 'cache', OP_NS);
    await must(api(ward, 'POST', 'sys/auth/approle', { token: T, body: { type: 'approle' } }), 'approle auth');
    await must(api(ward, 'POST', 'auth/approle/role/app', { token: T, body: { token_policies: 'app', token_ttl: '1h' } }), 'approle role');
    // JWT auth that trusts the cluster's service-account issuer (its signing key, no TokenReview).
    await must(api(ward, 'POST', 'sys/auth/jwt', { token: T, body: { type: 'jwt' } }), 'jwt auth');
    await must(api(ward, 'POST', 'auth/jwt/config', { token: T, body: { jwt_validation_pubkeys: [env.kube.publicKeyPem], bound_issuer: env.kube.issuer } }), 'jwt config');
    await must(api(ward, 'POST', 'auth/jwt/role/app', { token: T, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'vault', bound_subject: `system:serviceaccount:${APP_NS}:app`, token_policies: 'app', token_ttl: '1h' } }), 'jwt role');
    const roleId = (await must(api(ward, 'GET', 'auth/approle/role/app/role-id', { token: T }), 'role id')).data.role_id as string;
    const secretId = (await must(api(ward, 'POST', 'auth/approle/role/app/secret-id', { token: T, body: {} }), 'secret id')).data.secret_id as string;

    await core.createNamespacedServiceAccount({ namespace: OP_NS, body: { metadata: { name: 'cache' } } });
    await core.createNamespacedSecret({ namespace: APP_NS, body: { metadata: { name: 'approle-secret' }, stringData: { id: secretId } } });
    // The operator's own VaultAuth for the client cache's encryption, labelled as for VSO.
    await cr('vaultauths', 'VaultAuth', OP_NS, 'cache-encryption', { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'cache', serviceAccount: 'cache', audiences: ['vault'] }, storageEncryption: { mount: 'transit', keyName: 'vso-cache' } }, { cacheStorageEncryption: 'true' });
    await cr('vaultauths', 'VaultAuth', APP_NS, 'approle', { method: 'appRole', mount: 'approle', vaultConnectionRef: `${OP_NS}/default`, appRole: { roleId, secretRef: 'approle-secret' } });
    await cr('vaultauths', 'VaultAuth', APP_NS, 'jwt', { method: 'jwt', mount: 'jwt', vaultConnectionRef: `${OP_NS}/default`, jwt: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } });
    operator = await startOperator();
  });

  after(() => env.close());

  const vss = (name: string, vaultAuthRef: string) => cr('vaultstaticsecrets', 'VaultStaticSecret', APP_NS, name, { vaultAuthRef, mount: 'secret', type: 'kv-v2', path: 'app/config', destination: { name, create: true } });
  const secret = (name: string, namespace = APP_NS) => core.readNamespacedSecret({ namespace, name }).catch(() => undefined);
  const conditions = async (name: string) => (((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name })) as { status?: { conditions?: Condition[] } }).status?.conditions ?? []);
  /** Accessors of the Ward tokens that can read the app's secret (every login as the app). */
  const appAccessors = async () => {
    const keys = (await must(api(ward, 'LIST', 'auth/token/accessors', { token: ward.rootToken }), 'accessors')).data.keys as string[];
    const out: string[] = [];
    for (const accessor of keys) {
      const d = (await must(api(ward, 'POST', 'auth/token/lookup-accessor', { token: ward.rootToken, body: { accessor } }), 'lookup-accessor')).data as { policies: string[] };
      if (d.policies.includes('app')) out.push(accessor);
    }
    return out.sort();
  };
  const cacheSecrets = async () => (await core.listNamespacedSecret({ namespace: OP_NS, labelSelector: 'app.kubernetes.io/component=client-cache-storage' })).items;

  test('a VaultStaticSecret syncs through an appRole VaultAuth (role_id, and the secret ID from its Secret)', async () => {
    await vss('via-approle', 'approle');
    const s = await waitFor('the destination Secret', () => secret('via-approle'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text(s.data, 'password'), 'p-1');
  });

  test('a VaultStaticSecret syncs through a jwt VaultAuth (a TokenRequest token of the service account, verified by Ward\'s JWT auth)', async () => {
    await vss('via-jwt', 'jwt');
    const s = await waitFor('the destination Secret', () => secret('via-jwt'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text(s.data, 'password'), 'p-1');
  });

  test('an appRole VaultAuth whose Secret is missing: the resource\'s condition says which Secret', async () => {
    await cr('vaultauths', 'VaultAuth', APP_NS, 'approle-broken', { method: 'appRole', mount: 'approle', vaultConnectionRef: `${OP_NS}/default`, appRole: { roleId: 'r', secretRef: 'no-such-secret' } });
    await vss('via-broken', 'approle-broken');
    const c = await waitFor('Ready=False', async () => (await conditions('via-broken')).find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(c.message, `appRole secretRef: Secret ${APP_NS}/no-such-secret not found`);
  });

  test('a VaultAuth that takes method, mount, role and connection from a VaultAuthGlobal syncs; a change to the global reaches it', async () => {
    await cr('vaultauthglobals', 'VaultAuthGlobal', OP_NS, 'shared', { allowedNamespaces: [APP_NS], defaultAuthMethod: 'kubernetes', vaultConnectionRef: `${OP_NS}/default`, kubernetes: { mount: 'kubernetes', role: 'app', serviceAccount: 'app', audiences: ['vault'] } });
    await cr('vaultauths', 'VaultAuth', APP_NS, 'via-global', { vaultAuthGlobalRef: { name: 'shared', namespace: OP_NS } });
    await vss('via-global', 'via-global');
    const s = await waitFor('the destination Secret', () => secret('via-global'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text(s.data, 'username'), 'appuser');
    const authStatus = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultauths', name: 'via-global' })) as { status?: { valid?: boolean } }).status;
    await waitFor('the VaultAuth valid on its own', async () => (await authStatus())?.valid === true);
    // No refreshAfter: only the VaultAuthGlobal's watch can bring this about.
    await custom.patchNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauthglobals', name: 'shared', body: { spec: { kubernetes: { role: 'no-such-role' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const c = await waitFor('Ready=False after the global changed', async () => (await conditions('via-global')).find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.match(c.message, /^login to auth\/kubernetes\/login with role "no-such-role" as service account apps\/app failed: /);
    await custom.patchNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauthglobals', name: 'shared', body: { spec: { kubernetes: { role: 'app' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor('Ready=True again', async () => (await conditions('via-global')).some((x) => x.type === 'Ready' && x.status === 'True'), { timeoutMs: 20_000, context: () => operator.stderr() });
  });

  test('the cached tokens are persisted encrypted with transit: the cache Secret holds no token in plaintext', async () => {
    const accessors = await appAccessors();
    const items = await waitFor('a cache Secret per cached app token', async () => { const x = await cacheSecrets(); return x.length >= 2 ? x : undefined; }, { timeoutMs: 10_000 });
    let found = 0;
    for (const s of items) {
      assert.equal(s.metadata?.labels?.['encrypted'], 'true');
      assert.equal(s.metadata?.labels?.['vaultTransitRef'], 'cache-encryption');
      const ciphertext = text(s.data, 'secret') ?? '';
      assert.match(ciphertext, /^vault:v1:/);
      // Decrypted with root's transit access: a token of the app's logins, which appears nowhere in the Secret.
      const plain = (await must(api(ward, 'POST', 'transit/decrypt/vso-cache', { token: ward.rootToken, body: { ciphertext } }), 'decrypt')).data.plaintext as string;
      const entry = JSON.parse(Buffer.from(plain, 'base64').toString('utf8')) as { token: string; accessor: string; ttlMs: number };
      assert.ok(entry.token.length > 10);
      assert.ok(entry.ttlMs > 0, 'the expiry is persisted too');
      const raw = JSON.stringify(s);
      assert.ok(!raw.includes(entry.token) && !Object.values(s.data ?? {}).some((v) => Buffer.from(v, 'base64').toString('utf8').includes(entry.token)), 'no plaintext token in the Secret');
      if (accessors.includes(entry.accessor)) found++;
    }
    assert.ok(found >= 2, `the persisted tokens are the app's logins (${found})`);
  });

  test('a restarted operator reuses the persisted tokens: no new login as the app', async () => {
    const before = await appAccessors();
    await operator.kill();
    operator = await startOperator();
    // A reconcile in the new process: it reverts a hand edit, which needs a read from Ward.
    for (const name of ['via-approle', 'via-global']) {
      const s = await secret(name);
      assert.ok(s);
      await core.replaceNamespacedSecret({ namespace: APP_NS, name, body: { ...s, data: { ...s.data, password: Buffer.from('hacked').toString('base64') } } });
      await waitFor(`${name}: the edit reverted by the new process`, async () => text((await secret(name))?.data, 'password') === 'p-1', { timeoutMs: 20_000, context: () => operator.stderr() });
    }
    assert.deepEqual(await appAccessors(), before, 'the same token accessors: nothing re-issued');
    assert.match(operator.stderr(), /reusing the persisted Ward token/);
  });

  test('a cache entry that does not decrypt: the restarted operator says so and logs in instead', async () => {
    const before = await appAccessors();
    for (const s of await cacheSecrets()) {
      await core.replaceNamespacedSecret({ namespace: OP_NS, name: s.metadata?.name ?? '', body: { ...s, data: { secret: Buffer.from('vault:v1:bm90IGEgY2lwaGVydGV4dA==').toString('base64') } } });
    }
    await operator.kill();
    operator = await startOperator();
    const s = await secret('via-approle');
    assert.ok(s);
    await core.replaceNamespacedSecret({ namespace: APP_NS, name: 'via-approle', body: { ...s, data: { ...s.data, password: Buffer.from('hacked').toString('base64') } } });
    await waitFor('the edit reverted by the new process', async () => text((await secret('via-approle'))?.data, 'password') === 'p-1', { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.match(operator.stderr(), /could not restore the persisted Ward token; logging in/);
    const after = await appAccessors();
    assert.ok(after.some((a) => !before.includes(a)), 'a new login');
    assert.doesNotMatch(operator.stderr(), /hvs\./, 'no token in the log');
  });
});
