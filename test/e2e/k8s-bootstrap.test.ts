/**
 * `ward k8s bootstrap` end to end: a real Ward server process (SQLite, TLS) as the StatefulSet
 * pod, the fake cluster, and the job run as a real process under a service account limited by
 * RBAC to what the chart grants it. The job is killed at every step (the test hook exits at a
 * named point) and run again until it completes; then the keys it stored decrypt (with gpg and
 * openpgp) to shares that unseal, the root token is revoked, the provisioner token works with
 * its policy only, the audit log shows the work, and no secret ever appeared in its output.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ApiError, WardClient } from '../../src/api/index.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { freePort } from '../helpers/net.js';
import { gpgDecrypt, openpgpDecrypt, testPgpKey, type TestPgpKey } from '../helpers/pgp.js';
import { spawnWard, type WardProcess } from '../helpers/process.js';
import { makeCa } from '../helpers/test-ca.js';
import { waitFor } from '../helpers/wait.js';

const NS = 'ward';
const HOOK_EXIT = 97;
/** Every point the job can be killed at, in the order it reaches them. */
const KILL_POINTS = ['diagnose', 'init-requested', 'init', 'unseal', 'audit', 'policies', 'provisioner-token-pending', 'provisioner-token-created', 'provisioner-token', 'revoke-root-before-record'];

interface Pod {
  proc: WardProcess;
  url: string;
  client(token?: string): WardClient;
}

describe('k8s bootstrap job end to end', { timeout: 300_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let dir: string;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let caFile: string;
  let kubeconfig: string;
  let job: TestPgpKey;
  let alice: TestPgpKey;
  let bob: TestPgpKey;
  const outputs: string[] = [];

  const startPod = async (name: string, port?: number, extra = ''): Promise<Pod> => {
    const p = port ?? (await freePort());
    const cfg = join(dir, `${name}.hcl`);
    writeFileSync(cfg, [
      `storage "sqlite" {\n  path = "${join(dir, `${name}.db`)}"\n}`,
      `listener "tcp" {\n  address = "127.0.0.1:${p}"\n  tls_cert_file = "${join(dir, 'tls.crt')}"\n  tls_key_file = "${join(dir, 'tls.key')}"\n}`,
      'allow_root = true', extra, '',
    ].join('\n'));
    const url = `https://127.0.0.1:${p}`;
    const proc = spawnWard(['server', `-config=${cfg}`], url);
    const pod: Pod = { proc, url, client: (token) => new WardClient({ address: url, caCert: caFile, ...(token ? { token } : {}) }) };
    await waitFor(`${name} to answer`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`ward exited: ${proc.stderr()}`);
      return pod.client().sealStatus().catch(() => undefined);
    }, { timeoutMs: 30_000, context: () => proc.stderr() });
    return pod;
  };

  const runJob = async (pod: Pod, extra: string[] = [], env: NodeJS.ProcessEnv = {}, byAddress = true) => {
    const p = spawnWard(['k8s', 'bootstrap', `-kubeconfig=${kubeconfig}`, `-namespace=${NS}`, ...(byAddress ? [`-address=${pod.url}`] : []), `-ca-cert=${caFile}`,
      `-pgp-keys=secret:ward-bootstrap/job.pub,secret:ward-bootstrap/job.pub,${join(dir, 'alice.asc')},configmap:ward-operator-keys/bob.asc`,
      '-key-threshold=2', '-bootstrap-pgp-key=secret:ward-bootstrap/job.key', '-wait-timeout=30s',
      '-audit-type=file', `-audit-options=file_path=${join(dir, 'audit.log')}`, ...extra], '', env);
    const r = await p.exited;
    outputs.push(p.stdout(), p.stderr());
    return { code: r.code, stderr: p.stderr(), stdout: p.stdout() };
  };

  const secretData = async (name: string) => {
    const s = await core.readNamespacedSecret({ namespace: NS, name });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-bootstrap-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ca = await makeCa('ward-bootstrap-ca', 'ec');
    const cert = await ca.server('127.0.0.1');
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, ca.certPem);
    [job, alice, bob] = await Promise.all([testPgpKey('job'), testPgpKey('alice'), testPgpKey('bob')]);
    writeFileSync(join(dir, 'alice.asc'), alice.armoredPublic);

    kube = await startFakeKubeApiServer();
    cleanups.push(() => kube.close());
    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    // What the operators put in place before installing: the job's key pair, their public keys.
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, stringData: { 'job.key': job.armoredPrivate, 'job.pub': job.armoredPublic } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'ward-operator-keys' }, data: { 'bob.asc': bob.armoredPublic } } });
    // The job's RBAC, as the chart grants it: Secrets it reads and writes, pods it lists; and
    // reading ConfigMaps, because this test gives bob's key as one.
    await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, rules: [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ] } });
    await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ward-bootstrap' }, subjects: [{ kind: 'ServiceAccount', name: 'ward-bootstrap', namespace: NS }] } });
    const token = await kube.issueToken({ namespace: NS, name: 'ward-bootstrap', pod: null });
    kubeconfig = join(dir, 'job.kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfig(token), { mode: 0o600 });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('killed at every step and re-run, the job completes: encrypted keys stored, shares unseal, root revoked, provisioner token works, nothing secret printed', async () => {
    const port = await freePort();
    let pod = await startPod('ward-0', port);
    cleanups.push(() => pod.proc.kill());
    for (const point of KILL_POINTS) {
      const r = await runJob(pod, [], { WARD_BOOTSTRAP_EXIT_AT: point });
      assert.equal(r.code, HOOK_EXIT, `killed at ${point}:\n${r.stderr}`);
      if (point === 'unseal') {
        // The pod restarts meanwhile (sealed again): the next run unseals it again.
        await pod.proc.kill();
        pod = await startPod('ward-0', port);
      }
    }
    const done = await runJob(pod);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /root token revoked by an earlier run/);
    const again = await runJob(pod);
    assert.equal(again.code, 0, again.stderr);

    // What the job leaves behind.
    const keys = await secretData('ward-init');
    assert.deepEqual(Object.keys(keys).sort(), ['root-token', 'unseal-key-1', 'unseal-key-2', 'unseal-key-3', 'unseal-key-4']);
    const progress = Object.fromEntries(Object.entries(await secretData('ward-bootstrap-progress')).map(([k, v]) => [k, v.toString('utf8')]));
    assert.deepEqual(Object.keys(progress).sort(), ['audit', 'init', 'policies', 'provisioner-token', 'revoke-root']);
    assert.match(progress['init']!, /^stored /);

    // Operators decrypt their shares with gpg (alice) and openpgp (bob); the two unseal a restarted pod.
    await pod.proc.kill();
    pod = await startPod('ward-0', port);
    assert.equal((await pod.client().sealStatus()).sealed, true);
    const aliceShare = await gpgDecrypt(alice, keys['unseal-key-3']!.toString('base64'));
    const bobShare = await openpgpDecrypt(bob, keys['unseal-key-4']!);
    await assert.rejects(openpgpDecrypt(alice, keys['unseal-key-4']!), 'bob\'s share is bob\'s');
    await pod.client().unseal(aliceShare);
    assert.equal((await pod.client().unseal(bobShare)).sealed, false);

    // The root token (encrypted to the job's key) no longer works.
    const root = await openpgpDecrypt(job, keys['root-token']!);
    await assert.rejects(pod.client(root).tokenLookupSelf(), (e: unknown) => e instanceof ApiError && e.status === 403);

    // The provisioner token: its policy, no more, and not revoked with the root token.
    const prov = (await secretData('ward-provisioner-token'))['token']!.toString('utf8');
    const self = (await pod.client(prov).tokenLookupSelf()).body?.data as { policies: string[] };
    assert.deepEqual(self.policies, ['default', 'provisioner']);
    const caps = (await pod.client(prov).write('sys/capabilities-self', { paths: ['secret/data/app/db', 'sys/policies/acl/admin', 'sys/mounts/kv'] })).body?.data as Record<string, string[]>;
    assert.deepEqual(caps['secret/data/app/db'], ['create', 'update']);
    assert.deepEqual(caps['sys/policies/acl/admin'], ['deny']);
    assert.deepEqual(caps['sys/mounts/kv'], ['deny']);

    // The audit device saw the job's work (enabled first, so it saw the rest).
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8');
    for (const path of ['sys/policies/acl/admin', 'sys/policies/acl/provisioner', 'auth/token/create-orphan', 'auth/token/revoke-self']) assert.ok(audit.includes(`"path":"${path}"`), path);

    // Nothing secret in any run's output: shares, root token, provisioner token.
    const jobShares = await Promise.all([1, 2].map((i) => openpgpDecrypt(job, keys[`unseal-key-${i}`]!)));
    const all = outputs.join('\n');
    for (const s of [aliceShare, bobShare, ...jobShares, root, prov]) assert.ok(s.length > 10 && !all.includes(s), 'a secret was printed');
    assert.doesNotMatch(JSON.stringify(progress), new RegExp(`${prov}|${root}`));
    assert.match(all, /"msg":"server answered".*"initialized":false/);
  });

  test('operators keep every share: the job stops at the sealed pod, the operators unseal, a re-run completes', async () => {
    const pod = await startPod('ward-ops');
    cleanups.push(() => pod.proc.kill());
    const args = [`-pgp-keys=${join(dir, 'alice.asc')},configmap:ward-operator-keys/bob.asc`, '-key-threshold=2',
      '-keys-secret=ops-init', '-progress-secret=ops-progress', '-provisioner-token-secret=ops-token'];
    const first = await runJob(pod, args);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /needs 2 shares, but only 0 of the key shares are encrypted to the job's key: operators must unseal it/);
    // What the README tells operators to do: decrypt their share from the Secret with gpg, unseal.
    const keys = await secretData('ops-init');
    await pod.client().unseal(await gpgDecrypt(alice, keys['unseal-key-1']!.toString('base64')));
    await pod.client().unseal(await gpgDecrypt(bob, keys['unseal-key-2']!.toString('base64')));
    const again = await runJob(pod, args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /"msg":"unsealed already"/);
    assert.match(again.stderr, /"msg":"root token revoked"/);
    // Someone deletes the keys Secret: the job does not mistake that for a fresh start.
    await core.deleteNamespacedSecret({ namespace: NS, name: 'ops-init' });
    const gone = await runJob(pod, args);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /the keys Secret ops-init no longer holds the keys this job stored \(stored [^)]+\): restore it from your backup/);
  });

  test('auto seal: recovery shares encrypted to the operators, no unseal needed, a policy of the operators\' own, root kept when asked', async () => {
    writeFileSync(join(dir, 'seal.key'), randomBytes(32));
    writeFileSync(join(dir, 'admin.hcl'), 'path "sys/mounts/*" { capabilities = ["read"] }\n');
    const pod = await startPod('ward-auto', undefined, `seal "static" {\n  current_key_id = "k1"\n  current_key = "file://${join(dir, 'seal.key')}"\n}`);
    cleanups.push(() => pod.proc.kill());
    const p = spawnWard(['k8s', 'bootstrap', `-kubeconfig=${kubeconfig}`, `-namespace=${NS}`, `-address=${pod.url}`, `-ca-cert=${caFile}`,
      `-recovery-pgp-keys=${join(dir, 'alice.asc')},configmap:ward-operator-keys/bob.asc`, '-recovery-threshold=2', '-bootstrap-pgp-key=secret:ward-bootstrap/job.key',
      '-keys-secret=auto-init', '-progress-secret=auto-progress', '-provisioner-token-secret=auto-token', '-audit-type=none', '-wait-timeout=30s',
      `-admin-policy-file=${join(dir, 'admin.hcl')}`, '-revoke-root=false']);
    const r = await p.exited;
    outputs.push(p.stdout(), p.stderr());
    assert.equal(r.code, 0, p.stderr());
    assert.match(p.stderr(), /"msg":"unsealed already"/);
    const keys = await secretData('auto-init');
    assert.deepEqual(Object.keys(keys).sort(), ['recovery-key-1', 'recovery-key-2', 'root-token']);
    assert.match(await gpgDecrypt(alice, keys['recovery-key-1']!.toString('base64')), /^[0-9a-f]{66}$/);
    // -revoke-root=false: the root token (encrypted to the job's key) still works, and shows the operators' admin policy.
    const root = await openpgpDecrypt(job, keys['root-token']!);
    assert.match(p.stderr(), /root token kept/);
    const admin = await pod.client(root).readPolicy('admin');
    assert.equal((admin.body?.data as { policy: string }).policy, 'path "sys/mounts/*" { capabilities = ["read"] }\n');
    const prov = (await secretData('auto-token'))['token']!.toString('utf8');
    assert.deepEqual(((await pod.client(prov).tokenLookupSelf()).body?.data as { policies: string[] }).policies, ['default', 'provisioner']);
  });

  test('when the keys Secret cannot be written after init, the job prints the encrypted response rather than lose it', async () => {
    const pod = await startPod('ward-nowrite');
    cleanups.push(() => pod.proc.kill());
    // An account that may create Secrets but not update them: the empty Secret is created, the write of the keys refused.
    const rbac = kubeConfigFor(kube).makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: NS, body: { metadata: { name: 'create-only' }, rules: [
      { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'create', 'patch'] },
    ] } });
    await rbac.createNamespacedRoleBinding({ namespace: NS, body: { metadata: { name: 'create-only' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'create-only' }, subjects: [{ kind: 'ServiceAccount', name: 'create-only', namespace: NS }] } });
    const cfg = join(dir, 'create-only.kubeconfig');
    writeFileSync(cfg, kube.kubeconfig(await kube.issueToken({ namespace: NS, name: 'create-only', pod: null })), { mode: 0o600 });
    const p = spawnWard(['k8s', 'bootstrap', `-kubeconfig=${cfg}`, `-namespace=${NS}`, `-address=${pod.url}`, `-ca-cert=${caFile}`,
      `-pgp-keys=${join(dir, 'alice.asc')}`, '-bootstrap-pgp-key=secret:ward-bootstrap/job.key', '-wait-timeout=2s',
      '-keys-secret=nowrite-init', '-progress-secret=nowrite-progress']);
    const r = await p.exited;
    outputs.push(p.stdout(), p.stderr());
    assert.equal(r.code, 1, p.stderr());
    assert.match(p.stderr(), /could not store the init response.*printed on stdout/);
    const printed = JSON.parse(p.stdout()) as { keys_base64: string[]; root_token: string };
    const share = await gpgDecrypt(alice, printed.keys_base64[0]!);
    assert.equal((await pod.client().unseal(share)).sealed, false);
    assert.ok((await openpgpDecrypt(job, Buffer.from(printed.root_token, 'base64'))).length > 10);
  });

  test('SIGTERM between the init answer and the Secret write is held until the keys are stored', async () => {
    const pod = await startPod('ward-term');
    cleanups.push(() => pod.proc.kill());
    const names = ['-keys-secret=term-init', '-progress-secret=term-progress', '-provisioner-token-secret=term-token'];
    const p = spawnWard(['k8s', 'bootstrap', `-kubeconfig=${kubeconfig}`, `-namespace=${NS}`, `-address=${pod.url}`, `-ca-cert=${caFile}`,
      `-pgp-keys=${join(dir, 'alice.asc')}`, '-bootstrap-pgp-key=secret:ward-bootstrap/job.key', '-wait-timeout=30s', ...names], '', { WARD_BOOTSTRAP_PAUSE_AT: 'init-response' });
    cleanups.push(() => p.kill());
    await waitFor('the job to pause in the window', () => /paused at test hook/.test(p.stderr()) || (p.child.exitCode !== null && Promise.reject(new Error(p.stderr()))), { timeoutMs: 30_000 });
    p.child.kill('SIGTERM');
    const r = await p.exited;
    outputs.push(p.stdout(), p.stderr());
    assert.deepEqual(r, { code: 143, signal: null }, p.stderr());
    assert.match(p.stderr(), /signal held until the init response is stored/);
    const s = await core.readNamespacedSecret({ namespace: NS, name: 'term-init' });
    assert.equal(s.metadata?.annotations?.['ward.io/bootstrap-state'], 'stored');
    const share = await gpgDecrypt(alice, s.data!['unseal-key-1']!);
    assert.equal((await pod.client().unseal(share)).sealed, false);
  });

  test('pods found by label; a job killed between the init answer and the Secret write finds the answer the server kept, and completes', async () => {
    const port = await freePort();
    const pod = await startPod('ward-lost', port);
    cleanups.push(() => pod.proc.kill());
    // The StatefulSet's pod, as the API server shows it once scheduled (its IP is loopback here).
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'ward-lost-0', labels: { app: 'ward-lost' } }, spec: { containers: [{ name: 'ward', image: 'ward' }] } } });
    await core.replaceNamespacedPodStatus({ namespace: NS, name: 'ward-lost-0', body: { metadata: { name: 'ward-lost-0' }, status: { phase: 'Running', podIP: '127.0.0.1' } } });
    const names = ['-keys-secret=lost-init', '-progress-secret=lost-progress', '-provisioner-token-secret=lost-token', '-pod-selector=app=ward-lost', `-pod-port=${port}`];
    // -expected-pods: a second replica never shows up, so the job waits and gives up, naming why.
    const short = await runJob(pod, [...names, '-expected-pods=2', '-wait-timeout=2s'], {}, false);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /timed out waiting for 2 Ward pods \(found 1: ward-lost-0\)/);
    // A bad key stops the job before init, naming where it came from.
    writeFileSync(join(dir, 'garbage.asc'), 'not a key');
    const bad = await runJob(pod, [...names, `-pgp-keys=${join(dir, 'garbage.asc')},${join(dir, 'alice.asc')}`, '-key-threshold=2'], {}, false);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /garbage\.asc: error (parsing|decoding) given PGP key/);
    assert.equal((await pod.client().sealStatus()).initialized, false);
    const first = await runJob(pod, names, { WARD_BOOTSTRAP_EXIT_AT: 'init-response' }, false);
    assert.equal(first.code, HOOK_EXIT, first.stderr);
    assert.match(first.stderr, /"msg":"server answered","pod":"ward-lost-0","initialized":false/);
    const again = await runJob(pod, names, {}, false);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /the server kept it \(encrypted\): storing it now/);
    const keys = await secretData('lost-init');
    assert.ok(keys['unseal-key-1'] && keys['root-token'], 'the shares and the root token are stored');
    // Alice's share (the third) decrypts with her key: nothing was lost.
    assert.match(await openpgpDecrypt(alice, keys['unseal-key-3']!), /^[0-9a-f]+$/);
    assert.equal((await pod.client().sealStatus()).sealed, false, 'the job unsealed with its own shares');
  });
});
