import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../../test/fakes/kube-apiserver/test-client.js';
import { KubeClient } from '../kube/client.js';
import { syncConfigMapDestination } from './configmap-destination.js';
import { SpecError, type Destination } from './spec.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const key = Buffer.alloc(32, 7);
const owner = { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', namespace: 'default', name: 'cfg', uid: 'uid-cfg' };
const dest = (o: Partial<Destination> = {}): Destination => ({ name: 'app-cfg', create: true, overwrite: false, labels: { team: 'a' }, annotations: {}, type: 'Opaque', ...o });

test('a ConfigMap destination: created owned and labelled with plain values, untouched when equal, restored after a hand edit', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  // The owner must exist, or the garbage collector deletes what references it (as a real cluster's).
  k.store.create(k.registry.lookup('', 'v1', 'configmaps')!, 'default', { metadata: { name: 'owner' } }, { uid: owner.uid });
  const data = { region: b64('eu-1'), url: b64('https://x'), _raw: b64('{"data":{}}') };
  assert.equal(await syncConfigMapDestination(c, owner, dest(), data, key), 'created');
  const cm = await c.core.readNamespacedConfigMap({ namespace: 'default', name: 'app-cfg' });
  assert.deepEqual(cm.data, { region: 'eu-1', url: 'https://x', _raw: '{"data":{}}' });
  assert.deepEqual(cm.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.uid}`), ['VaultStaticSecret/cfg/uid-cfg']);
  assert.equal(cm.metadata?.labels?.['team'], 'a');
  assert.equal(cm.metadata?.labels?.['app.kubernetes.io/managed-by'], 'hashicorp-vso');
  const rv = cm.metadata?.resourceVersion;
  assert.equal(await syncConfigMapDestination(c, owner, dest(), data, key), 'unchanged');
  assert.equal((await c.core.readNamespacedConfigMap({ namespace: 'default', name: 'app-cfg' })).metadata?.resourceVersion, rv, 'no write when equal');
  await c.core.replaceNamespacedConfigMap({ namespace: 'default', name: 'app-cfg', body: { ...cm, data: { ...cm.data, region: 'hacked' } } });
  assert.equal(await syncConfigMapDestination(c, owner, dest(), data, key), 'updated');
  assert.equal((await c.core.readNamespacedConfigMap({ namespace: 'default', name: 'app-cfg' })).data?.['region'], 'eu-1');
});

test('a ConfigMap someone else owns is not taken over without overwrite; a missing one is not created without create', async (t) => {
  const k = await startFakeKubeApiServer();
  const c = new KubeClient(kubeConfigFor(k));
  t.after(async () => { c.close(); await k.close(); });
  // The owner must exist, or the garbage collector deletes what references it (as a real cluster's).
  k.store.create(k.registry.lookup('', 'v1', 'configmaps')!, 'default', { metadata: { name: 'owner' } }, { uid: owner.uid });
  await c.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'theirs' }, data: { a: '1' } } });
  await assert.rejects(syncConfigMapDestination(c, owner, dest({ name: 'theirs' }), { a: b64('2') }, key),
    (e: unknown) => e instanceof SpecError && e.message === 'destination ConfigMap default/theirs exists and is not owned by this resource (set destination.overwrite to take it over)');
  assert.equal(await syncConfigMapDestination(c, owner, dest({ name: 'theirs', overwrite: true }), { a: b64('2') }, key), 'updated');
  assert.equal((await c.core.readNamespacedConfigMap({ namespace: 'default', name: 'theirs' })).data?.['a'], '2');
  await assert.rejects(syncConfigMapDestination(c, owner, dest({ name: 'nope', create: false }), { a: b64('2') }, key), { message: 'destination ConfigMap default/nope does not exist and destination.create is false' });
});
