import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { silentLogger } from '../../sdk/logical.js';
import { inClusterApiUrl, KubernetesRegistration, podLabels, versionLabel } from './kubernetes.js';
import type { NodeState, NodeStateSource } from './node-state.js';
import { patchPodLabels, type PodTarget } from './pod-client.js';
import { waitFor, withDeadline } from '../../../test/helpers/wait.js';

const S = (o: Partial<NodeState> = {}): NodeState => ({ initialized: false, sealed: true, active: false, performanceStandby: false, ...o });

/** A state source the test drives by hand. */
function manualSource(initial: NodeState): NodeStateSource & { set(s: NodeState): void } {
  let state = initial;
  const cbs = new Set<(s: NodeState) => void>();
  return {
    current: () => state,
    onChange: (cb) => (cbs.add(cb), () => cbs.delete(cb)),
    set(s) {
      state = s;
      for (const cb of cbs) cb(s);
    },
  };
}

describe('labels', () => {
  it('writes "true"/"false" strings and a version Kubernetes accepts', () => {
    assert.deepEqual(podLabels(S({ initialized: true, sealed: false, active: true }), '1.17.0'), {
      'vault-active': 'true', 'vault-initialized': 'true', 'vault-perf-standby': 'false', 'vault-sealed': 'false', 'vault-version': '1.17.0',
    });
    assert.equal(versionLabel('1.17.0+ward.0.1.0'), '1.17.0_ward.0.1.0');
    assert.equal(versionLabel('+x y+'), 'x-y');
    assert.equal(versionLabel('1'.repeat(80)).length, 63);
  });

  it('finds the API server from KUBERNETES_SERVICE_HOST/PORT, bracketing IPv6', () => {
    assert.equal(inClusterApiUrl({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }), 'https://10.0.0.1:443');
    assert.equal(inClusterApiUrl({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }), 'https://[fd00::1]:443');
    assert.throws(() => inClusterApiUrl({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/);
  });
});

describe('pod client and registration against the fake API server', () => {
  let k: FakeKubeApiServer;
  let dir: string;
  let target: PodTarget;
  let token: string;
  before(async () => {
    k = await startFakeKubeApiServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-sr-'));
    const pod = k.createPod('vault', 'ward-0', { labels: { app: 'ward' } });
    k.grantPods('vault', 'ward', ['patch']);
    token = await k.issueToken({ namespace: 'vault', name: 'ward', pod: { name: 'ward-0', uid: pod.metadata.uid } });
    writeFileSync(join(dir, 'token'), `${token}\n`);
    writeFileSync(join(dir, 'ca.crt'), k.caPem);
    target = { apiUrl: k.url, tokenPath: join(dir, 'token'), caPath: join(dir, 'ca.crt'), namespace: 'vault', podName: 'ward-0' };
  });
  after(async () => {
    await k.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the labels with one merge patch and leaves the pod\'s other labels alone', async () => {
    await patchPodLabels(target, podLabels(S(), '1.0.0'));
    assert.deepEqual(k.pod('vault', 'ward-0')?.metadata.labels, { app: 'ward', ...podLabels(S(), '1.0.0') });
    assert.equal(k.podRequests.at(-1)?.contentType, 'application/merge-patch+json');
  });

  it('explains failures with the API server\'s answer and never the token', async () => {
    const err = async (t: PodTarget): Promise<Error> => {
      try {
        await patchPodLabels(t, { a: 'b' });
      } catch (e) {
        assert.ok(!String((e as Error).message).includes(token.slice(-16)), 'no token in the message');
        return e as Error;
      }
      throw new Error('expected a failure');
    };
    assert.match((await err({ ...target, podName: 'nope' })).message, /answered 404 to the label patch of pod "nope" in namespace "vault": NotFound: pods "nope" not found/);
    k.failNext(403);
    assert.match((await err(target)).message, /answered 403 .*Forbidden/);
    assert.match((await err({ ...target, tokenPath: join(dir, 'missing') })).message, /cannot read the service-account token at .*missing: ENOENT/);
    assert.match((await err({ ...target, apiUrl: 'https://127.0.0.1:1' })).message, /cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
    writeFileSync(join(dir, 'other-ca.crt'), (await import('../../../test/fakes/kube-apiserver/tls.js').then((m) => m.generateServerPki('elsewhere'))).caPem);
    assert.match((await err({ ...target, caPath: join(dir, 'other-ca.crt') })).message, /cannot reach the Kubernetes API server at .*: (SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)/);
  });

  it('retries 401, 409, 429 and 500 answers until the latest state is on the pod', async () => {
    k.createPod('vault', 'ward-r');
    const source = manualSource(S());
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(String(f?.['error'])) };
    const reg = new KubernetesRegistration({ namespace: 'vault', podName: 'ward-r', apiUrl: k.url, tokenPath: target.tokenPath, caPath: target.caPath, version: '1', source, logger, minDelayMs: 5, maxDelayMs: 20 });
    k.failNext(401);
    k.failNext(409);
    k.failNext(429);
    k.failNext(500);
    reg.start();
    source.set(S({ initialized: true }));
    const want = podLabels(S({ initialized: true }), '1');
    for (let i = 0; i < 250 && JSON.stringify(k.pod('vault', 'ward-r')?.metadata.labels) !== JSON.stringify(want); i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(k.pod('vault', 'ward-r')?.metadata.labels, want);
    assert.deepEqual(warnings.map((w) => /answered (\d+)/.exec(w)?.[1]), ['401', '409', '429', '500']);
    await reg.stop();
  });

  it('labels at start, follows changes, and marks the node sealed at stop only when needed', async () => {
    const source = manualSource(S());
    const reg = new KubernetesRegistration({ namespace: 'vault', podName: 'ward-0', apiUrl: k.url, tokenPath: target.tokenPath, caPath: target.caPath, version: '2.0.0', source, logger: silentLogger });
    const labels = () => k.pod('vault', 'ward-0')?.metadata.labels ?? {};
    const until = async (want: Record<string, string>) => {
      await waitFor('the pod labels', () => JSON.stringify({ ...labels(), app: undefined }) === JSON.stringify({ ...want, app: undefined }), { timeoutMs: 30_000 }).catch(() => undefined);
      assert.deepEqual(labels(), { app: 'ward', ...want });
    };
    reg.start();
    await until(podLabels(S(), '2.0.0'));
    source.set(S({ initialized: true, sealed: false, active: true }));
    await until(podLabels(S({ initialized: true, sealed: false, active: true }), '2.0.0'));
    const before = k.podRequests.length;
    await reg.stop(S({ initialized: true }));
    assert.deepEqual(labels(), { app: 'ward', ...podLabels(S({ initialized: true }), '2.0.0') });
    assert.equal(k.podRequests.length, before + 1);
    source.set(S({ initialized: true, sealed: false, active: true }));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(k.podRequests.length, before + 1, 'nothing after stop');

    // A node already labelled with its final state sends nothing more at stop.
    const again = new KubernetesRegistration({ namespace: 'vault', podName: 'ward-0', apiUrl: k.url, tokenPath: target.tokenPath, caPath: target.caPath, version: '2.0.0', source: manualSource(S({ initialized: true })), logger: silentLogger });
    again.start();
    await until(podLabels(S({ initialized: true }), '2.0.0'));
    // The labels were already right, so `until` passes before its start-up patch: wait for that
    // patch itself (under load it can take seconds), then stop must send nothing more.
    await waitFor('the second registration to patch at start', () => k.podRequests.length >= before + 2, { timeoutMs: 30_000 });
    const settled = k.podRequests.length;
    await again.stop(S({ initialized: true }));
    assert.equal(k.podRequests.length, settled);
  });
});

describe('stopping while the API server hangs', () => {
  it('abandons the patch in flight instead of holding shutdown for its whole timeout', async () => {
    const net = await import('node:net');
    // Accepts connections and never answers, not even the TLS handshake.
    const sockets: import('node:net').Socket[] = [];
    const hole = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'ward-sr-'));
    writeFileSync(join(dir, 'token'), 'x');
    writeFileSync(join(dir, 'ca.crt'), '');
    try {
      const reg = new KubernetesRegistration({
        namespace: 'vault', podName: 'ward-0', apiUrl: `https://127.0.0.1:${(hole.address() as { port: number }).port}`,
        tokenPath: join(dir, 'token'), caPath: join(dir, 'ca.crt'), version: '1', source: manualSource(S()), logger: silentLogger,
        finalPatchTimeoutMs: 100,
      });
      reg.start();
      for (let i = 0; i < 100 && sockets.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sockets.length, 1, 'the first patch is in flight');
      await withDeadline('stop() with a patch in flight', reg.stop(S({ initialized: true })), 5000);
    } finally {
      for (const s of sockets) s.destroy();
      hole.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
