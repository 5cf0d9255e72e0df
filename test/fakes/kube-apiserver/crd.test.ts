import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, makeInformer, PatchStrategy, setHeaderOptions, VersionApi, Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor, raw } from './test-client.js';

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

  it('feeds an informer of custom resources (CustomObjectsApi list + watch)', async () => {
    const kc = kubeConfigFor(k);
    const informer = makeInformer(kc, `/apis/${G}/v1/namespaces/c/secretsyncs`,
      () => custom.listNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs' }) as Promise<KubernetesListObject<KubernetesObject>>);
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', body: { apiVersion: `${G}/v1`, kind: 'SecretSync', metadata: { name: 's2' }, spec: {} } });
      await waitFor('informer sees s1 and s2', () => informer.list('c').map((o) => o.metadata?.name).sort().join(',') === 's1,s2');
      await custom.deleteNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', name: 's2' });
      await waitFor('informer drops s2', () => informer.list('c').map((o) => o.metadata?.name).join(',') === 's1');
    } finally {
      await informer.stop();
    }
  });

  it('validates CRD names and requires kind on custom resources, as the real server', async () => {
    const bad = await failure(ext.createCustomResourceDefinition({ body: { ...crd('Namespaced', 'things', 'Thing'), metadata: { name: 'wrong' } } }));
    assert.equal(bad.code, 422);
    assert.equal(bad.status.message, 'CustomResourceDefinition.apiextensions.k8s.io "wrong" is invalid: metadata.name: Invalid value: "wrong": must be spec.names.plural+"."+spec.group');
    const base = crd('Namespaced', 'things', 'Thing');
    const noStorage = await failure(ext.createCustomResourceDefinition({ body: { ...base, spec: { ...base.spec, versions: base.spec.versions.map((v) => ({ ...v, storage: false })) } } }));
    assert.equal(noStorage.code, 422);
    assert.match(noStorage.status.message ?? '', /spec\.versions: Invalid value: .*must have exactly one version marked as storage version/);
    const badScope = await failure(ext.createCustomResourceDefinition({ body: { ...base, spec: { ...base.spec, scope: 'Galaxy' } } }));
    assert.match(badScope.status.message ?? '', /spec\.scope: Unsupported value: "Galaxy": supported values: "Cluster", "Namespaced"/);
    const typed = await raw(k, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...base, spec: { ...base.spec, versions: 'v1' } });
    assert.equal(typed.code, 400);
    const noKind = await failure(custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', body: { metadata: { name: 'nokind' } } }));
    assert.equal(noKind.code, 400);
    assert.match(noKind.status.message ?? '', /^Object 'Kind' is missing in/);
    const wrongVersion = await failure(custom.createNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs', body: { apiVersion: `${G}/v9`, kind: 'SecretSync', metadata: { name: 'v9' } } }));
    assert.equal(wrongVersion.code, 400);
    assert.equal(wrongVersion.status.message, `the API version in the data (${G}/v9) does not match the expected API version (${G}/v1)`);
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
    const authn = await fetchJson('/apis/authentication.k8s.io/v1');
    assert.deepEqual(authn['resources'], [{ name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] }]);
    const core = await fetchJson('/api/v1');
    assert.ok((core['resources'] as { name: string; namespaced: boolean }[]).some((r) => r.name === 'pods' && r.namespaced));
  });

  it('deleting the CRD deletes its custom resources (DELETED for watchers) and stops serving them', async () => {
    const seen: string[] = [];
    let ended = false;
    const ctl = await new Watch(kubeConfigFor(k)).watch(`/apis/${G}/v1/namespaces/c/secretsyncs`, { resourceVersion: k.store.resourceVersion }, (type, obj: { metadata: { name: string } }) => seen.push(`${type} ${obj.metadata.name}`), () => (ended = true));
    try {
      await ext.deleteCustomResourceDefinition({ name: `secretsyncs.${G}` });
      await waitFor('CR deleted', () => seen.includes('DELETED s1'));
      await waitFor('watch ended', () => ended);
      await waitFor('not served', async () => (await failure(custom.listNamespacedCustomObject({ group: G, version: 'v1', namespace: 'c', plural: 'secretsyncs' })).catch(() => ({ code: 200 }))).code === 404);
      const groups = await fetchJson(`/apis/${G}/v1`);
      assert.deepEqual((groups['resources'] as { name: string }[]).map((r) => r.name).sort(), ['policies', 'policies/status']);
    } finally {
      ctl.abort();
    }
  });

  it('answers the health endpoints with ok, without credentials', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const r = await fetchText(path, false);
      assert.deepEqual(r, { status: 200, body: 'ok' }, path);
    }
  });

  async function fetchText(path: string, auth = true): Promise<{ status: number; body: string }> {
    const { request } = await import('node:https');
    return new Promise((resolve, reject) => {
      const req = request(`${k.url}${path}`, { ca: k.caPem, headers: auth ? { authorization: `Bearer ${k.adminToken}` } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
  }

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
