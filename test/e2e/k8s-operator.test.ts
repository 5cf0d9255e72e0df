/**
 * The secrets operator end to end, as a platform team installs it and an application team
 * uses it: deploy/crds/ applied unchanged to the fake cluster, a Ward server behind TLS with
 * Kubernetes auth against the fake, the default VaultConnection and VaultAuth in the
 * operator's namespace, and real `ward k8s secrets-operator` processes run as
 * deploy/kubernetes/secrets-operator.yaml says (its arguments, service account and RBAC).
 * A VaultStaticSecret written as for HashiCorp's operator creates the Secret with the KV data;
 * a KV write reaches it after refreshAfter and restarts the named Deployment once (and an
 * operator restart restarts nothing); a hand edit and a deletion are undone; deleting the
 * resource deletes the Secret; a bad resource gets a condition saying what is wrong.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PatchStrategy, setHeaderOptions, type AppsV1Api, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import type { WardProcess } from '../helpers/process.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OP_NS, OperatorEnv, RESTARTED_AT, text, type OperatorProcess } from './operator-harness.js';

type Status = { secretMAC?: string; lastGeneration?: number; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator end to end: VaultStaticSecret → Secret, refresh, rollout, drift, GC', { timeout: 180_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-e2e-' });
  let ward: TestServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: OperatorProcess;
  const startOperator = (leading = true) => env.startOperator({ leading });

  before(async () => {
    await env.start();
    ({ ward, core, apps, custom } = env);
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { username: 'appuser', password: 'p-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }), 'policy');
    await env.kubernetesRole('app', 'app');
    await env.deployment('web');
    operator = await startOperator();
  });

  after(() => env.close());

  const vss = (name: string, spec: Record<string, unknown>) => custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', metadata: { name }, spec } });
  const status = async (name: string) => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name })) as { status?: Status }).status ?? {};
  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const restartedAt = async () => (await apps.readNamespacedDeployment({ namespace: APP_NS, name: 'web' })).spec?.template.metadata?.annotations?.[RESTARTED_AT];
  const events = async (name: string) => (await core.listNamespacedEvent({ namespace: APP_NS })).items
    .filter((e) => e.involvedObject.kind === 'VaultStaticSecret' && e.involvedObject.name === name).map((e) => `${e.type} ${e.reason}: ${e.message}`);
  const restarts = () => operator.stderr().split('\n').filter((l) => l.includes('rollout restart triggered')).length;

  test('a VaultStaticSecret creates its Secret with the KV data, owned by the resource; the first sync restarts nothing', async () => {
    await vss('app-config', { mount: 'secret', type: 'kv-v2', path: 'app/config', refreshAfter: '1s', rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'app-config', create: true, labels: { team: 'a' } } });
    const s = await waitFor('the destination Secret', () => secret('app-config'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text(s.data, 'username'), 'appuser');
    assert.equal(text(s.data, 'password'), 'p-1');
    assert.deepEqual(JSON.parse(text(s.data, '_raw') ?? '{}').data, { username: 'appuser', password: 'p-1' });
    assert.equal(s.type, 'Opaque');
    assert.equal(s.metadata?.labels?.['team'], 'a');
    assert.equal(s.metadata?.labels?.['app.kubernetes.io/managed-by'], 'hashicorp-vso');
    assert.deepEqual(s.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['VaultStaticSecret/app-config']);
    const st = await waitFor('status.secretMAC', async () => { const x = await status('app-config'); return x.secretMAC ? x : undefined; });
    assert.equal(st.conditions?.find((c) => c.type === 'SecretSynced')?.status, 'True');
    assert.equal(st.lastGeneration, 1);
    assert.doesNotMatch(JSON.stringify(st), /p-1|appuser/, 'no plaintext in status');
    assert.equal(await restartedAt(), undefined);
    assert.equal(restarts(), 0);
    for (const plural of ['vaultconnections', 'vaultauths']) {
      await waitFor(`the default ${plural} valid`, async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: OP_NS, plural, name: 'default' })) as { status?: { valid?: boolean } }).status?.valid === true);
    }
  });

  test('a KV write reaches the Secret after refreshAfter and restarts the Deployment once', async (t) => {
    const mac0 = (await status('app-config')).secretMAC;
    const written = Date.now();
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { username: 'appuser', password: 'p-2' } } }), 'kv write');
    await waitFor('the new password in the Secret', async () => text((await secret('app-config'))?.data, 'password') === 'p-2', { timeoutMs: 20_000, context: () => operator.stderr() });
    // Reported, not asserted: with refreshAfter 1s it should be about a second.
    t.diagnostic(`KV write to updated Secret: ${Date.now() - written} ms (refreshAfter 1s)`);
    const at = await waitFor('the restart annotation', () => restartedAt(), { timeoutMs: 10_000 });
    assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await waitFor('the new MAC in status', async () => ((await status('app-config')).secretMAC !== mac0 ? true : undefined));
    assert.equal(restarts(), 1);
    const ev = await waitFor('the rollout event', async () => { const x = await events('app-config'); return x.some((e) => e.includes('RolloutRestartTriggered')) ? x : undefined; });
    assert.ok(ev.includes('Normal SecretSynced: Secret synced'), ev.join('\n'));
    assert.ok(ev.includes('Normal RolloutRestartTriggered: Rollout restart triggered for Deployment web'), ev.join('\n'));
  });

  test('a hand edit of the Secret is reverted, and a deleted Secret comes back', async () => {
    const s = await secret('app-config');
    assert.ok(s);
    await core.replaceNamespacedSecret({ namespace: APP_NS, name: 'app-config', body: { ...s, data: { ...s.data, password: Buffer.from('hacked').toString('base64') } } });
    await waitFor('the edit reverted', async () => text((await secret('app-config'))?.data, 'password') === 'p-2', { timeoutMs: 10_000, context: () => operator.stderr() });
    await core.deleteNamespacedSecret({ namespace: APP_NS, name: 'app-config' });
    await waitFor('the Secret re-created', async () => text((await secret('app-config'))?.data, 'password') === 'p-2', { timeoutMs: 10_000, context: () => operator.stderr() });
    // Both took reconciles (with refreshes in between): still the one restart of the KV change.
    assert.equal(restarts(), 1, 'restoring the same data is not a change');
    assert.ok((await events('app-config')).some((e) => e.startsWith('Normal SecretDataDrift: ')));
  });

  test('an operator restart restarts no workload', async () => {
    const at = await restartedAt();
    await operator.kill();
    operator = await startOperator();
    // A reconcile has run in the new process once it reverts a hand edit.
    const s = await secret('app-config');
    assert.ok(s);
    await core.replaceNamespacedSecret({ namespace: APP_NS, name: 'app-config', body: { ...s, data: { ...s.data, username: Buffer.from('x').toString('base64') } } });
    await waitFor('the edit reverted by the new process', async () => text((await secret('app-config'))?.data, 'username') === 'appuser', { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(await restartedAt(), at);
    assert.equal(restarts(), 0);
  });

  test('two replicas: only the leader writes; stopping it hands over', async () => {
    const a = operator;
    const b = await startOperator(false);
    const count = (p: WardProcess, what: string) => p.stderr().split('\n').filter((l) => l.includes(what)).length;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { username: 'appuser', password: 'p-3' } } }), 'kv write');
    await waitFor('p-3 in the Secret', async () => text((await secret('app-config'))?.data, 'password') === 'p-3', { timeoutMs: 20_000, context: () => a.stderr() });
    await waitFor('the leader restarting the Deployment', () => count(a, 'rollout restart triggered') === 1, { context: () => a.stderr() });
    assert.equal(count(b, 'became leader'), 0);
    assert.equal(count(b, 'secret synced') + count(b, 'rollout restart triggered'), 0, 'the standby wrote nothing');
    const metrics = await (await fetch(`http://127.0.0.1:${b.metricsPort}/metrics`)).text();
    assert.match(metrics, /^workqueue_depth\{name="vaultstaticsecret"\} \d+$/m);
    assert.equal((await fetch(`http://127.0.0.1:${b.healthPort}/healthz`)).status, 200);
    // SIGTERM: the leader releases the Lease on the way out, so the standby takes over at once.
    await a.kill('SIGTERM');
    await waitFor('the standby to lead', () => /became leader/.test(b.stderr()), { timeoutMs: 30_000, context: () => b.stderr() });
    operator = b;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { username: 'appuser', password: 'p-4' } } }), 'kv write');
    await waitFor('p-4 in the Secret, written by the new leader', async () => text((await secret('app-config'))?.data, 'password') === 'p-4', { timeoutMs: 20_000, context: () => b.stderr() });
    await waitFor('the new leader restarting the Deployment once', () => count(b, 'rollout restart triggered') === 1, { context: () => b.stderr() });
  });

  test('a bad VaultStaticSecret gets a condition naming the problem, and nothing is written', async () => {
    await vss('bad-refresh', { mount: 'secret', type: 'kv-v2', path: 'app/config', refreshAfter: 'soon', destination: { name: 'bad-refresh', create: true } });
    await vss('no-destination', { mount: 'secret', type: 'kv-v2', path: 'app/config', destination: { create: true } });
    for (const [name, msg] of [['bad-refresh', 'spec.refreshAfter: invalid duration "soon" (want e.g. 30s, 5m, 1h)'], ['no-destination', 'spec.destination.name: required']] as const) {
      const c = await waitFor(`${name}: a Ready=False condition`, async () => (await status(name)).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
      assert.equal(c.message, msg);
      assert.equal(c.reason, 'InvalidResource');
      assert.deepEqual(await events(name), [`Warning InvalidResource: ${msg}`], 'one event, no hot loop');
    }
    assert.equal(await secret('bad-refresh'), undefined);
  });

  test('a VaultAuth with an unknown method is reported on the resources that use it', async () => {
    await custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultauths', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultAuth', metadata: { name: 'ldap' }, spec: { method: 'ldap', mount: 'ldap' } } });
    await vss('via-ldap', { vaultAuthRef: 'ldap', mount: 'secret', type: 'kv-v2', path: 'app/config', destination: { name: 'via-ldap', create: true } });
    const c = await waitFor('a Ready=False condition', async () => (await status('via-ldap')).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(c.message, 'VaultAuth apps/ldap: spec.method: unsupported value "ldap": supported values: "kubernetes", "jwt", "appRole", "aws", "gcp"');
    const authStatus = async () => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultauths', name: 'ldap' })) as { status?: { valid?: boolean; error?: string } }).status;
    const bad = await waitFor('the VaultAuth\'s own status', async () => { const x = await authStatus(); return x?.valid === false ? x : undefined; });
    assert.equal(bad.error, 'spec.method: unsupported value "ldap": supported values: "kubernetes", "jwt", "appRole", "aws", "gcp"');
    // Fixing the VaultAuth wakes the resources that use it (no wait for a resync).
    await custom.patchNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultauths', name: 'ldap', body: { spec: { method: 'kubernetes', mount: 'kubernetes', vaultConnectionRef: `${OP_NS}/default`, kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor('the Secret once the VaultAuth is fixed', async () => text((await secret('via-ldap'))?.data, 'username') === 'appuser', { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('Ready=True', async () => (await status('via-ldap')).conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
    await waitFor('the VaultAuth valid', async () => { const x = await authStatus(); return x?.valid === true && x.error === '' ? x : undefined; });
  });

  test('deleting the VaultStaticSecret deletes its Secret (garbage collection through the owner reference)', async () => {
    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: 'app-config' });
    await waitFor('the Secret gone', async () => (await secret('app-config')) === undefined, { timeoutMs: 10_000 });
  });
});
