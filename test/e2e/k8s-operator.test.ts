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
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
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
type Status = { secretMAC?: string; lastGeneration?: number; conditions?: Array<{ type: string; status: string; reason: string; message: string }> };

describe('secrets operator end to end: VaultStaticSecret → Secret, refresh, rollout, drift, GC', { timeout: 180_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let ward: TestServer;
  let tls: Listener;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;
  let healthPort: number;
  let metricsPort: number;
  let kubeconfig: string;
  let dir: string;
  let managerArgs: string[];

  const startOperator = async (leading = true) => {
    healthPort = await freePort();
    metricsPort = await freePort();
    // The manifest's arguments, with loopback ports of our own.
    const args = managerArgs.map((a) => {
      if (a.startsWith('--health-probe-bind-address=')) return `--health-probe-bind-address=127.0.0.1:${healthPort}`;
      if (a.startsWith('--metrics-bind-address=')) return `--metrics-bind-address=127.0.0.1:${metricsPort}`;
      return a;
    });
    const p = spawnWard([...args, `--kubeconfig=${kubeconfig}`, `--watch-namespaces=${APP_NS}`], '', { OPERATOR_NAMESPACE: OP_NS });
    await waitFor('the operator to be ready', async () => {
      if (p.child.exitCode !== null) throw new Error(`the operator exited: ${p.stderr()}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return r?.status === 200 && (!leading || /became leader/.test(p.stderr()));
    }, { timeoutMs: 30_000, context: () => p.stderr() });
    return p;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-operator-e2e-'));
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
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { username: 'appuser', password: 'p-1' } } }), 'kv write');
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
    await apps.createNamespacedDeployment({ namespace: APP_NS, body: {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox' }] } } },
    } });
    // The platform team's defaults, exactly as for VSO.
    await waitFor('the CRDs to be served', () => custom.listNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths' }).then(() => true, () => false));
    await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultconnections', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultConnection', metadata: { name: 'default' }, spec: { address: tls.url, caCertSecretRef: 'ward-ca' } } });
    await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths', body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultAuth', metadata: { name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } } });

    // deploy/kubernetes/secrets-operator.yaml unchanged: the operator runs under its service account and RBAC.
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
    cleanups.push(() => b.kill());
    const count = (p: WardProcess, what: string) => p.stderr().split('\n').filter((l) => l.includes(what)).length;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { username: 'appuser', password: 'p-3' } } }), 'kv write');
    await waitFor('p-3 in the Secret', async () => text((await secret('app-config'))?.data, 'password') === 'p-3', { timeoutMs: 20_000, context: () => a.stderr() });
    await waitFor('the leader restarting the Deployment', () => count(a, 'rollout restart triggered') === 1, { context: () => a.stderr() });
    assert.equal(count(b, 'became leader'), 0);
    assert.equal(count(b, 'secret synced') + count(b, 'rollout restart triggered'), 0, 'the standby wrote nothing');
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^workqueue_depth\{name="vaultstaticsecret"\} \d+$/m);
    assert.equal((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
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
