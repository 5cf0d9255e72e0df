/**
 * Kubernetes service registration end to end: a real `bin/ward server` process with a
 * `service_registration "kubernetes"` stanza, its service-account token and CA files and
 * KUBERNETES_SERVICE_HOST/PORT pointing at the fake API server, labels its own pod and
 * keeps the labels right through init, unseal, seal, API-server failures and downtime,
 * while it keeps serving requests.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WARD_VERSION } from '../../../src/core/api-types.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { configDir, freePort, runWard, spawnWard, sqliteConfig, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

const NS = 'vault';
const LABELS = ['vault-active', 'vault-initialized', 'vault-perf-standby', 'vault-sealed', 'vault-version'];
/** Label values cannot hold `+`: Ward writes its version with `_`, as Helm does for chart versions. */
const VERSION_LABEL = WARD_VERSION.replace(/\+/g, '_');

interface Node {
  k: FakeKubeApiServer;
  cfg: ConfigDir;
  ward: WardProcess;
  pod: string;
  saDir: string;
  /** The vault-* labels on the pod now. */
  labels(): Record<string, string>;
}

const state = (active: boolean, initialized: boolean, sealed: boolean): Record<string, string> => ({
  'vault-active': String(active),
  'vault-initialized': String(initialized),
  'vault-perf-standby': 'false',
  'vault-sealed': String(sealed),
  'vault-version': VERSION_LABEL,
});

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function fakeWithPod(pod: string, labels?: Record<string, string>): Promise<{ k: FakeKubeApiServer; token: string }> {
  const k = await startFakeKubeApiServer();
  cleanups.push(() => k.close());
  const created = k.createPod(NS, pod, labels ? { labels } : {});
  k.grantPods(NS, 'ward', ['get', 'patch']);
  const token = await k.issueToken({ namespace: NS, name: 'ward', pod: { name: pod, uid: created.metadata.uid } });
  return { k, token };
}

/** Starts ward with the stanza; `beforeStart` runs after the fake is ready and before the process starts. */
async function startNode(o: { pod: string; podLabels?: Record<string, string>; stanza?: string; env?: NodeJS.ProcessEnv; beforeStart?: (k: FakeKubeApiServer) => Promise<void> | void }): Promise<Node> {
  const { k, token } = await fakeWithPod(o.pod, o.podLabels);
  const cfg = configDir();
  cleanups.push(() => cfg.cleanup());
  const saDir = join(cfg.dir, 'serviceaccount');
  mkdirSync(saDir);
  writeFileSync(join(saDir, 'token'), token);
  writeFileSync(join(saDir, 'ca.crt'), k.caPem);
  const port = await freePort();
  const stanza = o.stanza ?? `service_registration "kubernetes" {\n  namespace = "${NS}"\n  pod_name  = "${o.pod}"\n}`;
  const file = cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: true, extra: `disable_mlock = true\n${stanza}` }));
  await o.beforeStart?.(k);
  const apiPort = new URL(k.url).port;
  const ward = spawnWard(['server', `-config=${file}`], `http://127.0.0.1:${port}`, {
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: apiPort,
    WARD_K8S_SERVICEACCOUNT_DIR: saDir,
    VAULT_K8S_NAMESPACE: '',
    VAULT_K8S_POD_NAME: '',
    ...o.env,
  });
  cleanups.push(async () => void (await ward.kill()));
  await waitForHealth(ward);
  const labels = (): Record<string, string> => {
    const all = k.pod(NS, o.pod)?.metadata.labels ?? {};
    return Object.fromEntries(Object.entries(all).filter(([name]) => LABELS.includes(name)));
  };
  return { k, cfg, ward, pod: o.pod, saDir, labels };
}

async function expectLabels(n: Node, want: Record<string, string>, what: string): Promise<void> {
  await waitFor(`pod labels: ${what}`, () => JSON.stringify(n.labels()) === JSON.stringify(want), {
    timeoutMs: 40_000,
    context: () => `labels now: ${JSON.stringify(n.labels())}\nward stderr:\n${n.ward.stderr()}`,
  });
}

async function put(n: Node, path: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${n.ward.url}/v1/${path}`, { method: 'PUT', headers: token ? { 'X-Vault-Token': token } : {}, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function initAndUnseal(n: Node): Promise<string> {
  const init = await put(n, 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  assert.equal(init.status, 200, JSON.stringify(init.json));
  const key = (init.json['keys_base64'] as string[])[0];
  const unseal = await put(n, 'sys/unseal', { key });
  assert.equal(unseal.json['sealed'], false);
  return init.json['root_token'] as string;
}

describe('service_registration "kubernetes" (ward server process, fake API server)', { timeout: 120_000 }, () => {
  it('labels its pod at start and follows init, unseal, seal, token rotation and shutdown', async () => {
    const n = await startNode({ pod: 'ward-0' });
    await expectLabels(n, state(false, false, true), 'sealed and uninitialized at start');

    const init = await put(n, 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(init.status, 200);
    await expectLabels(n, state(false, true, true), 'initialized, still sealed');

    await put(n, 'sys/unseal', { key: (init.json['keys_base64'] as string[])[0] });
    await expectLabels(n, state(true, true, false), 'unsealed and active');

    // The token file rotates (kubelet rewrites it): the next patch uses the new one.
    const rotated = await n.k.issueToken({ namespace: NS, name: 'ward-rotated', pod: null });
    n.k.grantPods(NS, 'ward-rotated', ['patch']);
    writeFileSync(join(n.saDir, 'token'), rotated);
    const sealed = await put(n, 'sys/seal', {}, init.json['root_token'] as string);
    assert.equal(sealed.status, 204);
    await expectLabels(n, state(false, true, true), 'sealed again');
    assert.equal(n.k.podRequests.at(-1)?.user, 'system:serviceaccount:vault:ward-rotated');

    n.ward.child.kill('SIGTERM');
    assert.equal((await n.ward.exited).code, 0);
    assert.deepEqual(n.labels(), state(false, true, true), 'a stopped node is labelled sealed and not active');
    assert.doesNotMatch(n.ward.stderr() + n.ward.stdout(), new RegExp(rotated.slice(-20)), 'the token is never logged');
  });

  it('keeps the pod\'s own labels and takes namespace and pod name from VAULT_K8S_*', async () => {
    const n = await startNode({
      pod: 'ward-env',
      podLabels: { app: 'ward', 'vault-active': 'true' },
      stanza: 'service_registration "kubernetes" {}',
      env: { VAULT_K8S_NAMESPACE: NS, VAULT_K8S_POD_NAME: 'ward-env' },
    });
    await expectLabels(n, state(false, false, true), 'the stale vault-active label is corrected');
    assert.equal(n.k.pod(NS, 'ward-env')?.metadata.labels?.['app'], 'ward');
  });

  it('retries 403, 500 and 503 answers while serving requests, and ends with the latest state', async () => {
    const n = await startNode({
      pod: 'ward-1',
      beforeStart: (k) => {
        k.failNext(403);
        k.failNext(500);
        k.failNext(503);
      },
    });
    // Ward answers while its patches are failing: a full init and unseal go through.
    await initAndUnseal(n);
    await expectLabels(n, state(true, true, false), 'the latest state after the failures');
    const codes = n.k.podRequests.map((r) => r.status);
    assert.ok(codes.length >= 1 && codes.at(-1) === 200, `requests that reached the pods route: ${codes.join(',')}`);
    assert.match(n.ward.stderr() + n.ward.stdout(), /Forbidden|forbidden/, 'the failure is logged with the API server\'s reason');
  });

  it('starts while the API server is down and labels the pod once it is back', async () => {
    const n = await startNode({ pod: 'ward-2', beforeStart: (k) => k.down() });
    const health = await fetch(`${n.ward.url}/v1/sys/health`);
    assert.equal(health.status, 501, 'serving, uninitialized');
    await initAndUnseal(n);
    assert.equal(n.k.pod(NS, 'ward-2')?.metadata.labels, undefined, 'nothing could be patched yet');
    await n.k.up();
    await expectLabels(n, state(true, true, false), 'labels once the API server is back');
  });

  it('refuses to start without KUBERNETES_SERVICE_HOST, naming it', async () => {
    const cfg = configDir();
    cleanups.push(() => cfg.cleanup());
    const port = await freePort();
    const file = cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: true, extra: `disable_mlock = true\nservice_registration "kubernetes" {\n  namespace = "vault"\n  pod_name = "x"\n}` }));
    const r = await runWard(['server', `-config=${file}`], 20_000, { KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '' });
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/);
  });
});
