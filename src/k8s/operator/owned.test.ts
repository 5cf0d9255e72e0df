import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventHandlers, EventSource } from '../kube/controller.js';
import { watchOwned, wakeOnSpecChange } from './owned.js';

type Obj = { metadata: { namespace?: string; name: string; resourceVersion?: string; generation?: number; deletionTimestamp?: Date; ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }> } };

function source(): EventSource<Obj> & { h: EventHandlers<Obj>[] } {
  const h: EventHandlers<Obj>[] = [];
  return { h, addHandlers: (x) => h.push(x) };
}

function sink(): { enqueue(k: string): void; keys: string[] } {
  const keys: string[] = [];
  return { keys, enqueue: (k) => keys.push(k) };
}

test('a VaultAuth or VaultConnection wakes its users on a spec change, never on its own status writes', () => {
  const src = source();
  const ctl = sink();
  let scans = 0;
  wakeOnSpecChange(ctl, src, () => { scans++; return ['apps/a', 'apps/b']; });
  const v1: Obj = { metadata: { namespace: 'ward', name: 'default', resourceVersion: '1', generation: 1 } };
  const status: Obj = { metadata: { ...v1.metadata, resourceVersion: '2' } };
  const spec: Obj = { metadata: { ...v1.metadata, resourceVersion: '3', generation: 2 } };
  src.h[0]?.add?.(v1);
  src.h[0]?.update?.(v1, status); // the validity controller's status write
  src.h[0]?.update?.(status, status); // a resync
  assert.equal(scans, 1, 'status writes and resyncs do not scan the users');
  src.h[0]?.update?.(status, spec);
  src.h[0]?.delete?.(spec);
  assert.equal(scans, 3);
  assert.deepEqual(ctl.keys, ['apps/a', 'apps/b', 'apps/a', 'apps/b', 'apps/a', 'apps/b']);
});

test('an owned object wakes the resource of its owner reference\'s kind when edited or deleted, not when we created it', () => {
  const src = source();
  const vss = sink();
  const vds = sink();
  watchOwned(vss, src, 'VaultStaticSecret');
  watchOwned(vds, src, 'VaultDynamicSecret');
  const ref = (kind: string, name: string) => ({ apiVersion: 'secrets.hashicorp.com/v1beta1', kind, name, uid: `u-${name}` });
  const s: Obj = { metadata: { namespace: 'apps', name: 'dest', resourceVersion: '5', ownerReferences: [ref('VaultStaticSecret', 'web'), { ...ref('Deployment', 'x'), apiVersion: 'apps/v1' }] } };
  src.h.forEach((h) => h.add?.(s));
  assert.deepEqual(vss.keys, [], 'our own create does not cost a second reconcile');
  src.h.forEach((h) => h.update?.(s, { metadata: { ...s.metadata, resourceVersion: '6' } }));
  src.h.forEach((h) => h.delete?.(s));
  assert.deepEqual(vss.keys, ['apps/web', 'apps/web']);
  assert.deepEqual(vds.keys, []);
});
