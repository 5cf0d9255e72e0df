/**
 * The secrets operator's `syncConfig.instantUpdates` end to end: a real `ward k8s
 * secrets-operator` process against the fake cluster and a Ward server behind TLS. A
 * VaultStaticSecret without refreshAfter follows a KV write through Ward's KV event
 * websocket (sys/events/subscribe/kv*, the API VSO uses with Vault Enterprise); the Ward
 * policy grants the events as Vault's would (read on the subscribe path, subscribe with
 * subscribe_event_types on the data path). When the socket is lost (Ward sealed) the
 * operator reconnects once Ward serves again and keeps following writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
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

async function must(p: ReturnType<typeof api>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

const text = (d: Record<string, string> | undefined, k: string) => (d?.[k] === undefined ? undefined : Buffer.from(d[k], 'base64').toString('utf8'));

/** The app's policy: read its secrets, and receive their change events (Vault's rules). */
const APP_POLICY = `
path "secret/data/app/*" {
  capabilities = ["read", "list", "subscribe"]
  subscribe_event_types = ["kv*"]
}
path "sys/events/subscribe/kv*" {
  capabilities = ["read"]
}
`;

describe('secrets operator: instantUpdates through Ward KV events', { timeout: 180_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let ward: TestServer;
  let tls: Listener;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let operator: WardProcess;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-operator-events-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ca = await makeCa('ward-events-ca', 'ec');
    [ward, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer()]);
    cleanups.push(() => ward.close(), () => kube.close());
    const cert = await ca.server('127.0.0.1');
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
    cleanups.push(() => tls.close());

    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { password: 'p-1' } } }), 'kv write');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: APP_POLICY } }), 'policy');
    await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'kubernetes auth');
    await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'kubernetes config');
    await must(api(ward, 'POST', 'auth/kubernetes/role/app', { token: T, body: { bound_service_account_names: 'app', bound_service_account_namespaces: APP_NS, audience: 'vault', token_policies: 'app', token_ttl: '1h' } }), 'kubernetes role');

    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
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
    const saToken = await kube.issueToken({ namespace: OP_NS, name: 'ward-secrets-operator', pod: null });
    const kubeconfig = join(dir, 'operator.kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfig(saToken), { mode: 0o600 });
    const healthPort = await freePort();
    const metricsPort = await freePort();
    const args = deployment.spec.template.spec.containers[0]!.args.map((a) => {
      if (a.startsWith('--health-probe-bind-address=')) return `--health-probe-bind-address=127.0.0.1:${healthPort}`;
      if (a.startsWith('--metrics-bind-address=')) return `--metrics-bind-address=127.0.0.1:${metricsPort}`;
      return a;
    });
    operator = spawnWard([...args, `--kubeconfig=${kubeconfig}`, `--watch-namespaces=${APP_NS}`], '', { OPERATOR_NAMESPACE: OP_NS });
    cleanups.push(() => operator.kill());
    await waitFor('the operator to lead', async () => {
      if (operator.child.exitCode !== null) throw new Error(`the operator exited: ${operator.stderr()}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return r?.status === 200 && /became leader/.test(operator.stderr());
    }, { timeoutMs: 30_000, context: () => operator.stderr() });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const secret = (name: string) => core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
  const password = async () => text((await secret('app-config'))?.data, 'password');
  const events = async () => (await core.listNamespacedEvent({ namespace: APP_NS })).items
    .filter((e) => e.involvedObject.kind === 'VaultStaticSecret' && e.involvedObject.name === 'app-config').map((e) => `${e.type} ${e.reason}: ${e.message}`);

  test('without refreshAfter, a KV write reaches the Secret through the event stream', async (t) => {
    await custom.createNamespacedCustomObject({
      ...G,
      namespace: APP_NS,
      plural: 'vaultstaticsecrets',
      body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', metadata: { name: 'app-config' }, spec: { mount: 'secret', type: 'kv-v2', path: 'app/config', syncConfig: { instantUpdates: true }, destination: { name: 'app-config', create: true } } },
    });
    await waitFor('the first sync', async () => (await password()) === 'p-1', { timeoutMs: 20_000, context: () => operator.stderr() });
    // The subscription opens after the first sync's login; a write before it is open would
    // only be seen at the next reconnect, so wait for Ward to have the subscriber.
    await waitFor('the operator to subscribe', () => ward.core.events.subscriberCount === 1, { timeoutMs: 10_000, context: () => operator.stderr() });
    for (const [i, value] of ['p-2', 'p-3'].entries()) {
      const written = Date.now();
      await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { password: value } } }), 'kv write');
      // No refreshAfter: only the event can bring the change. The deadline only bounds a hang.
      await waitFor(`${value} in the Secret`, async () => (await password()) === value, { timeoutMs: 5_000, intervalMs: 10, context: () => operator.stderr() });
      t.diagnostic(`write ${i + 1}: KV write to updated Secret in ${Date.now() - written} ms (instant updates)`);
    }
    await waitFor('the EventWatcherStarted Event', async () => (await events()).includes('Normal EventWatcherStarted: Started watching events'));
  });

  test('a lost event stream is reconnected and followed again', async () => {
    assert.equal((await api(ward, 'POST', 'sys/seal', { token: ward.rootToken })).status, 204);
    await waitFor('the operator to notice', () => /event stream down/.test(operator.stderr()), { timeoutMs: 10_000, context: () => operator.stderr() });
    await waitFor('the EventWatcherError Event', async () => (await events()).some((e) => e.startsWith('Warning EventWatcherError: Error while watching events: ')));
    assert.equal((await api(ward, 'POST', 'sys/unseal', { body: { key: ward.unsealKeys[0] } })).status, 200);
    await waitFor('the operator to subscribe again', () => ward.core.events.subscriberCount === 1, { timeoutMs: 60_000, context: () => operator.stderr() });
    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { password: 'p-4' } } }), 'kv write');
    await waitFor('p-4 in the Secret', async () => (await password()) === 'p-4', { timeoutMs: 5_000, intervalMs: 10, context: () => operator.stderr() });
  });
});
