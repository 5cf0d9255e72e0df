/**
 * The chart's bootstrap Job end to end: the chart rendered in mode ha-postgresql with two
 * server pods and the bootstrap job on, its objects applied to the fake cluster, both server
 * pods run as the kubelet runs them (chart-pod.ts) against a real PostgreSQL, then the Job's
 * own container run the same way, with the Role the chart gives it: killed at every step and
 * restarted (restartPolicy OnFailure), a server pod restarting meanwhile. Afterwards both pods are
 * unsealed (one active, one standby), the keys Secret holds only OpenPGP messages that the
 * operators' private keys decrypt (gpg, as NOTES tells), the root token is revoked, the
 * provisioner token works, and nothing secret appeared in the job's output.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
import { NS, runChartJob, startChartPod, type ChartPod } from './chart-pod.js';

// any: the rendered objects and Vault's JSON bodies are plain JSON read field by field
type Json = any;

/** Kinds the fake cluster does not serve (its README); chart-render.test.ts validates them. */
const NOT_SERVED = new Set(['PodDisruptionBudget', 'NetworkPolicy', 'Ingress']);
/** Where the job's test hook exits (test/e2e/k8s-bootstrap.test.ts has them all; not inside the init window). */
const KILL_POINTS = ['init-requested', 'init', 'unseal', 'audit', 'provisioner-token-pending', 'provisioner-token-created', 'revoke-root-before-record'];
const HOOK_EXIT = 97;

describe("the chart's bootstrap Job, run as its pod runs, against two server pods", { skip: skipUnless(GO, ROOT, SETPRIV, POSTGRES), timeout: 240_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('killed at each step and restarted, it unseals both pods (one active, one standby), stores only encrypted shares, revokes root, prints no secret', async () => {
    const [ca, job, alice, pg, port] = await Promise.all([makeCa('chart-bootstrap'), testPgpKey('job'), testPgpKey('alice'), startPostgres(), freePort()]);
    cleanups.push(() => pg.stop());
    // Every pod listens on its own loopback IP at the rendered port, so the job's -pod-port is the rendered one.
    const set = ['server.replicas=2', `server.service.port=${port}`, 'bootstrap.waitTimeout=90s'];
    const r = render('ha-postgresql', { values: [BOOTSTRAP_VALUES], set: [...set, 'tls.source=secret', 'tls.secretName=ward-tls'] });
    // The server certificate carries the names the chart's own Certificate would (as cert-manager issues it).
    const certNames: string[] = (find(render('ha-postgresql', { values: [BOOTSTRAP_VALUES], set: [...set, 'tls.source=cert-manager', 'tls.certManager.issuerRef.name=ca'], apiVersions: ['cert-manager.io/v1'] }).docs, 'Certificate', 'ward') as Json).spec.dnsNames;
    const leaf = await ca.server('ward', certNames);

    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    const kc = kubeConfigFor(k);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    // What the operators create before installing: the job's key pair, alice's public key.
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, stringData: { 'private.asc': job.armoredPrivate, 'public.asc': job.armoredPublic } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'ward-operator-keys' }, data: { 'alice.asc': alice.armoredPublic } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const o of r.docs.filter((d) => !NOT_SERVED.has(d.kind))) await generic.create(o as unknown as KubernetesObject);

    const IPS = ['127.0.0.2', '127.0.0.3'];
    const startPod = (i: number): Promise<ChartPod> => startChartPod({ docs: r.docs, k, podName: `ward-${i}`, podIP: IPS[i], port, ca, leaf, secrets: { 'ward-postgresql': { connection_url: pg.url } }, cleanups });
    const pods: ChartPod[] = [await startPod(0), await startPod(1)];
    const everyPod = [...pods];
    const podOutput = (): string => pods.map((p) => p.output()).join('\n');
    for (const p of pods) assert.equal((await p.call('GET', '/v1/sys/seal-status')).json.initialized, false);

    const outputs: string[] = [];
    const runJob = async (exitAt?: string) => {
      const run = await runChartJob({ docs: r.docs, k, job: 'ward-bootstrap-1', files: { '/ward/tls': { 'ca.crt': ca.certPem } }, env: exitAt ? { WARD_BOOTSTRAP_EXIT_AT: exitAt } : {}, timeoutMs: 150_000, cleanups });
      outputs.push(run.stdout, run.stderr);
      return run;
    };
    for (const point of KILL_POINTS) {
      const run = await runJob(point);
      assert.equal(run.code, HOOK_EXIT, `killed at ${point}:\n${run.stderr}\n${podOutput()}`);
      if (point === 'unseal') {
        // ward-1 restarts meanwhile, sealed again: a later run unseals it again.
        await pods[1]!.ward.kill();
        pods[1] = await startPod(1);
        everyPod.push(pods[1]);
        assert.equal((await pods[1].call('GET', '/v1/sys/seal-status')).json.sealed, true);
      }
    }
    const run = await runJob();
    assert.equal(run.code, 0, `${run.stderr}\n${podOutput()}`);
    const jobOutput = outputs.join('\n');
    // It found both pods by the chart's selector, at their pod IPs, over TLS checked against the chart's names.
    for (const p of pods) assert.match(jobOutput, new RegExp(`"msg":"server answered","pod":"${p.name}","initialized":false,"sealed":true`), jobOutput);
    // ward-1 was unsealed twice: before and after its restart.
    assert.equal(jobOutput.split('\n').filter((l) => l.includes('"msg":"unsealed","pod":"ward-1"')).length, 2, jobOutput);
    assert.match(run.stderr, /"msg":"root token revoked by an earlier run/);

    for (const p of pods) assert.equal((await p.call('GET', '/v1/sys/seal-status')).json.sealed, false, p.name);
    await waitFor('one active and one standby pod', async () => {
      const roles = pods.map((p) => p.labels()['vault-active']).sort();
      return roles[0] === 'false' && roles[1] === 'true';
    }, { timeoutMs: 30_000, context: podOutput });
    assert.deepEqual((await Promise.all(pods.map((p) => p.get('/v1/sys/health')))).sort(), [200, 429]);
    const active = pods.find((p) => p.labels()['vault-active'] === 'true') as ChartPod;

    // The keys Secret: three shares and the root token, each an OpenPGP message.
    const keys = await core.readNamespacedSecret({ namespace: NS, name: 'ward-init' });
    assert.deepEqual(Object.keys(keys.data ?? {}).sort(), ['root-token', 'unseal-key-1', 'unseal-key-2', 'unseal-key-3']);
    const b64 = (key: string): string => keys.data?.[key] ?? '';
    // Alice decrypts her share with gpg, as NOTES tells; the job's two shares open with its key.
    const aliceShare = (await gpgDecrypt(alice, b64('unseal-key-3'))).trim();
    const jobShares = await Promise.all(['unseal-key-1', 'unseal-key-2'].map((x) => openpgpDecrypt(job, Buffer.from(b64(x), 'base64'))));
    const shares = [...jobShares, aliceShare];
    assert.equal(new Set(shares).size, 3);
    for (const s of shares) assert.match(s, /^[0-9a-f]{20,}$|^[A-Za-z0-9+/]{20,}={0,2}$/);
    await assert.rejects(openpgpDecrypt(alice, Buffer.from(b64('unseal-key-1'), 'base64')), 'share 1 is not for alice');

    // The root token is revoked; the provisioner token works, with its policy.
    const root = await openpgpDecrypt(job, Buffer.from(b64('root-token'), 'base64'));
    assert.equal((await active.call('GET', '/v1/auth/token/lookup-self', undefined, root)).status, 403);
    const provisioner = Buffer.from((await core.readNamespacedSecret({ namespace: NS, name: 'ward-provisioner-token' })).data?.['token'] ?? '', 'base64').toString('utf8');
    const self = await active.call('GET', '/v1/auth/token/lookup-self', undefined, provisioner);
    assert.equal(self.status, 200);
    assert.ok(self.json.data.policies.includes('provisioner'), JSON.stringify(self.json.data.policies));

    // The default audit device (file to stdout: the server pods' log) recorded the job's work.
    const serverLog = everyPod.map((p) => p.ward.stdout()).join('\n');
    for (const path of ['sys/policies/acl/admin', 'sys/policies/acl/provisioner', 'auth/token/create-orphan']) assert.ok(serverLog.includes(`"path":"${path}"`), path);

    // Nothing secret in what the job printed, nor in the servers' logs.
    const everyLog = `${jobOutput}\n${everyPod.map((p) => p.output()).join('\n')}`;
    for (const secret of [...shares, root, provisioner]) {
      assert.ok(secret.length >= 20);
      assert.ok(!everyLog.includes(secret), 'a share or token appeared in the output');
    }
  });
});
