import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';

const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('fake cluster: built-in pod admission (ServiceAccount plugin)', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { a: {} } });
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
  });
  after(() => k.close());

  const pod = (name: string, spec: Partial<V1Pod['spec']> = {}): V1Pod => ({
    metadata: { name },
    spec: { initContainers: [{ name: 'init', image: 'i' }], containers: [{ name: 'app', image: 'a' }], ...spec },
  });

  it('publishes kube-root-ca.crt with the cluster CA in every namespace', async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'a' });
    assert.equal(cm.data?.['ca.crt'], k.caPem);
  });

  it('defaults the service account and mounts the projected kube-api-access volume in every container', async () => {
    const p = await core.createNamespacedPod({ namespace: 'a', body: pod('p1') });
    assert.equal(p.spec?.serviceAccountName, 'default');
    const vol = p.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.match(vol?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(vol?.projected?.sources?.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
    assert.equal(vol?.projected?.sources?.[0]?.serviceAccountToken?.path, 'token');
    for (const c of [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])]) {
      assert.deepEqual(c.volumeMounts?.map((m) => ({ ...m })), [{ name: vol?.name, mountPath: TOKEN_PATH, readOnly: true }], c.name);
    }
  });

  it('does not mount the token when automountServiceAccountToken is false (pod or service account)', async () => {
    const p = await core.createNamespacedPod({ namespace: 'a', body: pod('p2', { automountServiceAccountToken: false }) });
    assert.equal(p.spec?.volumes, undefined);
    await core.createNamespacedServiceAccount({ namespace: 'a', body: { metadata: { name: 'quiet' }, automountServiceAccountToken: false } });
    const q = await core.createNamespacedPod({ namespace: 'a', body: pod('p3', { serviceAccountName: 'quiet' }) });
    assert.equal(q.spec?.volumes, undefined);
  });

  it('refuses a pod whose service account does not exist, as the real plugin does', async () => {
    const r = await failure(core.createNamespacedPod({ namespace: 'a', body: pod('p4', { serviceAccountName: 'ghost' }) }));
    assert.equal(r.code, 403);
    assert.equal(r.status.message, 'pods "p4" is forbidden: error looking up service account a/ghost: serviceaccount "ghost" not found');
  });

  it('runs before the admission hook, which sees the mounted pod', async () => {
    let seen: V1Pod | undefined;
    k.setAdmitter(async (r) => {
      if (r.t.plural === 'pods') seen = r.object as V1Pod;
      return r.object;
    });
    await core.createNamespacedPod({ namespace: 'a', body: pod('p5') });
    assert.ok(seen?.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')));
    assert.equal(seen?.spec?.containers[0]?.volumeMounts?.[0]?.mountPath, TOKEN_PATH);
  });
});
