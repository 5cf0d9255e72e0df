import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { skipUnless } from '../../helpers/requirement.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../kube-apiserver/index.js';
import { runPod, type RunningPod } from './index.js';
import { b64, mapEnv, podOf, POD_SANDBOX } from './test-support.js';

const sh = (script: string) => ({ image: 'busybox', command: ['sh', '-c', script] });

function tokenReview(k: FakeKubeApiServer, token: string, audiences: string[]): Promise<{ authenticated?: boolean; user?: { username: string; extra?: Record<string, string[]> } }> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } });
  return new Promise((resolve, reject) => {
    const req = https.request(`${k.url}/apis/authentication.k8s.io/v1/tokenreviews`, { method: 'POST', ca: k.caPem, headers: { authorization: `Bearer ${k.reviewerToken}`, 'content-type': 'application/json' } }, (res) => {
      let raw = '';
      res.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      res.on('end', () => resolve((JSON.parse(raw) as { status: never }).status));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('pod runner: volumes at their real paths', { skip: skipUnless(POD_SANDBOX), timeout: 60_000 }, () => {
  let k: FakeKubeApiServer;
  const pods: RunningPod[] = [];
  before(async () => {
    k = await startFakeKubeApiServer();
  });
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    await k?.close();
  });
  const run = async (...a: Parameters<typeof runPod>) => {
    const p = await runPod(...a);
    pods.push(p);
    return p;
  };
  const kubeEnv = () => mapEnv({
    caPem: k.caPem,
    requestToken: async (r) => ({
      token: await k.issueToken({ namespace: r.namespace, name: r.serviceAccountName, audiences: r.audiences.length > 0 ? r.audiences : undefined, expiresIn: r.expirationSeconds, pod: r.pod }),
    }),
  });

  test('secret, configMap (subPath) and downwardAPI volumes: keys as files with their modes, readOnly honoured', async () => {
    const env = mapEnv();
    env.secrets.set('default/db', { data: { user: b64('app'), password: b64('s3cret'), unused: b64('x') } });
    env.configMaps.set('default/cfg', { data: { 'app.conf': 'mode=fast\n' } });
    const p = await run(podOf({
      restartPolicy: 'Never',
      volumes: [
        { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400, items: [{ key: 'user', path: 'user' }, { key: 'password', path: 'nested/pass', mode: 0o600 }] } },
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        { name: 'all', secret: { secretName: 'db' } },
      ],
      containers: [{
        name: 'app',
        ...sh('stat -c "%a %n" /etc/creds/user /etc/creds/nested/pass /all/user; ls /all; cat /etc/creds/nested/pass; echo; cat /etc/app/app.conf /podinfo/labels; echo; cat /podinfo/name; echo; ls /etc/app; (echo x > /etc/creds/new) 2>/dev/null && echo creds writable || echo creds read-only; echo x > /all/new && echo all writable'),
        volumeMounts: [
          { name: 'creds', mountPath: '/etc/creds', readOnly: true },
          { name: 'cfg', mountPath: '/etc/app/app.conf', subPath: 'app.conf' },
          { name: 'info', mountPath: '/podinfo' },
          { name: 'all', mountPath: '/all' },
        ],
      }],
    }, { name: 'vol-pod', labels: { app: 'web', tier: 'a' } }), env);
    const s = await p.done;
    assert.equal(s.phase, 'Succeeded', p.logs('app'));
    assert.equal(p.logs('app'), [
      '400 /etc/creds/user', '600 /etc/creds/nested/pass', '644 /all/user', 'password', 'unused', 'user', 's3cret',
      'mode=fast', 'app="web"', 'tier="a"', 'vol-pod', 'app.conf', 'creds read-only', 'all writable', '',
    ].join('\n'));
  });

  test('the automatic service-account volume and a projected token with an audience are accepted by the cluster', async () => {
    const p = await run(podOf({
      serviceAccountName: 'web',
      automountServiceAccountToken: true,
      volumes: [{ name: 'ward-token', projected: { sources: [{ serviceAccountToken: { audience: 'ward', expirationSeconds: 600, path: 'token' } }] } }],
      containers: [{ name: 'app', ...sh('trap "exit 0" TERM; while :; do sleep 0.1; done'), volumeMounts: [{ name: 'ward-token', mountPath: '/var/run/secrets/ward', readOnly: true }] }],
    }, { name: 'sa-pod', namespace: 'prod' }), kubeEnv());
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const { waitFor } = await import('../../helpers/wait.js');
    await waitFor('app running', () => p.status().containerStatuses[0]?.state.running);
    const files = await p.exec('app', ['sh', '-c', `ls ${sa}; cat ${sa}/namespace; echo; cat ${sa}/ca.crt`]);
    assert.equal(files.stdout, `ca.crt\nnamespace\ntoken\nprod\n${k.caPem}`);
    const saToken = (await p.exec('app', ['cat', `${sa}/token`])).stdout;
    const wardToken = (await p.exec('app', ['cat', '/var/run/secrets/ward/token'])).stdout;
    const r1 = await tokenReview(k, saToken, []);
    assert.equal(r1.authenticated, true);
    assert.equal(r1.user?.username, 'system:serviceaccount:prod:web');
    assert.deepEqual(r1.user?.extra?.['authentication.kubernetes.io/pod-name'], ['sa-pod']);
    const r2 = await tokenReview(k, wardToken, ['ward']);
    assert.equal(r2.authenticated, true);
    assert.notEqual((await tokenReview(k, saToken, ['ward'])).authenticated, true, 'the automatic token is for the API server, not for ward');
  });

  test('a missing secret keeps the pod Pending with the kubelet\'s message; nothing runs', async () => {
    const p = await run(podOf({ restartPolicy: 'Never', volumes: [{ name: 'creds', secret: { secretName: 'nope' } }], containers: [{ name: 'app', ...sh('echo ran'), volumeMounts: [{ name: 'creds', mountPath: '/c' }] }] }), mapEnv());
    const { waitFor } = await import('../../helpers/wait.js');
    const s = await waitFor('FailedMount', () => (p.status().message ? p.status() : undefined));
    assert.equal(s.phase, 'Pending');
    assert.equal(s.message, 'MountVolume.SetUp failed for volume "creds" : secret "nope" not found');
    assert.equal(s.containerStatuses[0]?.state.waiting?.reason, 'ContainerCreating');
    assert.equal(p.logs('app'), '');
  });

  test('two pods at once with the same mountPath do not see each other\'s files', async () => {
    const mk = (who: string) => podOf({
      restartPolicy: 'Never',
      volumes: [{ name: 'vault-secrets', emptyDir: { medium: 'Memory' } }],
      initContainers: [{ name: 'writer', ...sh(`echo ${who} > /vault/secrets/${who}`), volumeMounts: [{ name: 'vault-secrets', mountPath: '/vault/secrets' }] }],
      // Both apps are alive together: each waits for the other's marker in the shared /tmp.
      containers: [{ name: 'app', ...sh(`touch $TMPDIR_MARK/${who}; while [ ! -e $TMPDIR_MARK/a ] || [ ! -e $TMPDIR_MARK/b ]; do sleep 0.05; done; ls /vault/secrets`), env: [{ name: 'TMPDIR_MARK', value: mark }], volumeMounts: [{ name: 'vault-secrets', mountPath: '/vault/secrets' }] }],
    });
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const mark = mkdtempSync(join(tmpdir(), 'pod-mark-'));
    const [a, b] = await Promise.all([run(mk('a'), mapEnv()), run(mk('b'), mapEnv())]);
    await Promise.all([a?.done, b?.done]);
    assert.equal(a?.logs('app'), 'a\n');
    assert.equal(b?.logs('app'), 'b\n');
  });

  test('runAsUser/runAsGroup and readOnlyRootFilesystem are honoured; emptyDirs stay writable', async () => {
    const p = await run(podOf({
      restartPolicy: 'Never',
      securityContext: { runAsUser: 100 },
      volumes: [{ name: 'home', emptyDir: {} }],
      containers: [{
        name: 'app',
        ...sh('id -u; id -g; touch /rootfile 2>/dev/null && echo root writable || echo root read-only; touch /home/vault/f && echo home ok; pwd'),
        workingDir: '/home/vault',
        securityContext: { runAsGroup: 1000, readOnlyRootFilesystem: true },
        volumeMounts: [{ name: 'home', mountPath: '/home/vault' }],
      }],
    }), mapEnv());
    await p.done;
    assert.equal(p.logs('app'), '100\n1000\nroot read-only\nhome ok\n/home/vault\n');
  });
});
