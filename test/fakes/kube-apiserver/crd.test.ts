import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, VersionApi, Watch } from '@kubernetes/client-node';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';

const crd = (scope: 'Namespaced' | 'Cluster', plural: string, kind: string) => ({
  metadata: { name: `${plural}.ward.example.com` },
  spec: {
    group: 'ward.example.com',
    scope,
    names: { plural, singular: kind.toLowerCase(), kind, shortNames: [plural.slice(0, 3)] },
    versions: [
      { name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      { name: 'v1beta1', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
    ],
  },
});

describe('fake cluster: CRDs, custom resources, discovery', () => {
  let k: FakeKubeApiServer;
  let ext: ApiextensionsV1Api;
  let custom: CustomObjectsApi;
  const G = 'ward.example.com';
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { c: {} }, version: 'v1.30.2' });
    const kc = kubeConfigFor(k);
    ext = kc.makeApiClient(ApiextensionsV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  after(() => k.close());

  it('serves nothing for a CRD that does not exist yet', async () => {
    const r = await failure(custom.listNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs' }));
    assert.equal(r.code, 404);
  });

  it('serves a CRD\'s served versions once created, with the status subresource and generation', async () => {
    await ext.createCustomResourceDefinition({ body: crd('Namespaced', 'secretsyncs', 'SecretSync') });
    await waitFor('established', async () => (await ext.readCustomResourceDefinition({ name: `secretsyncs.${G}` })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
    const created = await custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', body: { apiVersion: `${G}/v1`, kind: 'SecretSync', metadata: { name: 's1' }, spec: { path: 'kv/app' }, status: { synced: true } } }) as { metadata: { generation: number; resourceVersion: string }; status?: unknown };
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.status, undefined);
    const st = await custom.patchNamespacedCustomObjectStatus({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', name: 's1', body: { status: { synced: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)) as { status: { synced: boolean }; metadata: { generation: number } };
    assert.deepEqual(st.status, { synced: true });
    assert.equal(st.metadata.generation, 1);
    const specChange = await custom.patchNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', name: 's1', body: { spec: { path: 'kv/other' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)) as { metadata: { generation: number } };
    assert.equal(specChange.metadata.generation, 2);
    const unserved = await failure(custom.listNamespacedCustomObject({ group: G, version: 'v1beta1', namespace: 'c', plural: 'secretsyncs' }));
    assert.equal(unserved.code, 404);
  });

  it('refuses strategic merge patches on custom resources with 415', async () => {
    const r = await failure(custom.patchNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', name: 's1', body: { spec: {} } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
    assert.equal(r.code, 415);
    assert.equal(r.status.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  });

  it('serves cluster-scoped custom resources', async () => {
    await ext.createCustomResourceDefinition({ body: crd('Cluster', 'policies', 'Policy') });
    await custom.createClusterCustomObject({ group: G, version: 'v1', plural: 'policies', body: { apiVersion: `${G}/v1`, kind: 'Policy', metadata: { name: 'p1' } } });
    const list = await custom.listClusterCustomObject({ group: G, version: 'v1', plural: 'policies' }) as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(list.kind, 'PolicyList');
    assert.deepEqual(list.items.map((i) => i.metadata.name), ['p1']);
  });

  it('lists served groups and resources in discovery, and reports the configured version', async () => {
    const kc = kubeConfigFor(k);
    const v = await kc.makeApiClient(VersionApi).getCode();
    assert.equal(v.gitVersion, 'v1.30.2');
    assert.equal(v.minor, '30');
    const res = await fetchJson(`/apis/${G}/v1`);
    assert.deepEqual((res['resources'] as { name: string }[]).map((r) => r.name).sort(), ['policies', 'policies/status', 'secretsyncs', 'secretsyncs/status']);
    const groups = await fetchJson('/apis');
    assert.ok((groups['groups'] as { name: string }[]).some((g) => g.name === 'apps'));
    const core = await fetchJson('/api/v1');
    assert.ok((core['resources'] as { name: string; namespaced: boolean }[]).some((r) => r.name === 'pods' && r.namespaced));
  });

  it('deleting the CRD deletes its custom resources (DELETED for watchers) and stops serving them', async () => {
    const seen: string[] = [];
    const ctl = await new Watch(kubeConfigFor(k)).watch(`/apis/${G}/v1/namespaces/c/secretsyncs`, { resourceVersion: k.store.resourceVersion }, (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`), () => undefined);
    try {
      await ext.deleteCustomResourceDefinition({ name: `secretsyncs.${G}` });
      await waitFor('CR deleted', () => seen.includes('DELETED s1'));
      await waitFor('not served', async () => (await failure(custom.listNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs' })).catch(() => ({ code: 200 }))).code === 404);
      const groups = await fetchJson(`/apis/${G}/v1`);
      assert.deepEqual((groups['resources'] as { name: string }[]).map((r) => r.name).sort(), ['policies', 'policies/status']);
    } finally {
      ctl.abort();
    }
  });

  async function fetchJson(path: string): Promise<Record<string, unknown>> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(`${k.url}${path}`, { ca: k.caPem, headers: { authorization: `Bearer ${k.adminToken}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
