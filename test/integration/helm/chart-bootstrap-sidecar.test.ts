/**
 * The chart's bootstrap as a sidecar (bootstrap.mode sidecar) end to end: the chart rendered in
 * mode ha-postgresql with two server pods, applied to the fake cluster, both server containers
 * run as the kubelet runs them (chart-pod.ts) against a real PostgreSQL, and beside each its
 * bootstrap sidecar (chart-sidecar.ts) with the Role the chart binds to the server's
 * ServiceAccount. Pod 1's sidecar starts first and waits; pod 0's is killed at each step and
 * restarted (as the kubelet restarts a container). Only pod 0's initializes; both
 * servers end unsealed (one active, one standby); the keys Secret holds only OpenPGP messages
 * (alice decrypts hers with gpg); the root token is revoked; the provisioner token works; and
 * when pod 1's server restarts sealed, its sidecar, still running, unseals it again. Nothing
 * secret appears in any output.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { freePort } from '../../helpers/net.js';
import { gpgDecrypt, openpgpDecrypt, testPgpKey } from '../../helpers/pgp.js';
import { startPostgres } from '../../helpers/postgres.js';
import { GO, POSTGRES, ROOT, SETPRIV, skipUnless } from '../../helpers/requirement.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { BOOTSTRAP_VALUES, find, render } from './chart.js';
import { NS, startChartPod, type ChartPod } from './chart-pod.js';
import { startChartSidecar, type Sidecar } from './chart-sidecar.js';

// any: the rendered objects and Vault's JSON bodies are plain JSON read field by field
type Json = any;

/** Kinds the fake cluster does not serve (its README); chart-render.test.ts validates them. */
const NOT_SERVED = new Set(['PodDisruptionBudget', 'NetworkPolicy', 'Ingress']);
const HOOK_EXIT = 97;
/** Where pod 0's sidecar is killed (not inside the init window), in the order it reaches them. */
const KILL_POINTS = ['init-requested', 'init', 'unseal', 'audit', 'provisioner-token-pending', 'provisioner-token-created', 'revoke-root-before-record'];

describe("the chart's bootstrap sidecar, run beside two server pods", { skip: skipUnless(GO, ROOT, SETPRIV, POSTGRES), timeout: 240_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('only pod 0 initializes; each unseals its own server, also after a restart; encrypted shares only; root revoked; no secret printed', async () => {
    const [ca, job, alice, pg, port] = await Promise.all([makeCa('chart-sidecar'), testPgpKey('job'), testPgpKey('alice'), startPostgres(), freePort()]);
    cleanups.push(() => pg.stop());
    const IPS = ['127.0.0.2', '127.0.0.3'];
    const set = ['bootstrap.mode=sidecar', 'bootstrap.sidecar.watchInterval=1s', 'server.replicas=2', `server.service.port=${port}`, 'bootstrap.waitTimeout=90s'];
    const r = render('ha-postgresql', { values: [BOOTSTRAP_VALUES], set: [...set, 'tls.source=secret', 'tls.secretName=ward-tls'] });
    const certNames: string[] = (find(render('ha-postgresql', { values: [BOOTSTRAP_VALUES], set: [...set, 'tls.source=cert-manager', 'tls.certManager.issuerRef.name=ca'], apiVersions: ['cert-manager.io/v1'] }).docs, 'Certificate', 'ward') as Json).spec.dnsNames;
    // The chart's names and 127.0.0.1; each test pod's own loopback IP stands for 127.0.0.1 here (chart-sidecar.ts).
    const leaf = await ca.server('ward', [...certNames, ...IPS]);

    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    const kc = kubeConfigFor(k);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, stringData: { 'private.asc': job.armoredPrivate, 'public.asc': job.armoredPublic } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'ward-operator-keys' }, data: { 'alice.asc': alice.armoredPublic } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const o of r.docs.filter((d) => !NOT_SERVED.has(d.kind))) await generic.create(o as unknown as KubernetesObject);

    const startPod = (i: number, restart = false): Promise<ChartPod> => startChartPod({ docs: r.docs, k, podName: `ward-${i}`, podIP: IPS[i], port, ca, leaf, restart, secrets: { 'ward-postgresql': { connection_url: pg.url } }, cleanups });
    const pods: ChartPod[] = [await startPod(0), await startPod(1)];
    const everyPod = [...pods];
    const sidecars: Sidecar[] = [];
    const startSidecar = async (i: number, env: Record<string, string> = {}): Promise<Sidecar> => {
      const s = await startChartSidecar({ docs: r.docs, k, pod: pods[i]!, files: { '/ward/tls': { 'ca.crt': ca.certPem } }, env, cleanups });
      sidecars.push(s);
      return s;
    };
    const output = (): string => [...everyPod.map((p) => p.output()), ...sidecars.map((s) => s.output())].join('\n');

    // Pod 1's sidecar is up first: not the initializing pod, it only waits.
    const side1 = await startSidecar(1);
    await waitFor('pod 1 sidecar to wait for pod 0', () => side1.proc.stderr().includes('"msg":"not the initializing pod'), { timeoutMs: 30_000, context: output });
    // Pod 0's is killed at each step and restarted like a container, resuming each time.
    const killed: Sidecar[] = [];
    for (const point of KILL_POINTS) {
      const run = await startSidecar(0, { WARD_BOOTSTRAP_EXIT_AT: point });
      assert.equal((await run.proc.exited).code, HOOK_EXIT, `killed at ${point}\n${output()}`);
      killed.push(run);
    }
    const side0 = await startSidecar(0);

    await waitFor('both servers unsealed and the bootstrap done', async () => {
      const sealed = await Promise.all(pods.map(async (p) => (await p.call('GET', '/v1/sys/seal-status')).json.sealed));
      const progress = await core.readNamespacedSecret({ namespace: NS, name: 'ward-bootstrap-progress' }).catch(() => undefined);
      return sealed.every((s) => s === false) && progress?.data?.['revoke-root'] !== undefined;
    }, { timeoutMs: 120_000, context: output });
    await waitFor('one active and one standby pod', async () => {
      const roles = pods.map((p) => p.labels()['vault-active']).sort();
      return roles[0] === 'false' && roles[1] === 'true';
    }, { timeoutMs: 30_000, context: output });
    for (const s of [side0, side1]) {
      assert.equal(s.proc.child.exitCode, null, `sidecars stay running\n${output()}`);
      // As the pod's user, with no capability at all.
      const status = readFileSync(`/proc/${s.proc.child.pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+100\s/m);
      assert.match(status, /^CapEff:\s+0+$/m);
    }

    // Only pod 0's sidecar initialized and configured; pod 1's unsealed its own server only.
    const log0 = [...killed, side0].map((x) => x.proc.stderr()).join('\n');
    const log1 = side1.proc.stderr();
    assert.equal(log0.split('\n').filter((l) => l.includes('"msg":"initialized; encrypted key shares and root token stored"')).length, 1, log0);
    assert.match(side0.proc.stderr(), /"msg":"already initialized; the encrypted keys are in the keys Secret"/);
    assert.doesNotMatch(log1, /"msg":"initialized;|"msg":"policies written"|"msg":"root token revoked"/);
    assert.match(log1, /"msg":"unsealed","pod":"https:\/\/127\.0\.0\.3:\d+"/);
    assert.doesNotMatch(log1, /127\.0\.0\.2/, 'pod 1 sidecar only ever reached its own server');
    assert.match(log0, /"msg":"policies written"/);

    // The keys Secret: three shares and the root token, each an OpenPGP message.
    const keys = await core.readNamespacedSecret({ namespace: NS, name: 'ward-init' });
    assert.deepEqual(Object.keys(keys.data ?? {}).sort(), ['root-token', 'unseal-key-1', 'unseal-key-2', 'unseal-key-3']);
    const b64 = (key: string): string => keys.data?.[key] ?? '';
    const aliceShare = (await gpgDecrypt(alice, b64('unseal-key-3'))).trim();
    const jobShares = await Promise.all(['unseal-key-1', 'unseal-key-2'].map((x) => openpgpDecrypt(job, Buffer.from(b64(x), 'base64'))));
    const shares = [...jobShares, aliceShare];
    assert.equal(new Set(shares).size, 3);

    const active = pods.find((p) => p.labels()['vault-active'] === 'true') as ChartPod;
    const root = await openpgpDecrypt(job, Buffer.from(b64('root-token'), 'base64'));
    assert.equal((await active.call('GET', '/v1/auth/token/lookup-self', undefined, root)).status, 403);
    const provisioner = Buffer.from((await core.readNamespacedSecret({ namespace: NS, name: 'ward-provisioner-token' })).data?.['token'] ?? '', 'base64').toString('utf8');
    const self = await active.call('GET', '/v1/auth/token/lookup-self', undefined, provisioner);
    assert.equal(self.status, 200);
    assert.ok(self.json.data.policies.includes('provisioner'), JSON.stringify(self.json.data.policies));

    // Pod 1's server container restarts, sealed: its sidecar, still running, unseals it again.
    await pods[1]!.ward.kill();
    pods[1] = await startPod(1, true);
    everyPod.push(pods[1]);
    await waitFor('pod 1 unsealed again by its sidecar', async () => (await pods[1]!.call('GET', '/v1/sys/seal-status')).json.sealed === false, { timeoutMs: 60_000, context: output });
    assert.match(side1.proc.stderr(), /"msg":"found sealed \(restarted\?\): unsealing"/);
    assert.equal(side1.proc.child.exitCode, null);

    // Nothing secret in what the sidecars printed, nor in the servers' logs.
    const everyLog = output();
    for (const secret of [...shares, root, provisioner]) {
      assert.ok(secret.length >= 20);
      assert.ok(!everyLog.includes(secret), 'a share or token appeared in the output');
    }
  });
});
