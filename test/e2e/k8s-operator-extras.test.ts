/**
 * The secrets operator beyond VSO, end to end (set up by operator-harness.ts: the CRDs and
 * deploy/kubernetes/secrets-operator.yaml applied unchanged to the fake cluster, a Ward
 * server behind TLS, real `ward k8s secrets-operator` processes under the manifest's RBAC):
 * a ConfigMap destination is synced, repaired and garbage-collected; a Secret merged from two
 * paths follows a write to either; a key two paths would both write is reported; and an
 * operator restart with 20 synced resources writes nothing and restarts no workload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { APP_NS, G, must, OperatorEnv, RESTARTED_AT, text, type OperatorProcess } from './operator-harness.js';

type Status = { secretMAC?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator extensions: ConfigMap destinations, merged paths, restarts at rest', { timeout: 240_000 }, () => {
  const env = new OperatorEnv({ dirPrefix: 'ward-operator-extras-' });
  let ward: TestServer;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: OperatorProcess;
  const startOperator = () => env.startOperator();
  const metric = async (re: RegExp) => Number(re.exec(await (await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`)).text())?.[1] ?? NaN);

  before(async () => {
    await env.start();
    ({ ward, kube, core, apps, custom } = env);
    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { region: 'eu-1', url: 'https://api.example' } } }), 'kv write');
    await must(api(ward, 'POST', 'secret/data/app/db', { token: T, body: { data: { username: 'db-user', password: 'db-1' } } }), 'kv write');
    await must(api(ward, 'POST', 'secret/data/app/cache', { token: T, body: { data: { password: 'cache-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }), 'policy');
    await env.kubernetesRole('app', 'app');
    operator = await startOperator();
  });

  after(() => env.close());

  const vss = (name: string, spec: Record<string, unknown>) => custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', metadata: { name }, spec } });
  const status = async (name: string) => ((await custom.getNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name })) as { status?: Status }).status ?? {};
  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const configMap = (name: string) => core.readNamespacedConfigMap({ namespace: APP_NS, name }).catch(() => undefined);
  const kvWrite = (path: string, data: Record<string, string>) => must(api(ward, 'POST', `secret/data/${path}`, { token: ward.rootToken, body: { data } }), `kv write ${path}`);

  test('a ConfigMap destination: plain values, owned by the resource; a hand edit and a deletion are undone; deleting the resource deletes it', async () => {
    await vss('app-settings', { mount: 'secret', type: 'kv-v2', path: 'app/config', refreshAfter: '1h', destination: { name: 'app-settings', create: true, kind: 'ConfigMap', labels: { team: 'a' } } });
    const cm = await waitFor('the ConfigMap', () => configMap('app-settings'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(cm.data?.['region'], 'eu-1');
    assert.equal(cm.data?.['url'], 'https://api.example');
    assert.deepEqual(JSON.parse(cm.data?.['_raw'] ?? '{}').data, { region: 'eu-1', url: 'https://api.example' });
    assert.equal(cm.metadata?.labels?.['team'], 'a');
    assert.deepEqual(cm.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['VaultStaticSecret/app-settings']);
    assert.equal(await secret('app-settings'), undefined, 'no Secret besides');
    await waitFor('SecretSynced', async () => (await status('app-settings')).conditions?.some((c) => c.type === 'SecretSynced' && c.status === 'True'));

    await core.replaceNamespacedConfigMap({ namespace: APP_NS, name: 'app-settings', body: { ...cm, data: { ...cm.data, region: 'hacked' } } });
    await waitFor('the edit reverted', async () => (await configMap('app-settings'))?.data?.['region'] === 'eu-1', { timeoutMs: 10_000, context: () => operator.stderr() });
    await core.deleteNamespacedConfigMap({ namespace: APP_NS, name: 'app-settings' });
    await waitFor('the ConfigMap re-created', async () => (await configMap('app-settings'))?.data?.['region'] === 'eu-1', { timeoutMs: 10_000, context: () => operator.stderr() });

    await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: 'app-settings' });
    await waitFor('the ConfigMap gone', async () => (await configMap('app-settings')) === undefined, { timeoutMs: 10_000 });
  });

  test('a Secret merged from two paths follows a write to either', async () => {
    await vss('app-creds', { mount: 'secret', type: 'kv-v2', path: 'app/db', refreshAfter: '1s', additionalPaths: [{ path: 'app/cache', keyPrefix: 'cache_' }], destination: { name: 'app-creds', create: true } });
    const s = await waitFor('the merged Secret', () => secret('app-creds'), { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.deepEqual(Object.keys(s.data ?? {}).sort(), ['_raw', 'cache_password', 'password', 'username']);
    assert.equal(text(s.data, 'password'), 'db-1');
    assert.equal(text(s.data, 'cache_password'), 'cache-1');
    await kvWrite('app/cache', { password: 'cache-2' });
    await waitFor('the second path\'s write', async () => text((await secret('app-creds'))?.data, 'cache_password') === 'cache-2', { timeoutMs: 20_000, context: () => operator.stderr() });
    await kvWrite('app/db', { username: 'db-user', password: 'db-2' });
    await waitFor('the first path\'s write', async () => text((await secret('app-creds'))?.data, 'password') === 'db-2', { timeoutMs: 20_000, context: () => operator.stderr() });
    assert.equal(text((await secret('app-creds'))?.data, 'cache_password'), 'cache-2');
  });

  test('a key two paths would both write is reported as an invalid resource, and nothing is written', async () => {
    await vss('clash', { mount: 'secret', type: 'kv-v2', path: 'app/db', additionalPaths: [{ path: 'app/cache' }], destination: { name: 'clash', create: true } });
    const c = await waitFor('Ready=False', async () => (await status('clash')).conditions?.find((x) => x.type === 'Ready' && x.status === 'False'), { timeoutMs: 10_000, context: () => operator.stderr() });
    assert.equal(c.reason, 'InvalidResource');
    assert.equal(c.message, 'spec.additionalPaths[0]: key "password" also comes from spec.path (set a keyPrefix)');
    assert.equal(await secret('clash'), undefined);
  });

  test('an operator restart with 20 synced resources writes no Secret and restarts no workload', async () => {
    // Only these 20 remain, so the new process's reconcile count is theirs alone.
    for (const n of ['app-creds', 'clash']) await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: n });
    const names = Array.from({ length: 20 }, (_, i) => `bulk-${i}`);
    for (const n of names) {
      await apps.createNamespacedDeployment({ namespace: APP_NS, body: {
        metadata: { name: n },
        spec: { selector: { matchLabels: { app: n } }, template: { metadata: { labels: { app: n } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      } });
      await vss(n, { mount: 'secret', type: 'kv-v2', path: 'app/db', refreshAfter: '1h', rolloutRestartTargets: [{ kind: 'Deployment', name: n }], destination: { name: n, create: true } });
    }
    for (const n of names) await waitFor(`${n} synced with its MAC`, async () => (await status(n)).secretMAC !== undefined && (await secret(n)) !== undefined, { timeoutMs: 30_000, context: () => operator.stderr() });
    const snapshot = async () => Promise.all(names.map(async (n) => ({
      secret: (await secret(n))?.metadata?.resourceVersion,
      template: JSON.stringify((await apps.readNamespacedDeployment({ namespace: APP_NS, name: n })).spec?.template.metadata?.annotations ?? {}),
    })));
    const before = await snapshot();
    assert.ok(before.every((b) => b.secret && !b.template.includes(RESTARTED_AT)), 'the first sync restarts nothing');

    // Counted from before the restart: the new process may reconcile (and write) before the
    // test sees it lead.
    const recorded = kube.requests.length;
    await operator.kill('SIGKILL');
    operator = await startOperator();
    // Every resource has been reconciled by the new process once its reconcile count covers them all and its queue is empty.
    const reconciled = /^controller_runtime_reconcile_total\{controller="vaultstaticsecret",result="requeue_after"\} (\d+)$/m;
    await waitFor('the new process to reconcile every resource', async () => (await metric(reconciled)) >= names.length
      && (await metric(/^workqueue_depth\{name="vaultstaticsecret"\} (\d+)$/m)) === 0, { timeoutMs: 30_000, context: () => operator.stderr() });
    assert.deepEqual(await snapshot(), before, 'Secrets and pod templates untouched');
    const writes = kube.requests.slice(recorded).filter((r) => r.user === 'system:serviceaccount:ward:ward-secrets-operator'
      && ['create', 'update', 'patch', 'delete'].includes(r.verb) && ['secrets', 'deployments'].includes(r.resource));
    assert.deepEqual(writes.map((r) => `${r.verb} ${r.resource}/${r.name}`), []);
    assert.doesNotMatch(operator.stderr(), /rollout restart triggered|secret synced/);
  });
});
