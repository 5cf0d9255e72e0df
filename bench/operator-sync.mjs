#!/usr/bin/env node
// Secrets operator: time from a KV write to the updated destination Secret, with
// `syncConfig.instantUpdates` (Ward's KV event websocket) and with polling
// (`refreshAfter: 1s`). An in-process Ward (TLS listener) and the fake Kubernetes API
// server, a real `ward k8s secrets-operator` process; N writes to each of two KV paths,
// one VaultStaticSecret per mode; the Secret is polled every 5 ms through the API server.
// Reports p50/p99/max per mode. Writes are spaced by a random 0-1 s so polling is not
// measured in phase with its own refresh timer.
// Usage: npm run build && node bench/operator-sync.mjs [--writes 20]
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { ROOT, freePort, option } from './lib.mjs';
import { createHandler } from '../dist/src/http/handler.js';
import { startListener } from '../dist/src/http/listener.js';
import { silentLogger } from '../dist/src/sdk/logical.js';
import { startFakeKubeApiServer } from '../dist/test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../dist/test/fakes/kube-apiserver/test-client.js';
import { spawnWard } from '../dist/test/helpers/process.js';
import { api, startTestServer } from '../dist/test/helpers/server.js';
import { makeCa } from '../dist/test/helpers/test-ca.js';

const WRITES = Number(option('writes', 20));
const OP_NS = 'ward';
const APP_NS = 'apps';
const G = { group: 'secrets.hashicorp.com', version: 'v1beta1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const must = async (p, what) => {
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
};

const dir = mkdtempSync(join(tmpdir(), 'bench-operator-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
let operator;
try {
  const ca = await makeCa('bench-operator-ca', 'ec');
  const [ward, kube] = await Promise.all([startTestServer({ storage: 'sqlite' }), startFakeKubeApiServer()]);
  cleanups.push(() => ward.close(), () => kube.close());
  const cert = await ca.server('127.0.0.1');
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
  const tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
  cleanups.push(() => tls.close());

  const T = ward.rootToken;
  for (const p of ['instant', 'poll']) await must(api(ward, 'POST', `secret/data/bench/${p}`, { token: T, body: { data: { v: '0' } } }), 'kv write');
  const policy = 'path "secret/data/bench/*" {\n capabilities = ["read", "subscribe"]\n subscribe_event_types = ["kv*"]\n}\npath "sys/events/subscribe/kv*" { capabilities = ["read"] }';
  await must(api(ward, 'PUT', 'sys/policies/acl/bench', { token: T, body: { policy } }), 'policy');
  await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'kubernetes auth');
  await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'kubernetes config');
  await must(api(ward, 'POST', 'auth/kubernetes/role/bench', { token: T, body: { bound_service_account_names: 'app', bound_service_account_namespaces: APP_NS, audience: 'vault', token_policies: 'bench', token_ttl: '1h' } }), 'role');

  const kc = kubeConfigFor(kube);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const name of [OP_NS, APP_NS]) await core.createNamespace({ body: { metadata: { name } } });
  const generic = KubernetesObjectApi.makeApiClient(kc);
  for (const f of readdirSync(join(ROOT, 'deploy/crds'))) for (const o of yaml.loadAll(readFileSync(join(ROOT, 'deploy/crds', f), 'utf8'))) await generic.create(o);
  await core.createNamespacedServiceAccount({ namespace: APP_NS, body: { metadata: { name: 'app' } } });
  await core.createNamespacedSecret({ namespace: OP_NS, body: { metadata: { name: 'ward-ca' }, stringData: { 'ca.crt': ca.certPem } } });
  for (let i = 0; i < 100; i++) if (await custom.listNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths' }).then(() => true, () => false)) break; else await sleep(50);
  const cr = (plural, kind, name, ns, spec) => custom.createNamespacedCustomObject({ ...G, namespace: ns, plural, body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind, metadata: { name }, spec } });
  await cr('vaultconnections', 'VaultConnection', 'default', OP_NS, { address: tls.url, caCertSecretRef: 'ward-ca' });
  await cr('vaultauths', 'VaultAuth', 'default', OP_NS, { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'bench', serviceAccount: 'app', audiences: ['vault'] } });

  const manifest = yaml.loadAll(readFileSync(join(ROOT, 'deploy/kubernetes/secrets-operator.yaml'), 'utf8'));
  for (const o of manifest) await generic.create(o);
  const args = manifest.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].args.filter((a) => !a.includes('bind-address'));
  const kubeconfig = join(dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, kube.kubeconfig(await kube.issueToken({ namespace: OP_NS, name: 'ward-secrets-operator', pod: null })), { mode: 0o600 });
  const [hp, mp] = [await freePort(), await freePort()];
  operator = spawnWard([...args, `--health-probe-bind-address=127.0.0.1:${hp}`, `--metrics-bind-address=127.0.0.1:${mp}`, `--kubeconfig=${kubeconfig}`, `--watch-namespaces=${APP_NS}`], '', { OPERATOR_NAMESPACE: OP_NS });
  cleanups.push(() => operator.kill());

  const modes = { instant: { syncConfig: { instantUpdates: true } }, poll: { refreshAfter: '1s' } };
  for (const [name, extra] of Object.entries(modes)) {
    await cr('vaultstaticsecrets', 'VaultStaticSecret', name, APP_NS, { mount: 'secret', type: 'kv-v2', path: `bench/${name}`, ...extra, destination: { name, create: true } });
  }
  const value = async (name) => {
    const s = await core.readNamespacedSecret({ namespace: APP_NS, name }).catch(() => undefined);
    const v = s?.data?.v;
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const until = async (what, check, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${operator.stderr().slice(-2000)}`);
      await sleep(5);
    }
  };
  for (const name of Object.keys(modes)) await until(`${name}: first sync`, async () => (await value(name)) === '0');
  await until('the operator to subscribe', () => ward.core.events.subscriberCount === 1);

  const results = {};
  for (const name of Object.keys(modes)) {
    const times = [];
    for (let i = 1; i <= WRITES; i++) {
      await sleep(Math.random() * 1000);
      const started = performance.now();
      await must(api(ward, 'POST', `secret/data/bench/${name}`, { token: T, body: { data: { v: String(i) } } }), 'kv write');
      await until(`${name}: write ${i}`, async () => (await value(name)) === String(i));
      times.push(performance.now() - started);
    }
    results[name] = times.sort((a, b) => a - b);
  }
  const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
  console.log(`KV write → updated Secret, ${WRITES} writes per mode (Secret polled every 5 ms)`);
  console.log('mode                      p50 ms   p99 ms   max ms');
  for (const [name, label] of [['instant', 'instantUpdates'], ['poll', 'refreshAfter 1s']]) {
    const xs = results[name];
    console.log(`${label.padEnd(24)} ${pct(xs, 50).toFixed(0).padStart(7)} ${pct(xs, 99).toFixed(0).padStart(8)} ${xs[xs.length - 1].toFixed(0).padStart(8)}`);
  }
} finally {
  for (const c of cleanups.reverse()) await c();
}
