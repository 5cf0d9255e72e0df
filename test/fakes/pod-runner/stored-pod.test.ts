import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../kube-apiserver/index.js';
import { kubeConfigFor } from '../kube-apiserver/test-client.js';
import { runStoredPod, type StoredPod } from './stored-pod.js';
import { alive, b64, pidsInNamespaceOf, POD_SANDBOX } from './test-support.js';

describe('pod runner: pods stored in the fake cluster', { skip: skipUnless(POD_SANDBOX), timeout: 60_000 }, () => {
  let k: FakeKubeApiServer;
  let api: CoreV1Api;
  const pods: StoredPod[] = [];
  before(async () => {
    k = await startFakeKubeApiServer();
    api = kubeConfigFor(k).makeApiClient(CoreV1Api);
    await api.createNamespace({ body: { metadata: { name: 'prod' } } });
    await api.createNamespacedServiceAccount({ namespace: 'prod', body: { metadata: { name: 'web' } } });
    await api.createNamespacedSecret({ namespace: 'prod', body: { metadata: { name: 'db' }, data: { password: b64('s3cret') } } });
  });
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    await k?.close();
  });

  const create = (pod: V1Pod) => api.createNamespacedPod({ namespace: 'prod', body: pod });

  test('a created pod (after the cluster\'s admission) runs with its Secret and service-account token, and its status is written back', async () => {
    await create({
      metadata: { name: 'job' },
      spec: {
        serviceAccountName: 'web',
        restartPolicy: 'Never',
        volumes: [{ name: 'db', secret: { secretName: 'db' } }],
        containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'cat /db/password; echo; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; echo $KUBERNETES_SERVICE_HOST'], volumeMounts: [{ name: 'db', mountPath: '/db' }] }],
      },
    });
    const p = await runStoredPod(k, 'prod', 'job');
    pods.push(p);
    await p.done;
    assert.equal(p.logs('app'), 's3cret\nprod\n127.0.0.1\n');
    const stored = await waitFor('status Succeeded in the cluster', async () => {
      const s = await api.readNamespacedPodStatus({ namespace: 'prod', name: 'job' });
      return s.status?.phase === 'Succeeded' && s;
    });
    assert.equal(stored.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    assert.equal(stored.status?.podIP, '127.0.0.1');
    assert.deepEqual(p.statusWriteErrors, []);
  });

  test('the projected token is bound to the stored pod and accepted by the cluster\'s TokenReview', async () => {
    await create({
      metadata: { name: 'srv' },
      spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done'] }] },
    });
    const p = await runStoredPod(k, 'prod', 'srv');
    pods.push(p);
    await waitFor('running', () => p.status().containerStatuses[0]?.state.running);
    const r = await p.exec('app', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    assert.equal(r.exitCode, 0, r.stderr);
    const token = r.stdout;
    const { AuthenticationV1Api } = await import('@kubernetes/client-node');
    const review = await kubeConfigFor(k, k.reviewerToken).makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token } } });
    assert.equal(review.status?.authenticated, true, JSON.stringify(review.status));
    assert.equal(review.status?.user?.username, 'system:serviceaccount:prod:web');
    const stored = await api.readNamespacedPod({ namespace: 'prod', name: 'srv' });
    assert.deepEqual(review.status?.user?.extra?.['authentication.kubernetes.io/pod-uid'], [stored.metadata?.uid]);
    // Minted as the kubelet does, through the cluster's TokenRequest.
    assert.ok(k.requests.some((r) => r.resource === 'serviceaccounts' && r.subresource === 'token' && r.name === 'web' && r.status === 201));
  });

  test('deleting the pod from the cluster stops every process of it', async () => {
    await create({
      metadata: { name: 'doomed' },
      spec: { serviceAccountName: 'web', terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'sleep 1000 & trap "exit 0" TERM; while :; do sleep 0.1; done'] }] },
    });
    const p = await runStoredPod(k, 'prod', 'doomed');
    pods.push(p);
    await waitFor('running', () => p.pids().length === 1 && p.status().containerStatuses[0]?.state.running);
    const all = await waitFor('processes', () => {
      const ps = p.pids().flatMap(pidsInNamespaceOf);
      return ps.length >= 3 && ps;
    });
    await api.deleteNamespacedPod({ namespace: 'prod', name: 'doomed' });
    await waitFor('every process gone', () => all.filter(alive).length === 0);
    assert.equal((await p.done).containerStatuses[0]?.state.terminated?.exitCode, 0);
  });
});
