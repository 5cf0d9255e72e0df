import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApiError, startFakeKubeApiServer, type AdmissionRequest, type Attributes, type FakeKubeApiServer } from './index.js';
import { status } from './status.js';
import { failure, kubeConfigFor } from './test-client.js';

describe('fake cluster: authorization, admission and subresource hooks', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { h: {} } });
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
  });
  after(() => k.close());

  it('asks the authorizer with the request attributes and words its refusal as the real server', async () => {
    const asked: Attributes[] = [];
    const token = await k.issueToken({ namespace: 'h', name: 'reader' });
    k.setAuthorizer((user, a) => {
      asked.push(a);
      return user.username === 'system:serviceaccount:h:reader' && a.verb === 'get' && a.resource === 'configmaps';
    });
    try {
      const sa = kubeConfigFor(k, token).makeApiClient(CoreV1Api);
      await k.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'h' } });
      assert.equal((await sa.readNamespacedConfigMap({ name: 'cm', namespace: 'h' })).metadata?.name, 'cm');
      const denied = await failure(sa.deleteNamespacedConfigMap({ name: 'cm', namespace: 'h' }));
      assert.equal(denied.code, 403);
      assert.equal(denied.status.message, 'configmaps "cm" is forbidden: User "system:serviceaccount:h:reader" cannot delete resource "configmaps" in API group "" in the namespace "h"');
      assert.deepEqual(asked.at(-1), { verb: 'delete', apiGroup: '', resource: 'configmaps', subresource: '', namespace: 'h', name: 'cm' });
      const nsDenied = await failure(sa.readNamespace({ name: 'h' }));
      assert.equal(nsDenied.status.message, 'namespaces "h" is forbidden: User "system:serviceaccount:h:reader" cannot get resource "namespaces" in API group "" in the namespace "h"');
    } finally {
      k.setAuthorizer(() => true);
    }
  });

  it('lets admission mutate or reject creates and updates, with the old object on update', async () => {
    const seen: AdmissionRequest[] = [];
    k.setAdmitter(async (r) => {
      seen.push(r);
      if (r.object.metadata.labels?.['deny'] === 'yes') {
        throw new ApiError(400, status(400, 'BadRequest', 'admission webhook "x.example.com" denied the request: no'));
      }
      return { ...r.object, metadata: { ...r.object.metadata, annotations: { ...(r.object.metadata.annotations ?? {}), admitted: r.operation } } };
    });
    const cm = await core.createNamespacedConfigMap({ namespace: 'h', body: { metadata: { name: 'adm' } } });
    assert.equal(cm.metadata?.annotations?.['admitted'], 'CREATE');
    const patched = await core.patchNamespacedConfigMap({ name: 'adm', namespace: 'h', body: { data: { a: 'b' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.equal(patched.metadata?.annotations?.['admitted'], 'UPDATE');
    assert.equal(seen.at(-1)?.oldObject?.metadata.annotations?.['admitted'], 'CREATE');
    const denied = await failure(core.createNamespacedConfigMap({ namespace: 'h', body: { metadata: { name: 'no', labels: { deny: 'yes' } } } }));
    assert.equal(denied.status.message, 'admission webhook "x.example.com" denied the request: no');
    assert.equal(k.object('v1', 'ConfigMap', 'h', 'no'), undefined);
    k.setAdmitter(async (r) => r.object);
  });

  it('serves registered subresources after authorization', async () => {
    k.subresources.set('/serviceaccounts/token', async (r) => ({ code: 201, body: { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: r.name, namespace: r.namespace }, status: { token: 'x', expirationTimestamp: '2030-01-01T00:00:00Z' } } }));
    const tr = await core.createNamespacedServiceAccountToken({ name: 'default', namespace: 'h', body: { spec: { audiences: ['vault'] } } });
    assert.equal(tr.status?.token, 'x');
    const unknown = await failure(core.createNamespacedPodEviction({ name: 'p', namespace: 'h', body: {} }));
    assert.equal(unknown.code, 404);
  });

  it('re-applies a patch when the object changed while admission ran, as the real server retries', async () => {
    await core.createNamespacedConfigMap({ namespace: 'h', body: { metadata: { name: 'race' }, data: { a: '1' } } });
    let raced = false;
    k.setAdmitter(async (r) => {
      if (r.object.metadata.name === 'race' && !raced) {
        raced = true; // another writer gets in while this webhook runs
        const cur = k.object('v1', 'ConfigMap', 'h', 'race')!;
        k.store.update(r.t, 'h', 'race', { ...cur, data: { ...(cur['data'] as object), b: '2' } });
      }
      return r.object;
    });
    try {
      const out = await core.patchNamespacedConfigMap({ name: 'race', namespace: 'h', body: { data: { c: '3' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      assert.deepEqual(out.data, { a: '1', b: '2', c: '3' });
      const cur = k.object('v1', 'ConfigMap', 'h', 'race')!;
      // A patch that names a resourceVersion is a precondition: no retry.
      const stale = await failure(core.patchNamespacedConfigMap({ name: 'race', namespace: 'h', body: { metadata: { resourceVersion: String(Number(cur.metadata.resourceVersion) - 1) }, data: { d: '4' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
      assert.equal(stale.code, 409);
    } finally {
      k.setAdmitter(async (r) => r.object);
    }
  });
});
