import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';

const as = (type: string) => setHeaderOptions('Content-Type', type);

describe('fake cluster: patches, status subresource, dryRun, paging', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { p: {} } });
    const kc = kubeConfigFor(k);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespacedPod({ namespace: 'p', body: {
      metadata: { name: 'app' },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'a:1', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    } });
  });
  after(() => k.close());

  it('strategic-merges containers, env and volumes the way an injector patches a pod', async () => {
    const out = await core.patchNamespacedPod({ name: 'app', namespace: 'p', body: {
      spec: {
        initContainers: [{ name: 'vault-agent-init', image: 'ward' }],
        containers: [{ name: 'app', env: [{ name: 'B', value: '2' }], volumeMounts: [{ name: 'secrets', mountPath: '/vault/secrets' }] }, { name: 'vault-agent', image: 'ward' }],
        volumes: [{ name: 'secrets', emptyDir: { medium: 'Memory' } }],
      },
    } }, as(PatchStrategy.StrategicMergePatch));
    assert.deepEqual(out.spec?.containers.map((c) => c.name), ['app', 'vault-agent']);
    assert.equal(out.spec?.containers[0]?.image, 'a:1');
    assert.deepEqual(out.spec?.containers[0]?.env?.map((e) => e.name), ['A', 'B']);
    assert.deepEqual(out.spec?.containers[0]?.volumeMounts?.map((m) => m.mountPath), ['/data', '/vault/secrets']);
    assert.deepEqual(out.spec?.volumes?.map((v) => v.name), ['data', 'secrets']);
    assert.deepEqual(out.spec?.initContainers?.map((c) => c.name), ['vault-agent-init']);
  });

  it('applies merge patches (lists replaced) and JSON patches, 422 when a JSON patch does not apply', async () => {
    const merged = await core.patchNamespacedPod({ name: 'app', namespace: 'p', body: { metadata: { annotations: { a: 'b' } }, spec: { volumes: [{ name: 'only', emptyDir: {} }] } } }, as(PatchStrategy.MergePatch));
    assert.deepEqual(merged.spec?.volumes?.map((v) => v.name), ['only']);
    const json = await core.patchNamespacedPod({ name: 'app', namespace: 'p', body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }, { op: 'remove', path: '/metadata/annotations/a' }] }, as(PatchStrategy.JsonPatch));
    assert.deepEqual(json.metadata?.labels, { x: 'y' });
    assert.deepEqual(json.metadata?.annotations, {});
    const bad = await failure(core.patchNamespacedPod({ name: 'app', namespace: 'p', body: [{ op: 'replace', path: '/metadata/labels/missing', value: 'v' }] }, as(PatchStrategy.JsonPatch)));
    assert.equal(bad.code, 422);
  });

  it('ignores status on the main endpoint and changes only status through /status', async () => {
    const before = await core.readNamespacedPod({ name: 'app', namespace: 'p' });
    const main = await core.patchNamespacedPod({ name: 'app', namespace: 'p', body: { status: { phase: 'Running' } } }, as(PatchStrategy.MergePatch));
    assert.equal(main.status?.phase, 'Pending');
    assert.equal(main.metadata?.resourceVersion, before.metadata?.resourceVersion);
    const st = await core.patchNamespacedPodStatus({ name: 'app', namespace: 'p', body: { metadata: { labels: { ignored: 'yes' } }, status: { phase: 'Running', podIP: '10.0.0.5' } } }, as(PatchStrategy.MergePatch));
    assert.equal(st.status?.phase, 'Running');
    assert.equal(st.metadata?.labels?.['ignored'], undefined);
    const read = await core.readNamespacedPodStatus({ name: 'app', namespace: 'p' });
    assert.equal(read.status?.podIP, '10.0.0.5');
    const d = await apps.createNamespacedDeployment({ namespace: 'p', body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 9 } } });
    assert.equal(d.status, undefined);
    const withStatus = await apps.replaceNamespacedDeploymentStatus({ name: 'd', namespace: 'p', body: { ...d, status: { replicas: 1, readyReplicas: 1 } } });
    assert.equal(withStatus.status?.readyReplicas, 1);
    assert.equal(withStatus.metadata?.generation, 1);
  });

  it('refuses stale resourceVersions in patches (409) and unknown content types (415)', async () => {
    const stale = await failure(core.patchNamespacedPod({ name: 'app', namespace: 'p', body: { metadata: { resourceVersion: '1', labels: { z: '1' } } } }, as(PatchStrategy.MergePatch)));
    assert.equal(stale.code, 409);
    const apply = await failure(core.patchNamespacedPod({ name: 'app', namespace: 'p', body: { metadata: {} } }, as(PatchStrategy.ServerSideApply)));
    assert.equal(apply.code, 415);
  });

  it('does not store dryRun=All writes', async () => {
    const dry = await core.createNamespacedConfigMap({ namespace: 'p', body: { metadata: { name: 'dry' } }, dryRun: 'All' });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal((await failure(core.readNamespacedConfigMap({ name: 'dry', namespace: 'p' }))).code, 404);
    await core.createNamespacedConfigMap({ namespace: 'p', body: { metadata: { name: 'kept' } } });
    await core.deleteNamespacedConfigMap({ name: 'kept', namespace: 'p', dryRun: 'All' });
    assert.equal((await core.readNamespacedConfigMap({ name: 'kept', namespace: 'p' })).metadata?.name, 'kept');
  });

  it('pages lists with limit and continue, and filters with label and field selectors', async () => {
    for (const n of ['c1', 'c2', 'c3', 'c4', 'c5']) await core.createNamespacedConfigMap({ namespace: 'p', body: { metadata: { name: n, labels: { batch: n < 'c3' ? 'one' : 'two' } } } });
    const names: string[] = [];
    let cont: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'p', labelSelector: 'batch', limit: 2, ...(cont ? { _continue: cont } : {}) });
      assert.ok(page.items.length <= 2);
      names.push(...page.items.map((c) => c.metadata?.name ?? ''));
      cont = page.metadata?._continue;
    } while (cont);
    assert.deepEqual(names, ['c1', 'c2', 'c3', 'c4', 'c5']);
    assert.deepEqual((await core.listNamespacedConfigMap({ namespace: 'p', labelSelector: 'batch=two', fieldSelector: 'metadata.name!=c4' })).items.map((c) => c.metadata?.name), ['c3', 'c5']);
    const badField = await failure(core.listNamespacedConfigMap({ namespace: 'p', fieldSelector: 'data.x=1' }));
    assert.equal(badField.code, 400);
    assert.equal(badField.status.message, 'field label not supported: data.x');
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'p', labelSelector: 'batch=one' });
    assert.deepEqual((await core.listNamespacedConfigMap({ namespace: 'p', labelSelector: 'batch' })).items.map((c) => c.metadata?.name), ['c3', 'c4', 'c5']);
  });

  it('lists pods across namespaces with field selectors', async () => {
    const running = await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running,metadata.namespace=p' });
    assert.deepEqual(running.items.map((x) => x.metadata?.name), ['app']);
  });

  it('answers 400, not 500, to an undecodable DeleteOptions body and an unknown propagationPolicy', async () => {
    const { request } = await import('node:https');
    const [code, body] = await new Promise<[number, string]>((resolve, reject) => {
      const req = request(`${k.url}/api/v1/namespaces/p/configmaps/c3`, { method: 'DELETE', ca: k.caPem, headers: { authorization: `Bearer ${k.adminToken}`, 'content-type': 'application/json', 'content-length': '9' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
      });
      req.on('error', reject);
      req.end('{not json');
    });
    assert.equal(code, 400);
    assert.equal((JSON.parse(body) as { reason: string }).reason, 'BadRequest');
    const bad = await failure(core.deleteNamespacedConfigMap({ name: 'c3', namespace: 'p', propagationPolicy: 'Sideways' }));
    assert.equal(bad.code, 400);
  });
});
