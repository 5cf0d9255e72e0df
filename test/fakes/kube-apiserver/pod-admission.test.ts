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

describe('fake cluster: pod spec validation', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { v: {} } });
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
  });
  after(() => k.close());

  const cases: [string, Partial<V1Pod['spec']>, RegExp][] = [
    ['duplicate container names across init and app containers', { initContainers: [{ name: 'app', image: 'i' }], containers: [{ name: 'app', image: 'a' }] }, /spec\.containers\[0\]\.name: Duplicate value: "app"/],
    ['a container without an image', { containers: [{ name: 'app' } as never] }, /spec\.containers\[0\]\.image: Required value/],
    ['duplicate volume names', { containers: [{ name: 'app', image: 'a' }], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, /spec\.volumes\[1\]\.name: Duplicate value: "v"/],
    ['a mount of a volume that does not exist', { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'secrets', mountPath: '/vault/secrets' }] }] }, /spec\.containers\[0\]\.volumeMounts\[0\]\.name: Not found: "secrets"/],
    ['two mounts at one path', { volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }], containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/x' }] }] }, /spec\.containers\[0\]\.volumeMounts\[1\]\.mountPath: Invalid value: "\/x": must be unique/],
    ['a container name that is not a DNS label', { containers: [{ name: 'App_1', image: 'a' }] }, /spec\.containers\[0\]\.name: Invalid value: "App_1"/],
  ];
  for (const [what, spec, message] of cases) {
    it(`refuses ${what} (422)`, async () => {
      const r = await failure(core.createNamespacedPod({ namespace: 'v', body: { metadata: { name: 'bad' }, spec: { automountServiceAccountToken: false, ...spec } as V1Pod['spec'] } }));
      assert.equal(r.code, 422);
      assert.match(r.status.message ?? '', /^Pod "bad" is invalid: /);
      assert.match(r.status.message ?? '', message);
    });
  }

  it('validates what admission produced, so a broken mutation is refused', async () => {
    k.setAdmitter(async (r) => {
      const spec = r.object['spec'] as { containers: { volumeMounts?: unknown[] }[] };
      spec.containers[0]!.volumeMounts = [...(spec.containers[0]!.volumeMounts ?? []), { name: 'vault-secrets', mountPath: '/vault/secrets' }];
      return r.object;
    });
    const r = await failure(core.createNamespacedPod({ namespace: 'v', body: { metadata: { name: 'mutated' }, spec: { containers: [{ name: 'app', image: 'a' }] } } }));
    assert.equal(r.code, 422);
    assert.match(r.status.message ?? '', /volumeMounts\[1\]\.name: Not found: "vault-secrets"/);
  });
});
