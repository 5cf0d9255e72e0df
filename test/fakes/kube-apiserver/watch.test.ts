import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, makeInformer, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { kubeConfigFor } from './test-client.js';

interface Seen {
  type: string;
  name: string;
  rv: string;
  object: Record<string, unknown>;
}

describe('fake cluster: watch', () => {
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  const stops: (() => void)[] = [];
  before(async () => {
    k = await startFakeKubeApiServer({ bookmarkIntervalMs: 50 });
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'w' } } });
  });
  after(async () => {
    for (const s of stops) s();
    await k.close();
  });

  async function watch(path: string, query: Record<string, string>): Promise<{ seen: Seen[]; done: Promise<unknown> }> {
    const seen: Seen[] = [];
    let finished!: (e: unknown) => void;
    const done = new Promise((r) => (finished = r));
    const ctl = await new Watch(kubeConfigFor(k)).watch(path, query, (type, obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
      seen.push({ type, name: obj.metadata?.name ?? '', rv: obj.metadata?.resourceVersion ?? '', object: obj as Record<string, unknown> });
    }, (e) => finished(e ?? 'closed'));
    stops.push(() => ctl.abort());
    return { seen, done };
  }

  it('streams ADDED, MODIFIED and DELETED after a resourceVersion, and BOOKMARKs when allowed', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'w' });
    const w = await watch('/api/v1/namespaces/w/configmaps', { resourceVersion: list.metadata?.resourceVersion ?? '', allowWatchBookmarks: 'true' });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'a' }, data: { v: '1' } } });
    await core.patchNamespacedConfigMap({ name: 'a', namespace: 'w', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'w' });
    await waitFor('watch events', () => w.seen.filter((e) => e.type !== 'BOOKMARK').length >= 3 && w.seen.some((e) => e.type === 'BOOKMARK'), { timeoutMs: 5000 });
    const changes = w.seen.filter((e) => e.type !== 'BOOKMARK');
    assert.deepEqual(changes.map((e) => `${e.type} ${e.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a']);
    assert.ok(Number(changes[0]?.rv) < Number(changes[1]?.rv) && Number(changes[1]?.rv) < Number(changes[2]?.rv));
    const bookmark = w.seen.find((e) => e.type === 'BOOKMARK');
    assert.deepEqual(Object.keys(bookmark?.object['metadata'] as object), ['resourceVersion']);
  });

  it('applies label selectors: an object that stops matching is DELETED for that watcher', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { labelSelector: 'tier in (db,cache),!legacy' });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'db', labels: { tier: 'db' } } } });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'web', labels: { tier: 'web' } } } });
    await core.patchNamespacedConfigMap({ name: 'db', namespace: 'w', body: [{ op: 'add', path: '/metadata/labels/legacy', value: 'yes' }] });
    await waitFor('watch events', () => w.seen.length >= 2, { timeoutMs: 5000 });
    assert.deepEqual(w.seen.map((e) => `${e.type} ${e.name}`), ['ADDED db', 'DELETED db']);
  });

  it('sends an ERROR event with a 410 Expired Status for a compacted resourceVersion, then ends the stream', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'w' });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'later' } } });
    k.compact();
    const w = await watch('/api/v1/namespaces/w/configmaps', { resourceVersion: list.metadata?.resourceVersion ?? '' });
    await w.done;
    assert.equal(w.seen.length, 1);
    assert.equal(w.seen[0]?.type, 'ERROR');
    assert.equal(w.seen[0]?.object['code'], 410);
    assert.equal(w.seen[0]?.object['reason'], 'Expired');
    assert.match(String(w.seen[0]?.object['message']), /^too old resource version: \d+ \(\d+\)$/);
  });

  it('ends a watch after timeoutSeconds', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { timeoutSeconds: '1' });
    assert.equal(await w.done, 'closed');
  });

  it('feeds makeInformer, which relists after a 410 and converges', async () => {
    const kc = kubeConfigFor(k);
    const path = '/api/v1/namespaces/w/secrets';
    const informer = makeInformer(kc, path, () => core.listNamespacedSecret({ namespace: 'w' }));
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    stops.push(() => void informer.stop());
    await core.createNamespacedSecret({ namespace: 'w', body: { metadata: { name: 's1' } } });
    await waitFor('watch events', () => informer.list('w').some((s) => s.metadata?.name === 's1'), { timeoutMs: 5000 });
    await core.createNamespacedSecret({ namespace: 'w', body: { metadata: { name: 's2' } } });
    await core.deleteNamespacedSecret({ name: 's1', namespace: 'w' });
    // Other writes move the cluster's resourceVersion past the informer's, history is
    // compacted and its stream ends: it resumes from a too-old version, gets 410, relists.
    const relisted = k.requests.filter((r) => r.verb === 'list' && r.resource === 'secrets').length;
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'elsewhere' } } });
    k.compact();
    k.endWatches();
    await waitFor('relist', () => k.requests.filter((r) => r.verb === 'list' && r.resource === 'secrets').length > relisted, { timeoutMs: 5000 });
    await waitFor('watch events', () => {
      const names = informer.list('w').map((s) => s.metadata?.name).sort();
      return names.join(',') === 's2';
    }, { timeoutMs: 10_000 });
    assert.deepEqual(errors, []);
  });

  it('serves the legacy /watch/ path', async () => {
    const w = await watch('/api/v1/watch/namespaces/w/configmaps', {});
    await waitFor('watch events', () => w.seen.length > 0, { timeoutMs: 5000 });
    assert.ok(w.seen.every((e) => e.type === 'ADDED'));
    const names = (await core.listNamespacedConfigMap({ namespace: 'w' })).items.map((c: V1ConfigMap) => c.metadata?.name).sort();
    await waitFor('watch events', () => w.seen.length === names.length, { timeoutMs: 5000 });
  });

  it('watches one object by name (?watch=true on the object path)', async () => {
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'one' } } });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'two' } } });
    const w = await watch('/api/v1/watch/namespaces/w/configmaps/one', {});
    await core.patchNamespacedConfigMap({ name: 'two', namespace: 'w', body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
    await core.patchNamespacedConfigMap({ name: 'one', namespace: 'w', body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
    await waitFor('watch events', () => w.seen.length >= 2, { timeoutMs: 5000 });
    assert.deepEqual(w.seen.map((e) => `${e.type} ${e.name}`), ['ADDED one', 'MODIFIED one']);
  });
});
