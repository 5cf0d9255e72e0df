import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor, raw } from './test-client.js';

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

  it('answers 400 to metadata of the wrong types instead of storing it', async () => {
    const bad: [string, Record<string, unknown>][] = [
      ['finalizers', { finalizers: 'x' }],
      ['ownerReferences', { ownerReferences: { uid: '1' } }],
      ['annotations', { annotations: { a: 1 } }],
      ['labels', { labels: ['a'] }],
    ];
    for (const [field, meta] of bad) {
      const r = await raw(k, 'POST', '/api/v1/namespaces/team-a/configmaps', { metadata: { name: 'typed', ...meta } });
      assert.equal(r.code, 400, field);
      assert.match(String(r.body['message']), new RegExp(`ObjectMeta\\.metadata\\.${field}`), field);
      const patched = await raw(k, 'PATCH', '/api/v1/namespaces/team-a/configmaps/cfg', { metadata: meta }, 'application/merge-patch+json');
      assert.equal(patched.code, 400, `patch ${field}`);
    }
    assert.equal((await core.listNamespacedConfigMap({ namespace: 'team-a', fieldSelector: 'metadata.name=typed' })).items.length, 0);
    for (const spec of [{ containers: 'app' }, { containers: [{ name: 'a', image: 'i', volumeMounts: 'x' }] }, { containers: [{ name: 'a', image: 'i' }], volumes: {} }, { containers: ['a'] }]) {
      const r = await raw(k, 'POST', '/api/v1/namespaces/team-a/pods', { metadata: { name: 'typed' }, spec });
      assert.equal(r.code, 400, JSON.stringify(spec));
      assert.match(String(r.body['message']), /^Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal/);
    }
  });

  it('answers 400 to a malformed percent-encoding in the path', async () => {
    const r = await raw(k, 'GET', '/api/v1/namespaces/team-a/pods/%ZZ');
    assert.equal(r.code, 400);
    assert.equal(r.body['reason'], 'BadRequest');
  });

  it('names objects from generateName', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'gen-' } } });
    const b = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'gen-' } } });
    assert.match(a.metadata?.name ?? '', /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata?.name, b.metadata?.name);
  });

  it('answers 409 AlreadyExists when generateName cannot find a free name, as the real server words it', async () => {
    const suffix = k.store.nameSuffix;
    k.store.nameSuffix = () => 'aaaaa';
    try {
      await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'same-' } } });
      const r = await failure(core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { generateName: 'same-' } } }));
      assert.equal(r.code, 409);
      assert.equal(r.status.reason, 'AlreadyExists');
      assert.equal(r.status.message, 'configmaps "same-aaaaa" already exists, the server was not able to generate a unique name for the object');
      assert.equal(r.status.details?.['retryAfterSeconds'], 1);
    } finally {
      k.store.nameSuffix = suffix;
    }
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

  it('refuses data changes to immutable secrets and configmaps, and unsetting immutable (422)', async () => {
    const s = await core.createNamespacedSecret({ namespace: 'team-a', body: { metadata: { name: 'frozen' }, immutable: true, stringData: { a: '1' } } });
    const change = await failure(core.replaceNamespacedSecret({ name: 'frozen', namespace: 'team-a', body: { ...s, data: { a: 'Mg==' } } }));
    assert.equal(change.code, 422);
    assert.equal(change.status.message, 'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    const thaw = await failure(core.replaceNamespacedSecret({ name: 'frozen', namespace: 'team-a', body: { ...s, immutable: false } }));
    assert.match(thaw.status.message ?? '', /immutable: Forbidden: field is immutable when `immutable` is set/);
    const labelled = await core.replaceNamespacedSecret({ name: 'frozen', namespace: 'team-a', body: { ...s, metadata: { ...s.metadata, labels: { ok: 'yes' } } } });
    assert.equal(labelled.metadata?.labels?.['ok'], 'yes');
    const cm = await core.createNamespacedConfigMap({ namespace: 'team-a', body: { metadata: { name: 'frozen' }, immutable: true, data: { a: '1' } } });
    const cmChange = await failure(core.replaceNamespacedConfigMap({ name: 'frozen', namespace: 'team-a', body: { ...cm, data: { a: '2' } } }));
    assert.equal(cmChange.code, 422);
    assert.equal(cmChange.status.message, 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
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
    const invalid = await failure(apps.createNamespacedDeployment({ namespace: 'team-a', body: { ...body, metadata: { name: 'Web' } } }));
    assert.match(invalid.status.message ?? '', /^Deployment\.apps "Web" is invalid: metadata\.name/);
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

  it('serves services, jobs and events with their field selectors', async () => {
    const kc = kubeConfigFor(k);
    await core.createNamespacedService({ namespace: 'team-a', body: { metadata: { name: 'injector' }, spec: { ports: [{ port: 443 }] } } });
    const { BatchV1Api } = await import('@kubernetes/client-node');
    const batch = kc.makeApiClient(BatchV1Api);
    const job = await batch.createNamespacedJob({ namespace: 'team-a', body: { metadata: { name: 'once' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } } });
    assert.equal(job.metadata?.generation, 1);
    await core.createNamespacedEvent({ namespace: 'team-a', body: { metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'team-a' }, reason: 'Injected', type: 'Normal' } });
    await core.createNamespacedEvent({ namespace: 'team-a', body: { metadata: { name: 'ev2' }, involvedObject: { kind: 'Pod', name: 'db', namespace: 'team-a' }, reason: 'Failed', type: 'Warning' } });
    const evs = await core.listNamespacedEvent({ namespace: 'team-a', fieldSelector: 'involvedObject.name=web,type=Normal' });
    assert.deepEqual(evs.items.map((e) => e.metadata?.name), ['ev1']);
  });
});
