/**
 * The destination Secret and rollout restart against the fake cluster: what a user sees in
 * the Secret and the workloads for each destination setting, and the errors for the cases
 * VSO refuses (a missing Secret without create, someone else's Secret without overwrite, a
 * paused Deployment).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { KubeClient } from '../../../src/k8s/kube/client.js';
import { syncDestination, type Owner } from '../../../src/k8s/operator/destination.js';
import { rolloutRestart } from '../../../src/k8s/operator/rollout.js';
import { SpecError, type Destination } from '../../../src/k8s/operator/spec.js';

const NS = 'apps';
const KEY = Buffer.alloc(32, 1);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const owner: Owner = { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultStaticSecret', namespace: NS, name: 'vss', uid: 'uid-1' };
const dest = (o: Partial<Destination>): Destination => ({ name: 's', create: true, overwrite: false, labels: {}, annotations: {}, type: 'Opaque', ...o });

describe('operator: destination Secret and rollout restart on the fake cluster', () => {
  let kube: FakeKubeApiServer;
  let c: KubeClient;
  before(async () => {
    kube = await startFakeKubeApiServer({ namespaces: { [NS]: {} } });
    c = new KubeClient(kubeConfigFor(kube));
    // The owner must exist, or the garbage collector deletes what references it (as a real cluster's).
    kube.store.create(kube.registry.lookup('', 'v1', 'configmaps')!, NS, { metadata: { name: 'owner-uid-1' } }, { uid: owner.uid });
  });
  after(() => kube.close());

  it('creates, leaves alone when equal, restores an edit, and re-creates when the type changes', async () => {
    const d = dest({ name: 'one', labels: { team: 'a' }, annotations: { note: 'n' } });
    assert.equal(await syncDestination(c, owner, d, { k: b64('v1') }, KEY), 'created');
    let s = await c.core.readNamespacedSecret({ namespace: NS, name: 'one' });
    assert.equal(s.metadata?.labels?.['team'], 'a');
    assert.equal(s.metadata?.labels?.['secrets.hashicorp.com/vso-ownerRefUID'], 'uid-1');
    assert.equal(s.metadata?.annotations?.['note'], 'n');
    assert.deepEqual(s.metadata?.ownerReferences?.map((r) => r.uid), ['uid-1']);
    assert.equal(await syncDestination(c, owner, d, { k: b64('v1') }, KEY), 'unchanged');
    await c.core.replaceNamespacedSecret({ namespace: NS, name: 'one', body: { ...s, data: { k: b64('edited'), extra: b64('x') } } });
    assert.equal(await syncDestination(c, owner, d, { k: b64('v1') }, KEY), 'updated');
    s = await c.core.readNamespacedSecret({ namespace: NS, name: 'one' });
    assert.deepEqual(s.data, { k: b64('v1') });
    assert.equal(await syncDestination(c, owner, { ...d, type: 'kubernetes.io/basic-auth' }, { username: b64('u'), password: b64('p') }, KEY), 'updated');
    s = await c.core.readNamespacedSecret({ namespace: NS, name: 'one' });
    assert.equal(s.type, 'kubernetes.io/basic-auth');
    assert.deepEqual(s.data, { username: b64('u'), password: b64('p') });
  });

  it('refuses a missing Secret without create, and someone else\'s Secret without overwrite', async () => {
    await assert.rejects(syncDestination(c, owner, dest({ name: 'absent', create: false }), { k: b64('v') }, KEY), { message: 'destination Secret apps/absent does not exist and destination.create is false' });
    await c.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'theirs' }, data: { k: b64('mine') } } });
    await assert.rejects(syncDestination(c, owner, dest({ name: 'theirs' }), { k: b64('v') }, KEY), (e: unknown) => e instanceof SpecError && /exists and is not owned by this resource/.test(e.message));
    assert.deepEqual((await c.core.readNamespacedSecret({ namespace: NS, name: 'theirs' })).data, { k: b64('mine') }, 'left untouched');
    assert.equal(await syncDestination(c, owner, dest({ name: 'theirs', overwrite: true }), { k: b64('v') }, KEY), 'updated');
    const s = await c.core.readNamespacedSecret({ namespace: NS, name: 'theirs' });
    assert.deepEqual(s.data, { k: b64('v') });
    assert.deepEqual(s.metadata?.ownerReferences?.map((r) => r.uid), ['uid-1'], 'taken over');
    // Without create, an existing Secret only gets the data (no ownership, no labels).
    await c.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'shared' }, data: {} } });
    assert.equal(await syncDestination(c, owner, dest({ name: 'shared', create: false, labels: { x: 'y' } }), { k: b64('v') }, KEY), 'updated');
    const shared = await c.core.readNamespacedSecret({ namespace: NS, name: 'shared' });
    assert.deepEqual(shared.data, { k: b64('v') });
    assert.equal(shared.metadata?.ownerReferences, undefined);
  });

  it('restarts Deployments, StatefulSets and DaemonSets through the pod template annotation; a paused Deployment is an error', async () => {
    const template = { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'w', image: 'busybox' }] } };
    const spec = { selector: { matchLabels: { app: 'w' } }, template };
    await c.apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name: 'd' }, spec } });
    await c.apps.createNamespacedStatefulSet({ namespace: NS, body: { metadata: { name: 'ss' }, spec: { ...spec, serviceName: 'ss' } } });
    await c.apps.createNamespacedDaemonSet({ namespace: NS, body: { metadata: { name: 'ds' }, spec } });
    const at = new Date('2026-03-04T05:06:07.890Z');
    await rolloutRestart(c, NS, { kind: 'Deployment', name: 'd' }, at);
    await rolloutRestart(c, NS, { kind: 'StatefulSet', name: 'ss' }, at);
    await rolloutRestart(c, NS, { kind: 'DaemonSet', name: 'ds' }, at);
    const key = 'vso.secrets.hashicorp.com/restartedAt';
    const d = await c.apps.readNamespacedDeployment({ namespace: NS, name: 'd' });
    assert.equal(d.spec?.template.metadata?.annotations?.[key], '2026-03-04T05:06:07Z');
    assert.deepEqual(d.spec?.template.metadata?.labels, { app: 'w' }, 'a strategic merge keeps the rest of the template');
    assert.equal((await c.apps.readNamespacedStatefulSet({ namespace: NS, name: 'ss' })).spec?.template.metadata?.annotations?.[key], '2026-03-04T05:06:07Z');
    assert.equal((await c.apps.readNamespacedDaemonSet({ namespace: NS, name: 'ds' })).spec?.template.metadata?.annotations?.[key], '2026-03-04T05:06:07Z');
    await c.apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name: 'paused' }, spec: { ...spec, paused: true } } });
    await assert.rejects(rolloutRestart(c, NS, { kind: 'Deployment', name: 'paused' }, at), { message: 'Deployment apps/paused is paused' });
    await assert.rejects(rolloutRestart(c, NS, { kind: 'Deployment', name: 'missing' }, at), /not found/);
  });
});
