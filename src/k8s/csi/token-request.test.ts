/**
 * The CSI provider's TokenRequest fallback against the fake cluster, with the provider's own
 * in-cluster service account: a token bound to the pod (its own TokenReview accepts it and
 * names the pod), the API server's refusal carried in the error, and nothing outside a cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationV1Api } from '@kubernetes/client-node';
import { startFakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../../test/fakes/kube-apiserver/test-client.js';
import { KubeTokenRequester } from './token-request.js';

async function cluster(t: { after(fn: () => unknown): void }) {
  const k = await startFakeKubeApiServer({ namespaces: { app: {}, csi: {} } });
  t.after(() => k.close());
  const pod = k.createPod('app', 'web-0');
  const serviceAccount = String(pod.spec?.serviceAccountName ?? 'default');
  /** The provider's in-cluster view: its own token and the cluster CA where the kubelet mounts them. */
  const provider = async (allowed: boolean): Promise<KubeTokenRequester> => {
    const name = allowed ? 'csi-provider' : 'nobody';
    if (allowed) {
      k.seed({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csi-token' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }] });
      k.seed({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'csi-token' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csi-token' }, subjects: [{ kind: 'ServiceAccount', namespace: 'csi', name }] });
    }
    const dir = mkdtempSync(join(tmpdir(), 'ward-csi-sa-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'token'), `${await k.issueToken({ namespace: 'csi', name, pod: null })}\n`);
    writeFileSync(join(dir, 'ca.crt'), k.caPem);
    writeFileSync(join(dir, 'namespace'), 'csi');
    const r = KubeTokenRequester.fromEnv({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(k.port), KUBECONFIG: '/nonexistent' }, dir);
    assert.ok(r);
    return r;
  };
  const identity = { name: 'web-0', namespace: 'app', uid: pod.metadata.uid ?? '', serviceAccount };
  return { k, provider, identity };
}

test('TokenRequest: a token bound to the pod, for the audience, minted with the provider\'s own account', async (t) => {
  const { k, provider, identity } = await cluster(t);
  const token = await (await provider(true)).request(identity, 'vault');
  const review = await kubeConfigFor(k).makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token, audiences: ['vault'] } } });
  assert.equal(review.status?.authenticated, true);
  assert.equal(review.status?.user?.username, `system:serviceaccount:app:${identity.serviceAccount}`);
  assert.deepEqual(review.status?.user?.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
});

test('TokenRequest: a refusal carries the API server\'s message; a pod that is not there is named; missing identity is named', async (t) => {
  const { provider, identity } = await cluster(t);
  await assert.rejects((await provider(false)).request(identity, 'vault'), /^Error: TokenRequest for app\/\S+ failed: .*forbidden/);
  const allowed = await provider(true);
  await assert.rejects(allowed.request({ ...identity, name: 'gone' }, 'vault'), /TokenRequest for app\/\S+ failed: .*not found/);
  await assert.rejects(allowed.request({ ...identity, uid: '' }, 'vault'), /csi\.storage\.k8s\.io\/pod/);
});

test('fromEnv: only inside a cluster', () => {
  assert.equal(KubeTokenRequester.fromEnv({}), undefined);
});
