import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { startFakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../../test/fakes/kube-apiserver/test-client.js';
import { KubeClient } from '../kube/client.js';
import { syncConfigMapDestination } from './configmap-destination.js';
import { syncDestination } from './destination.js';
import type { Destination } from './spec.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const key = Buffer.alloc(32, 9);
const owner = { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', namespace: 'default', name: 'web', uid: 'uid-web' };
const dest: Destination = { name: 'web', create: true, overwrite: false, labels: {}, annotations: {}, type: 'Opaque' };

test('an up-to-date copy in the informer cache answers a no-change sync without any request; a stale one is read fresh and repaired', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  // The owner must exist, or the garbage collector deletes what references it (as a real cluster's).
  k.store.create(k.registry.lookup('', 'v1', 'configmaps')!, 'default', { metadata: { name: 'owner' } }, { uid: owner.uid });
  const data = { password: b64('p-1') };
  const cache = new Map<string, V1Secret>();
  const cached = (ns: string, name: string) => cache.get(`${ns}/${name}`);
  assert.equal(await syncDestination(c, owner, dest, data, key, cached), 'created');
  const stored = await c.core.readNamespacedSecret({ namespace: 'default', name: 'web' });
  cache.set('default/web', JSON.parse(JSON.stringify(stored)) as V1Secret); // as a watch delivers it
  const mark = k.requests.length;
  assert.equal(await syncDestination(c, owner, dest, data, key, cached), 'unchanged');
  assert.deepEqual(k.requests.slice(mark).map((r) => `${r.verb} ${r.resource}`), [], 'no request');

  // Someone edited it; the cache has seen it: read fresh, then restored.
  await c.core.replaceNamespacedSecret({ namespace: 'default', name: 'web', body: { ...stored, data: { password: b64('hacked') } } });
  cache.set('default/web', JSON.parse(JSON.stringify(await c.core.readNamespacedSecret({ namespace: 'default', name: 'web' }))) as V1Secret);
  const mark2 = k.requests.length;
  assert.equal(await syncDestination(c, owner, dest, data, key, cached), 'updated');
  assert.deepEqual(k.requests.slice(mark2).map((r) => `${r.verb} ${r.resource}`), ['get secrets', 'update secrets']);
  assert.equal((await c.core.readNamespacedSecret({ namespace: 'default', name: 'web' })).data?.['password'], b64('p-1'));
});

test('the same for a ConfigMap destination', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  // The owner must exist, or the garbage collector deletes what references it (as a real cluster's).
  k.store.create(k.registry.lookup('', 'v1', 'configmaps')!, 'default', { metadata: { name: 'owner' } }, { uid: owner.uid });
  const data = { region: b64('eu-1') };
  assert.equal(await syncConfigMapDestination(c, owner, dest, data, key), 'created');
  const copy = JSON.parse(JSON.stringify(await c.core.readNamespacedConfigMap({ namespace: 'default', name: 'web' }))) as V1ConfigMap;
  const mark = k.requests.length;
  assert.equal(await syncConfigMapDestination(c, owner, dest, data, key, () => copy), 'unchanged');
  assert.deepEqual(k.requests.slice(mark).map((r) => `${r.verb} ${r.resource}`), []);
});
