import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';

const pod = (name: string, labels?: Record<string, string>): V1Pod => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
});

describe('fake cluster: CRUD through @kubernetes/client-node', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  before(async () => {
    k = await startFakeKubeApiServer();
    const kc = kubeConfigFor(k);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  after(() => k.close());

  it('creates a namespace with its metadata.name label and default service account', async () => {
    const ns = await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    assert.equal(ns.status?.phase, 'Active');
    assert.equal(ns.metadata?.labels?.['kubernetes.io/metadata.name'], 'team-a');
    const sa = await core.readNamespacedServiceAccount({ name: 'default', namespace: 'team-a' });
    assert.equal(sa.metadata?.namespace, 'team-a');
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'team-a'));
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);
  });

  it('creates, reads, replaces and deletes pods with uid, timestamps and increasing resourceVersions', async () => {
    const created = await core.createNamespacedPod({ namespace: 'team-a', body: pod('web', { app: 'web' }) });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    assert.equal(created.status?.phase, 'Pending');
    const got = await core.readNamespacedPod({ name: 'web', namespace: 'team-a' });
    assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
    got.spec!.containers[0]!.image = 'busybox:2';
    const replaced = await core.replaceNamespacedPod({ name: 'web', namespace: 'team-a', body: got });
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    assert.equal(replaced.metadata?.uid, created.metadata?.uid);
    const deleted = await core.deleteNamespacedPod({ name: 'web', namespace: 'team-a' });
    assert.equal(deleted.metadata?.name, 'web');
    const missing = await failure(core.readNamespacedPod({ name: 'web', namespace: 'team-a' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.status.message, 'pods "web" not found');
  });

  it('answers 409 Conflict with the real message on a stale update, and AlreadyExists on a duplicate', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
    await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'team-a', body: { ...cm, data: { a: '2' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ name: 'cfg', namespace: 'team-a', body: { ...cm, data: { a: '3' } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.equal(stale.status.message, 'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again');
    const dup = await failure(core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'cfg' } } }));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');
    assert.equal(dup.status.message, 'configmaps "cfg" already exists');
  });

  it('404s objects in a missing namespace and 422s invalid names and labels', async () => {
    const noNs = await failure(core.createNamespacedSecret({ namespace: 'nowhere', body: { metadata: { name: 's' } } }));
    assert.equal(noNs.code, 404);
    assert.equal(noNs.status.message, 'namespaces "nowhere" not found');
    const badName = await failure(core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'Bad_Name' } } }));
    assert.equal(badName.code, 422);
    assert.match(badName.status.message ?? '', /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const badLabel = await failure(core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'ok', labels: { a: 'b c' } } } }));
    assert.equal(badLabel.code, 422);
  });

  it('names objects from generateName', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'gen-' } } });
    const b = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'gen-' } } });
    assert.match(a.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  it('validates secret data as base64 and folds stringData into data', async () => {
    const s = await core.createNamespacedSecret({ namespace: 'team-a', body: { metadata: { name: 'creds' }, data: { a: Buffer.from('x').toString('base64') }, stringData: { b: 'plain' } } });
    assert.deepEqual(s.data, { a: 'eA==', b: Buffer.from('plain').toString('base64') });
    assert.equal(s.type, 'Opaque');
    assert.equal(s.stringData, undefined);
    const bad = await failure(core.createNamespacedSecret({ namespace: 'team-a', body: { metadata: { name: 'bad' }, data: { a: 'not base64!' } } }));
    assert.equal(bad.code, 400);
    assert.match(bad.status.message ?? '', /illegal base64 data at input byte 3/);
  });

  it('serves apps/v1 with generation bumped on spec changes only', async () => {
    const body = {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    };
    const d = await apps.createNamespacedDeployment({ namespace: 'team-a', body });
    assert.equal(d.metadata?.generation, 1);
    const labelled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'team-a', body: { metadata: { labels: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.equal(labelled.metadata?.generation, 1);
    const scaled = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'team-a', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    assert.equal(scaled.metadata?.generation, 2);
    const notFound = await failure(apps.readNamespacedStatefulSet({ name: 'nope', namespace: 'team-a' }));
    assert.equal(notFound.status.message, 'statefulsets.apps "nope" not found');
  });

  it('serves RBAC and coordination leases', async () => {
    const kc = kubeConfigFor(k);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: 'team-a', body: { metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [] } });
    assert.equal((await rbac.readClusterRole({ name: 'reader' })).rules?.[0]?.verbs[0], 'get');
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({ namespace: 'team-a', body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } });
    const stale = await failure(leases.replaceNamespacedLease({ name: 'leader', namespace: 'team-a', body: { ...lease, metadata: { ...lease.metadata, resourceVersion: '1' }, spec: { holderIdentity: 'b' } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.status.message, 'Operation cannot be fulfilled on leases.coordination.k8s.io "leader": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('refuses an unknown bearer with 401 and a service account without grants with 403', async () => {
    const bad = kubeConfigFor(k, 'not-a-token').makeApiClient(CoreV1Api);
    const r = await failure(bad.listNamespace());
    assert.equal(r.code, 401);
    const sa = kubeConfigFor(k, await k.issueToken({ namespace: 'team-a', name: 'app' })).makeApiClient(CoreV1Api);
    const denied = await failure(sa.listNamespacedSecret({ namespace: 'team-a' }));
    assert.equal(denied.code, 403);
    assert.equal(denied.status.message, 'secrets is forbidden: User "system:serviceaccount:team-a:app" cannot list resource "secrets" in API group "" in the namespace "team-a"');
  });
});
