import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1OwnerReference } from '@kubernetes/client-node';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { GarbageCollector } from './gc.js';
import { Registry } from './registry.js';
import { Store } from './store.js';
import { failure, kubeConfigFor } from './test-client.js';

describe('fake cluster: garbage collection, finalizers, namespaces', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { g: {} } });
    const kc = kubeConfigFor(k);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  after(() => k.close());

  const owner = async (name: string): Promise<V1OwnerReference> => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'g', body: { metadata: { name } } });
    return { apiVersion: 'v1', kind: 'ConfigMap', name, uid: cm.metadata?.uid ?? '' };
  };
  const exists = async (name: string): Promise<boolean> =>
    core.readNamespacedSecret({ name, namespace: 'g' }).then(() => true, () => false);

  it('deletes dependents in the background when their owner goes', async () => {
    const ref = await owner('owner-bg');
    await core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'dep-bg', ownerReferences: [ref] } } });
    await core.deleteNamespacedConfigMap({ name: 'owner-bg', namespace: 'g' });
    await waitFor('dependent deleted', async () => !(await exists('dep-bg')));
  });

  it('orphans dependents with propagationPolicy Orphan', async () => {
    const ref = await owner('owner-or');
    const other = await owner('other');
    await core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'dep-or', ownerReferences: [ref, other] } } });
    await core.deleteNamespacedConfigMap({ name: 'owner-or', namespace: 'g', propagationPolicy: 'Orphan' });
    const dep = await core.readNamespacedSecret({ name: 'dep-or', namespace: 'g' });
    assert.deepEqual(dep.metadata?.ownerReferences?.map((r) => r.name), ['other']);
  });

  it('deletes an object whose owners are all gone, even when it was written after they went (a controller with a stale cache)', async () => {
    const ref = await owner('owner-late');
    await core.deleteNamespacedConfigMap({ name: 'owner-late', namespace: 'g' });
    await core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'dep-late', ownerReferences: [ref] } } });
    await waitFor('the dangling dependent deleted', async () => !(await exists('dep-late')));
  });

  it('strips the owner references that dangle when another owner still exists', async () => {
    const gone = await owner('owner-gone');
    const kept = await owner('owner-kept');
    await core.deleteNamespacedConfigMap({ name: 'owner-gone', namespace: 'g' });
    await core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'dep-half', ownerReferences: [gone, kept] } } });
    await waitFor('the dangling reference stripped', async () => (await core.readNamespacedSecret({ name: 'dep-half', namespace: 'g' })).metadata?.ownerReferences?.length === 1);
    assert.deepEqual((await core.readNamespacedSecret({ name: 'dep-half', namespace: 'g' })).metadata?.ownerReferences?.map((r) => r.name), ['owner-kept']);
  });

  it('keeps a foreground-deleted owner until its dependents are gone', async () => {
    const d = await apps.createNamespacedDeployment({ namespace: 'g', body: { metadata: { name: 'fg' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } });
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fg', uid: d.metadata?.uid ?? '', blockOwnerDeletion: true };
    await core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'dep-fg', ownerReferences: [ref], finalizers: ['example.com/hold'] } } });
    await apps.deleteNamespacedDeployment({ name: 'fg', namespace: 'g', propagationPolicy: 'Foreground' });
    const pending = await apps.readNamespacedDeployment({ name: 'fg', namespace: 'g' });
    assert.ok(pending.metadata?.deletionTimestamp);
    assert.deepEqual(pending.metadata?.finalizers, ['foregroundDeletion']);
    await waitFor('dependent marked', async () => (await core.readNamespacedSecret({ name: 'dep-fg', namespace: 'g' })).metadata?.deletionTimestamp);
    await core.patchNamespacedSecret({ name: 'dep-fg', namespace: 'g', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor('owner gone', async () => (await failure(apps.readNamespacedDeployment({ name: 'fg', namespace: 'g' })).catch(() => ({ code: 200 }))).code === 404);
  });

  it('keeps an object with finalizers until they are removed, with a deletionTimestamp', async () => {
    await core.createNamespacedConfigMap({ namespace: 'g', body: { metadata: { name: 'held', finalizers: ['example.com/x'] } } });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'g' });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'g' });
    assert.ok(held.metadata?.deletionTimestamp);
    await core.replaceNamespacedConfigMap({ name: 'held', namespace: 'g', body: { ...held, metadata: { ...held.metadata, finalizers: [] } } });
    assert.equal((await failure(core.readNamespacedConfigMap({ name: 'held', namespace: 'g' }))).code, 404);
  });

  it('deleting a namespace terminates it, deletes what is in it, then removes it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 's' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['example.com/x'] } } });
    await core.deleteNamespace({ name: 'doomed' });
    await waitFor('terminating', async () => (await core.readNamespace({ name: 'doomed' })).status?.phase === 'Terminating');
    assert.ok((await core.readNamespace({ name: 'doomed' })).metadata?.deletionTimestamp);
    const refused = await failure(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }));
    assert.equal(refused.code, 403);
    assert.equal(refused.status.message, 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    await waitFor('contents deleted', () => k.object('v1', 'Secret', 'doomed', 's') === undefined);
    await core.patchNamespacedConfigMap({ name: 'held', namespace: 'doomed', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await waitFor('namespace gone', async () => (await failure(core.readNamespace({ name: 'doomed' })).catch(() => ({ code: 200 }))).code === 404);
    assert.equal(k.object('v1', 'Secret', 'doomed', 's'), undefined);
    assert.equal(k.object('v1', 'ServiceAccount', 'doomed', 'default'), undefined);
  });

  it('refuses new finalizers on an object being deleted and ownerReferences without a uid (422)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'g', body: { metadata: { name: 'closing', finalizers: ['example.com/a'] } } });
    await core.deleteNamespacedConfigMap({ name: 'closing', namespace: 'g' });
    const more = await failure(core.patchNamespacedConfigMap({ name: 'closing', namespace: 'g', body: { metadata: { finalizers: ['example.com/a', 'example.com/b'] } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
    assert.equal(more.code, 422);
    assert.match(more.status.message ?? '', /metadata\.finalizers: Forbidden: no new finalizers can be added if the object is being deleted/);
    const noUid = await failure(core.createNamespacedSecret({ namespace: 'g', body: { metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '' }] } } }));
    assert.equal(noUid.code, 422);
    assert.match(noUid.status.message ?? '', /metadata\.ownerReferences\.uid: Invalid value: "": uid must not be empty/);
  });
});

describe('fake cluster: garbage collection cost', () => {
  it('finds an owner\'s dependents and a uid\'s object through indexes, not by scanning every stored object', async () => {
    const registry = new Registry();
    const store = new Store(registry);
    const gc = new GarbageCollector(store);
    const t = (p: string) => registry.lookup('', 'v1', p)!;
    store.create(t('namespaces'), undefined, { metadata: { name: 'ns' } });
    for (let i = 0; i < 2000; i++) store.create(t('configmaps'), 'ns', { metadata: { name: `filler-${i}` } });
    const owner = store.create(t('configmaps'), 'ns', { metadata: { name: 'owner' } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '' };
    store.create(t('secrets'), 'ns', { metadata: { name: 'dep', ownerReferences: [ref] } });
    store.create(t('secrets'), 'ns', { metadata: { name: 'moved' } });
    store.update(t('secrets'), 'ns', 'moved', { metadata: { name: 'moved', ownerReferences: [ref] } });
    let visited = 0;
    const all = store.everything.bind(store);
    store.everything = function* () {
      for (const x of all()) {
        visited++;
        yield x;
      }
    };
    assert.deepEqual(store.dependents(ref.uid).map(([, o]) => o.metadata.name).sort(), ['dep', 'moved']);
    store.delete(t('configmaps'), 'ns', 'owner', { propagationPolicy: 'Foreground' });
    await waitFor('the dependents and then the owner gone', () => store.get(t('configmaps'), 'ns', 'owner') === undefined && store.get(t('secrets'), 'ns', 'dep') === undefined);
    assert.equal(store.get(t('secrets'), 'ns', 'moved'), undefined);
    assert.equal(visited, 0, 'no full scan');
    assert.deepEqual(store.dependents(ref.uid), []);
    gc.stop();
  });
});
