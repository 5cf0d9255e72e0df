import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../../test/fakes/kube-apiserver/test-client.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { KubeClient } from './client.js';
import { Informer } from './informer.js';
import { KubeConfig } from '@kubernetes/client-node';
import { apiListWatch, listWatches } from './list-watch.js';

test('an informer lists in pages (limit + continue) and watches from the first page\'s resourceVersion', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  for (let i = 0; i < 7; i++) await c.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `s-${i}`, labels: { app: 'x' } } } });
  await c.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'other' } } });
  const inf = new Informer(listWatches.secrets(c, 'default', { labelSelector: 'app=x', pageSize: 3 }));
  t.after(() => inf.stop());
  const before = k.requests.length;
  await inf.start();
  const lists = k.requests.slice(before).filter((r) => r.verb === 'list' && r.resource === 'secrets');
  assert.equal(lists.length, 3, 'three pages of at most 3');
  assert.deepEqual(inf.keys().sort(), [0, 1, 2, 3, 4, 5, 6].map((i) => `default/s-${i}`));
  // The watch resumes from the list's version: a change after it arrives, nothing is replayed twice.
  await c.core.deleteNamespacedSecret({ namespace: 'default', name: 's-0' });
  await waitFor('the deletion through the watch', () => inf.get('default/s-0') === undefined);
  assert.equal(inf.keys().length, 6);
});

test('the default page size is client-go\'s 500; pageSize 0 lists in one call', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  for (let i = 0; i < 3; i++) await c.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `s-${i}` } } });
  const seen: Array<Record<string, unknown>> = [];
  const spy = { ...c, core: new Proxy(c.core, { get: (o, p) => (p === 'listNamespacedSecret' ? (a: Record<string, unknown>) => { seen.push(a); return o.listNamespacedSecret(a as never); } : Reflect.get(o, p)) }) } as KubeClient;
  const spied = (pageSize?: number) => listWatches.secrets(spy, 'default', pageSize === undefined ? {} : { pageSize });
  assert.equal((await spied().list()).items.length, 3);
  assert.equal(seen[0]?.['limit'], 500);
  assert.equal((await spied(0).list()).items.length, 3);
  assert.equal(seen[1]?.['limit'], undefined);
});

test('pages of untyped lists (custom objects: metadata.continue, not client-node\'s _continue) are followed too', async () => {
  const pages = [
    { metadata: { resourceVersion: '10', continue: 'p2' }, items: [{ metadata: { name: 'a' } }] },
    { metadata: { resourceVersion: '12', continue: '' }, items: [{ metadata: { name: 'b' } }] },
  ];
  const calls: Array<Record<string, unknown>> = [];
  const lw = apiListWatch(new KubeConfig(), '/apis/g/v1/xs', async (p) => {
    calls.push({ ...p });
    return pages[calls.length - 1] as never;
  }, { pageSize: 1 });
  const l = await lw.list();
  assert.deepEqual(l.items.map((o) => o.metadata?.name), ['a', 'b']);
  assert.equal(l.resourceVersion, '10');
  assert.deepEqual(calls, [{ labelSelector: undefined, fieldSelector: undefined, limit: 1 }, { labelSelector: undefined, fieldSelector: undefined, limit: 1, _continue: 'p2' }]);
});
