/**
 * The informer against the fake API server through client-node: it sees adds, updates and
 * deletes; survives a 410 (compacted history) by relisting; and survives the API server going
 * down and coming back, reporting afterwards exactly what changed meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Secret } from '@kubernetes/client-node';
import { KubeClient, MERGE_PATCH } from '../../../src/k8s/kube/client.js';
import { isGone, type KubeError } from '../../../src/k8s/kube/errors.js';
import { Informer } from '../../../src/k8s/kube/informer.js';
import { listWatches } from '../../../src/k8s/kube/list-watch.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { waitFor } from '../../helpers/wait.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function setup(t: import('node:test').TestContext, sel = {}): Promise<{ k: FakeKubeApiServer; c: KubeClient; inf: Informer<V1Secret>; events: string[]; errors: KubeError[] }> {
  const k = await startFakeKubeApiServer({ namespaces: { apps: {} } });
  const c = new KubeClient(kubeConfigFor(k));
  const events: string[] = [];
  const errors: KubeError[] = [];
  const inf = new Informer(listWatches.secrets(c, 'apps', sel), { backoff: { baseMs: 20, maxMs: 200 }, onError: (e) => errors.push(e) });
  const val = (s: V1Secret): string => Buffer.from(s.data?.['v'] ?? '', 'base64').toString();
  inf.addHandlers({
    add: (s) => events.push(`add ${s.metadata?.name}=${val(s)}`),
    update: (o, s) => o.metadata?.resourceVersion !== s.metadata?.resourceVersion && events.push(`update ${s.metadata?.name}=${val(s)}`),
    delete: (s) => events.push(`delete ${s.metadata?.name}`),
  });
  t.after(async () => {
    await inf.stop();
    await k.close();
  });
  return { k, c, inf, events, errors };
}

const put = (c: KubeClient, name: string, v: string, labels: Record<string, string> = {}) =>
  c.core.createNamespacedSecret({ namespace: 'apps', body: { metadata: { name, labels }, data: { v: b64(v) } } });
const edit = (c: KubeClient, name: string, v: string) =>
  c.core.patchNamespacedSecret({ namespace: 'apps', name, body: { data: { v: b64(v) } } }, MERGE_PATCH);

test('the cache follows creates, updates and deletes made through the API', async (t) => {
  const { c, inf, events } = await setup(t);
  await put(c, 'before', '0');
  await inf.start();
  assert.deepEqual(events, ['add before=0']);
  await put(c, 'a', '1');
  await edit(c, 'a', '2');
  await c.core.deleteNamespacedSecret({ namespace: 'apps', name: 'before' });
  await waitFor('three events', () => events.length === 4);
  assert.deepEqual(events, ['add before=0', 'add a=1', 'update a=2', 'delete before']);
  assert.deepEqual(inf.keys(), ['apps/a']);
  assert.equal(Buffer.from(inf.get('apps/a')?.data?.['v'] ?? '', 'base64').toString(), '2');
});

test('a label selector limits both the list and the watch', async (t) => {
  const { c, inf, events } = await setup(t, { labelSelector: 'app=ward' });
  await put(c, 'mine', '1', { app: 'ward' });
  await put(c, 'other', '1', { app: 'else' });
  await inf.start();
  await put(c, 'mine-2', '2', { app: 'ward' });
  await put(c, 'other-2', '2');
  await waitFor('mine-2', () => events.includes('add mine-2=2'));
  assert.deepEqual(events, ['add mine=1', 'add mine-2=2']);
});

test('after the watch history is compacted, a 410 makes the informer relist and it reports only the differences', async (t) => {
  const { k, c, inf, events, errors } = await setup(t);
  await put(c, 'keep', 'k');
  await put(c, 'edit', 'old');
  await put(c, 'drop', 'd');
  await inf.start();
  await waitFor('three adds', () => events.length === 3);
  // Changes while the server is down (made in its store, as another API server replica would),
  // then compaction: the informer's resume point is gone when it reconnects.
  await k.down();
  const secrets = k.registry.lookup('', 'v1', 'secrets');
  assert.ok(secrets);
  const cur = k.store.mustGet(secrets, 'apps', 'edit');
  k.store.update(secrets, 'apps', 'edit', { ...cur, data: { v: b64('new') } });
  k.store.delete(secrets, 'apps', 'drop');
  k.store.create(secrets, 'apps', { metadata: { name: 'fresh' }, data: { v: b64('f') } });
  k.compact();
  await k.up();
  await waitFor('relist differences', () => events.length === 6, { context: () => JSON.stringify({ events, errors: errors.map((e) => `${e.status} ${e.message}`) }) });
  assert.deepEqual(events.slice(3).sort(), ['add fresh=f', 'delete drop', 'update edit=new']);
  assert.ok(errors.some(isGone), 'the 410 was seen');
  assert.deepEqual(inf.keys().sort(), ['apps/edit', 'apps/fresh', 'apps/keep']);
  // And it keeps watching afterwards.
  await put(c, 'later', 'l');
  await waitFor('later', () => events.includes('add later=l'));
});

test('the informer survives the API server going down and up, with backoff and without losing the cache', async (t) => {
  const { k, c, inf, events, errors } = await setup(t);
  await put(c, 'a', '1');
  await inf.start();
  await k.down();
  await waitFor('a failed reconnect', () => errors.some((e) => e.status === 0));
  assert.equal(inf.get('apps/a')?.metadata?.name, 'a', 'cache kept while the server is down');
  await k.up();
  await edit(c, 'a', '2');
  await waitFor('the update after the outage', () => events.includes('update a=2'), { context: () => JSON.stringify(events) });
  assert.deepEqual(events, ['add a=1', 'update a=2']);
});

test('a watch ended by the server resumes from the last version without relisting', async (t) => {
  const { k, c, inf, events } = await setup(t);
  await inf.start();
  const lists = (): number => k.requests.filter((r) => r.verb === 'list').length;
  const before = lists();
  k.endWatches();
  await put(c, 'x', '1');
  await waitFor('x after the stream ended', () => events.includes('add x=1'));
  assert.equal(lists(), before);
});
