import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from './registry.js';
import { ApiError } from './status.js';
import { Store, type StoreEvent } from './store.js';

function fresh(historyLimit?: number) {
  const registry = new Registry();
  const store = new Store(registry, historyLimit);
  const t = (g: string, p: string) => registry.lookup(g, 'v1', p)!;
  store.create(t('', 'namespaces'), undefined, { metadata: { name: 'ns' } });
  return { store, t, cm: t('', 'configmaps'), deploy: t('apps', 'deployments') };
}

describe('object store', () => {
  it('gives every write a higher resourceVersion and leaves unchanged writes alone', () => {
    const { store, cm } = fresh();
    const a = store.create(cm, 'ns', { metadata: { name: 'a' }, data: { k: 'v' } });
    const b = store.update(cm, 'ns', 'a', { ...a, data: { k: 'w' } });
    assert.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
    const same = store.update(cm, 'ns', 'a', { ...b, metadata: { ...b.metadata, resourceVersion: undefined } });
    assert.equal(same.metadata.resourceVersion, b.metadata.resourceVersion);
    const reordered = store.update(cm, 'ns', 'a', { data: { k: 'w' }, kind: 'ConfigMap', metadata: { namespace: 'ns', name: 'a' }, apiVersion: 'v1' });
    assert.equal(reordered.metadata.resourceVersion, b.metadata.resourceVersion, 'key order is not a change');
    assert.equal(store.resourceVersion, b.metadata.resourceVersion);
  });

  it('keeps uid and creationTimestamp across updates and bumps generation only on spec changes', () => {
    const { store, deploy } = fresh();
    const d = store.create(deploy, 'ns', { metadata: { name: 'd' }, spec: { replicas: 1 } });
    const relabelled = store.update(deploy, 'ns', 'd', { ...d, metadata: { ...d.metadata, uid: 'forged', labels: { a: 'b' } } });
    assert.equal(relabelled.metadata.uid, d.metadata.uid);
    assert.equal(relabelled.metadata.generation, 1);
    const scaled = store.update(deploy, 'ns', 'd', { ...relabelled, spec: { replicas: 2 } });
    assert.equal(scaled.metadata.generation, 2);
    const status = store.update(deploy, 'ns', 'd', { ...scaled, status: { replicas: 2 } }, { subresource: 'status' });
    assert.equal(status.metadata.generation, 2);
    assert.deepEqual(status['status'], { replicas: 2 });
  });

  it('replays events after a resourceVersion and reports compaction as 410 Expired', () => {
    const { store, cm } = fresh(3);
    const start = store.resourceVersion;
    for (const n of ['a', 'b', 'c', 'd']) store.create(cm, 'ns', { metadata: { name: n } });
    const gone = store.since(start) as Record<string, unknown>;
    assert.equal(gone['code'], 410);
    assert.equal(gone['message'], `too old resource version: ${start} (${Number(store.resourceVersion) - 2})`);
    const recent = store.since(String(Number(store.resourceVersion) - 2)) as StoreEvent[];
    assert.deepEqual(recent.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED c', 'ADDED d']);
    assert.throws(() => store.since('x'), (e: unknown) => e instanceof ApiError && e.code === 400);
  });

  it('marks objects with finalizers for deletion and removes them when the last one goes', () => {
    const { store, cm } = fresh();
    store.create(cm, 'ns', { metadata: { name: 'f', finalizers: ['x/y'] } });
    const marked = store.delete(cm, 'ns', 'f');
    assert.equal(marked.deleted, false);
    assert.ok(marked.object.metadata.deletionTimestamp);
    const events: string[] = [];
    store.listeners.add((e) => events.push(e.type));
    store.update(cm, 'ns', 'f', { ...marked.object, metadata: { ...marked.object.metadata, finalizers: [] } });
    assert.equal(store.get(cm, 'ns', 'f'), undefined);
    assert.deepEqual(events, ['DELETED']);
  });

  it('refuses a create in a missing namespace and a duplicate, with the real Status', () => {
    const { store, cm } = fresh();
    assert.throws(() => store.create(cm, 'nope', { metadata: { name: 'a' } }), (e: unknown) => e instanceof ApiError && e.code === 404 && e.message === 'namespaces "nope" not found');
    store.create(cm, 'ns', { metadata: { name: 'a' } });
    assert.throws(() => store.create(cm, 'ns', { metadata: { name: 'a' } }), (e: unknown) => e instanceof ApiError && e.code === 409 && e.message === 'configmaps "a" already exists');
  });
});
