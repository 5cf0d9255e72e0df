#!/usr/bin/env node
// The secrets operator at scale: the fake cluster in this process, `ward server -dev` and
// `ward k8s secrets-operator` as real processes. Creates N VaultStaticSecrets (each its own
// destination Secret, KV paths shared by groups of them) and measures the time until every
// Secret exists with the right data, reconciles per second, the operator's RSS and heap
// (its /metrics) at the end, Ward's and the fake's CPU, and what the operator asked of the
// API server. Then restarts the operator and counts the writes the restart caused (want 0),
// and deletes every resource, timing the garbage collection of their Secrets.
// Usage: npm run build && node bench/operator-scale.mjs [--n 1000] [--paths 10] [--concurrency 32] [--timeout 1800]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { ROOT, call, freePort, option, startWard, waitForOk } from './lib.mjs';
import { startFakeKubeApiServer } from '../dist/test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../dist/test/fakes/kube-apiserver/test-client.js';
import { KubeClient } from '../dist/src/k8s/kube/client.js';

const N = Number(option('n', 1000));
const PATHS = Number(option('paths', 10));
const CONCURRENCY = Number(option('concurrency', 32));
const TIMEOUT_S = Number(option('timeout', 1800));
const G = { group: 'secrets.hashicorp.com', version: 'v1beta1' };
const APP_NS = 'apps';
const OP_NS = 'ward';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => (b / 1024 / 1024).toFixed(1);
function printTable(heading, rows) {
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  console.log(`\n${heading}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}${v}`);
}

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

const dir = mkdtempSync(join(tmpdir(), 'bench-operator-'));
const children = [];
let kube;
try {
  kube = await startFakeKubeApiServer();
  // What the operator asked of the API server, by verb and resource (the recorded list is bounded).
  const tally = new Map();
  const push = kube.requests.push.bind(kube.requests);
  kube.requests.push = (...rs) => {
    for (const r of rs) if (r.user.startsWith('system:serviceaccount:ward:')) {
      const k = `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    return push(...rs);
  };
  // Secret writes and their data, straight from the store (no polling load on the fake).
  const want = (i) => `user-${i % PATHS}`;
  const good = new Set();
  let secretWrites = 0;
  let lastGoodAt = 0;
  kube.store.listeners.add((e) => {
    if (e.t.plural !== 'secrets' || e.object.metadata.namespace !== APP_NS) return;
    const m = /^dest-(\d+)$/.exec(e.object.metadata.name ?? '');
    if (!m) return;
    secretWrites++;
    const u = e.object.data?.username;
    if (e.type !== 'DELETED' && u && Buffer.from(u, 'base64').toString() === want(Number(m[1]))) {
      if (!good.has(m[1])) lastGoodAt = Date.now();
      good.add(m[1]);
    } else good.delete(m[1]);
  });

  const wardPort = await freePort();
  const ward = startWard(wardPort);
  children.push(ward);
  const wardUrl = `http://127.0.0.1:${wardPort}`;
  await waitForOk(`${wardUrl}/v1/sys/health`);
  for (let p = 0; p < PATHS; p++) await call(wardUrl, 'POST', `secret/data/shared/p${p}`, { data: { username: `user-${p}`, password: `pw-${p}` } });
  await call(wardUrl, 'PUT', 'sys/policies/acl/app', { policy: 'path "secret/data/shared/*" { capabilities = ["read"] }' });
  await call(wardUrl, 'POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await call(wardUrl, 'POST', 'auth/kubernetes/config', { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken });
  await call(wardUrl, 'POST', 'auth/kubernetes/role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: APP_NS, audience: 'vault', token_policies: 'app', token_ttl: '1h' });

  const kc = kubeConfigFor(kube);
  // Kept-alive connections, so the fake's CPU is its own and not this driver's TLS handshakes.
  const driver = new KubeClient(kc);
  const { core, custom } = driver;
  for (const name of [OP_NS, APP_NS]) await core.createNamespace({ body: { metadata: { name } } });
  const generic = KubernetesObjectApi.makeApiClient(kc);
  for (const f of readdirSync(join(ROOT, 'deploy/crds'))) for (const o of yaml.loadAll(readFileSync(join(ROOT, 'deploy/crds', f), 'utf8'))) await generic.create(o);
  const manifest = yaml.loadAll(readFileSync(join(ROOT, 'deploy/kubernetes/secrets-operator.yaml'), 'utf8'));
  for (const o of manifest) if (o.kind !== 'Deployment') await generic.create(o).catch(() => undefined);
  await core.createNamespacedServiceAccount({ namespace: APP_NS, body: { metadata: { name: 'app' } } });
  for (let i = 0; i < 50; i++) if (await custom.listNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths' }).then(() => true, () => false)) break; else await sleep(100);
  await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultconnections', body: { apiVersion: `${G.group}/${G.version}`, kind: 'VaultConnection', metadata: { name: 'default' }, spec: { address: wardUrl } } });
  await custom.createNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths', body: { apiVersion: `${G.group}/${G.version}`, kind: 'VaultAuth', metadata: { name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } } });
  const saToken = await kube.issueToken({ namespace: OP_NS, name: 'ward-secrets-operator', pod: null, expiresIn: 86_400 });
  const kubeconfig = join(dir, 'operator.kubeconfig');
  writeFileSync(kubeconfig, kube.kubeconfig(saToken), { mode: 0o600 });

  let operator;
  let metricsPort;
  const startOperator = async () => {
    metricsPort = await freePort();
    const healthPort = await freePort();
    const p = spawn(process.execPath, [join(ROOT, 'bin/ward'), 'k8s', 'secrets-operator', `--kubeconfig=${kubeconfig}`, `--metrics-bind-address=127.0.0.1:${metricsPort}`, `--health-probe-bind-address=127.0.0.1:${healthPort}`], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPERATOR_NAMESPACE: OP_NS },
    });
    let errors = 0;
    let relists = 0;
    let tail = '';
    p.stderr.on('data', (c) => {
      const s = String(c);
      errors += (s.match(/"reconcile failed/g) ?? []).length;
      relists += (s.match(/"watch failed/g) ?? []).length;
      tail = (tail + s).slice(-4000);
    });
    p.errors = () => errors;
    p.relists = () => relists;
    p.tail = () => tail;
    children.push(p);
    await waitForOk(`http://127.0.0.1:${healthPort}/readyz`);
    return p;
  };
  const metrics = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const v = (re) => [...text.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
    return {
      reconciles: v(/^controller_runtime_reconcile_total\{controller="vaultstaticsecret",[^}]*\} (\S+)$/gm),
      rss: v(/^process_resident_memory_bytes (\S+)$/gm),
      heap: v(/^nodejs_heap_size_used_bytes (\S+)$/gm),
      depth: v(/^workqueue_depth\{name="vaultstaticsecret"\} (\S+)$/gm),
    };
  };
  operator = await startOperator();

  const fakeCpu0 = process.cpuUsage();
  const wardCpu0 = cpuSeconds(ward.pid);
  const opCpu0 = cpuSeconds(operator.pid);
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) {
      const i = next++;
      await custom.createNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', body: {
        apiVersion: `${G.group}/${G.version}`, kind: 'VaultStaticSecret', metadata: { name: `vss-${i}` },
        spec: { type: 'kv-v2', mount: 'secret', path: `shared/p${i % PATHS}`, refreshAfter: '1h', destination: { name: `dest-${i}`, create: true } },
      } });
    }
  }));
  const created = Date.now();
  const deadline = t0 + TIMEOUT_S * 1000;
  while (good.size < N && Date.now() < deadline) await sleep(200);
  if (good.size < N) throw new Error(`only ${good.size}/${N} Secrets correct after ${TIMEOUT_S}s; operator log:\n${operator.tail()}`);
  const synced = lastGoodAt;
  // Let status writes and the tail of the queue settle before sampling memory.
  for (let i = 0; i < 100 && (await metrics()).depth > 0; i++) await sleep(200);
  await sleep(2000);
  global.gc?.();
  const m = await metrics();
  const fakeCpu = process.cpuUsage(fakeCpu0);
  const wardCpu = cpuSeconds(ward.pid) - wardCpu0;
  const opCpu = cpuSeconds(operator.pid) - opCpu0;
  const calls = [...tally.entries()].sort((a, b) => b[1] - a[1]);

  // Restart: every resource is reconciled again; nothing should be written.
  const writes0 = secretWrites;
  tally.clear();
  operator.kill('SIGTERM');
  await new Promise((r) => operator.once('exit', r));
  const r0 = Date.now();
  operator = await startOperator();
  while (Date.now() < deadline) {
    const x = await metrics();
    if (x.reconciles >= N && x.depth === 0) break;
    await sleep(200);
  }
  const restartMs = Date.now() - r0;
  const restartWrites = secretWrites - writes0;
  const m2 = await metrics();
  const restartCalls = [...tally.entries()].sort((a, b) => b[1] - a[1]);

  // Deletion: the garbage collector removes every Secret through its owner reference.
  const fakeCpu1 = process.cpuUsage();
  const d0 = Date.now();
  next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < N) await custom.deleteNamespacedCustomObject({ ...G, namespace: APP_NS, plural: 'vaultstaticsecrets', name: `vss-${next++}` });
  }));
  const deletedAt = Date.now();
  const left = () => kube.store.list(kube.registry.lookup('', 'v1', 'secrets'), APP_NS).filter((o) => /^dest-/.test(o.metadata.name ?? '')).length;
  while (left() > 0 && Date.now() < deadline) await sleep(500);
  const gcMs = Date.now() - d0;
  const fakeCpuGc = process.cpuUsage(fakeCpu1);

  console.log(`Secrets operator at scale: ${N} VaultStaticSecrets over ${PATHS} KV paths, ${CONCURRENCY} concurrent creates; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  printTable('first sync', [
    ['resources created in', `${((created - t0) / 1000).toFixed(1)} s`],
    ['all Secrets correct after', `${((synced - t0) / 1000).toFixed(1)} s`],
    ['reconciles', `${m.reconciles} (${(m.reconciles / ((synced - t0) / 1000)).toFixed(0)}/s; ${operator.errors()} failed and retried; ${operator.relists()} watch failures)`],
    ['operator RSS / heap used', `${mib(m.rss)} MiB / ${mib(m.heap)} MiB (${((m.heap) / N / 1024).toFixed(1)} KiB heap per resource)`],
    ['operator CPU', `${opCpu.toFixed(1)} s`],
    ['Ward CPU / RSS', `${wardCpu.toFixed(1)} s / ${mib(rssOf(ward.pid))} MiB`],
    ['fake API server CPU / RSS (this process)', `${((fakeCpu.user + fakeCpu.system) / 1e6).toFixed(1)} s / ${mib(process.memoryUsage().rss)} MiB`],
    ['Secret writes', String(writes0)],
    ['operator API calls', calls.map(([k, n]) => `${k} ${n}`).join(', ')],
  ]);
  printTable('operator restart', [
    ['all resources reconciled again after', `${(restartMs / 1000).toFixed(1)} s (${m2.reconciles} reconciles)`],
    ['Secret writes caused', String(restartWrites)],
    ['operator RSS / heap used', `${mib(m2.rss)} MiB / ${mib(m2.heap)} MiB`],
    ['operator API calls', restartCalls.map(([k, n]) => `${k} ${n}`).join(', ')],
  ]);
  printTable('deletion', [
    ['resources deleted in', `${((deletedAt - d0) / 1000).toFixed(1)} s`],
    ['every Secret garbage-collected after', `${(gcMs / 1000).toFixed(1)} s`],
    ['fake API server CPU', `${((fakeCpuGc.user + fakeCpuGc.system) / 1e6).toFixed(1)} s`],
  ]);
  driver.close();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
}
