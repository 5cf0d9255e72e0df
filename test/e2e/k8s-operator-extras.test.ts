/**
 * The secrets operator beyond VSO, end to end (set up as k8s-operator.test.ts: the CRDs and
 * deploy/kubernetes/secrets-operator.yaml applied unchanged to the fake cluster, a Ward
 * server behind TLS, real `ward k8s secrets-operator` processes under the manifest's RBAC):
 * a ConfigMap destination is synced, repaired and garbage-collected; a Secret merged from two
 * paths follows a write to either; a key two paths would both write is reported; and an
 * operator restart with 20 synced resources writes nothing and restarts no workload.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { createHandler } from '../../src/http/handler.js';
import { startListener, type Listener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/sdk/logical.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { freePort } from '../helpers/net.js';
import { spawnWard, REPO_ROOT, type WardProcess } from '../helpers/process.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeCa } from '../helpers/test-ca.js';
import { waitFor } from '../helpers/wait.js';

const OP_NS = 'ward';
const APP_NS = 'apps';
const G = { group: 'secrets.hashicorp.com', version: 'v1beta1' };
const RESTARTED_AT = 'vso.secrets.hashicorp.com/restartedAt';

async function must(p: ReturnType<typeof api>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

const text = (d: Record<string, string> | undefined, k: string) => (d?.[k] === undefined ? undefined : Buffer.from(d[k], 'base64').toString('utf8'));
type Status = { secretMAC?: string; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator extensions: ConfigMap destinations, merged paths, restarts at rest', { timeout: 240_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let ward: TestServer;
  let tls: Listener;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;
  let metricsPort: number;
  let kubeconfig: string;
  let managerArgs: string[];

  const startOperator = async () => {
    const healthPort = await freePort();
    metricsPort = await freePort();
    const args = managerArgs.map((a) => {
      if (a.startsWith('--health-probe-bind-address=')) return `--health-probe-bind-address=127.0.0.1:${healthPort}`;
      if (a.startsWith('--metrics-bind-address=')) return `--metrics-bind-address=127.0.0.1:${metricsPort}`;
      return a;
    });
    const p = spawnWard([...args, `--kubeconfig=${kubeconfig}`, `--watch-namespaces=${APP_NS}`], '', { OPERATOR_NAMESPACE: OP_NS });
    await waitFor('the operator to lead', async () => {
      if (p.child.exitCode !== null) throw new Error(`the operator exited: ${p.stderr()}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return r?.status === 200 && /became leader/.test(p.stderr());
    }, { timeoutMs: 30_000, context: () => p.stderr() });
    return p;
  };
  const metric = async (re: RegExp) => Number(re.exec(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())?.[1] ?? NaN);

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-operator-extras-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ca = await makeCa('ward-e2e-ca', 'ec');
    [ward, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer()]);
    cleanups.push(() => ward.close(), () => kube.close());
    const cert = await ca.server('127.0.0.1');
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
    cleanups.push(() => tls.close());

    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { region: 'eu-1', url: 'https://api.example' } } }), 'kv write');
    await must(api(ward, 'POST', 'secret/data/app/db', { token: T, body: { data: { username: 'db-user', password: 'db-1' } } }), 'kv write');
    await must(api(ward, 'POST', 'secret/data/app/cache', { token: T, body: { data: { password: 'cache-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }), 'policy');
    await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'kubernetes auth');
    await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'kubernetes config');
    await must(api(ward, 'POST', 'auth/kubernetes/role/app', { token: T, body: { bound_service_account_names: 'app', bound_service_account_namespaces: APP_NS, audience: 'vault', token_policies: 'app', token_ttl: '1h' } }), 'kubernetes role');

    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    for (const name of [OP_NS, APP_NS]) await core.createNamespace({ body: { metadata: { name } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const f of readdirSync(join(REPO_ROOT, 'deploy/crds'))) {
      for (const o of yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/crds', f), 'utf8')) as KubernetesObject[]) await generic.create(o);
    }
    await core.createNamespacedServiceAccount({ namespace: APP_NS, body: { metadata: { name: 'app' } } });
    await core.createNamespacedSecret({ namespace: OP_NS, body: { metadata: { name: 'ward-ca' }, stringData: { 'ca.crt': ca.certPem } } });
    await waitFor('the CRDs to be served', () => custom.listNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths' }).then(() => true, () => false));
    await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultconnections', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultConnection', metadata: { name: 'default' }, spec: { address: tls.url, caCertSecretRef: 'ward-ca' } } });
    await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultAuth', metadata: { name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } } });
    const manifest = yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/kubernetes/secrets-operator.yaml'), 'utf8')) as KubernetesObject[];
    for (const o of manifest) await generic.create(o);
    const deployment = manifest.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    managerArgs = deployment.spec.template.spec.containers[0]!.args;
    const saToken = await kube.issueToken({ namespace: OP_NS, name: 'ward-secrets-operator', pod: null });
    kubeconfig = join(dir, 'operator.kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfig(saToken), { mode: 0o600 });
    operator = await startOperator();
    cleanups.push(() => operator.kill());
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

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

    await operator.kill('SIGKILL');
    operator = await startOperator();
    const recorded = kube.requests.length;
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
