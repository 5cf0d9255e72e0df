import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatchApplyError } from './patch-apply.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

const spec = {
  containers: [
    { name: 'app', image: 'a:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], volumeMounts: [{ name: 'data', mountPath: '/data' }], ports: [{ containerPort: 80 }] },
    { name: 'side', image: 's:1' },
  ],
  volumes: [{ name: 'data', emptyDir: {} }],
  tolerations: [{ key: 'x', operator: 'Exists' }],
};

const cases: { name: string; patch: unknown; expect: (out: typeof spec) => unknown; want: unknown }[] = [
  { name: 'merges a container by name, keeping the others', patch: { containers: [{ name: 'app', image: 'a:2' }] }, expect: (o) => o.containers.map((c) => `${c.name}=${c.image}`), want: ['app=a:2', 'side=s:1'] },
  { name: 'appends a new container', patch: { containers: [{ name: 'vault-agent', image: 'ward' }] }, expect: (o) => o.containers.map((c) => c.name), want: ['app', 'side', 'vault-agent'] },
  { name: 'merges env by name', patch: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] }, expect: (o) => o.containers[0]?.env, want: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] },
  { name: 'merges volumeMounts by mountPath', patch: { containers: [{ name: 'app', volumeMounts: [{ name: 'secrets', mountPath: '/vault/secrets' }] }] }, expect: (o) => o.containers[0]?.volumeMounts?.map((m) => m.mountPath), want: ['/data', '/vault/secrets'] },
  { name: 'merges ports by containerPort', patch: { containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }] }] }, expect: (o) => o.containers[0]?.ports, want: [{ containerPort: 80, name: 'http' }] },
  { name: 'merges volumes by name', patch: { volumes: [{ name: 'home', emptyDir: { medium: 'Memory' } }] }, expect: (o) => o.volumes.map((v) => v.name), want: ['data', 'home'] },
  { name: 'deletes a list element with $patch: delete', patch: { containers: [{ name: 'side', $patch: 'delete' }] }, expect: (o) => o.containers.map((c) => c.name), want: ['app'] },
  { name: 'replaces a whole list with $patch: replace', patch: { volumes: [{ name: 'only', emptyDir: {} }, { $patch: 'replace' }] }, expect: (o) => o.volumes, want: [{ name: 'only', emptyDir: {} }] },
  { name: 'replaces lists without a merge key', patch: { tolerations: [{ key: 'y', operator: 'Exists' }] }, expect: (o) => o.tolerations, want: [{ key: 'y', operator: 'Exists' }] },
  { name: 'deletes a field with null', patch: { tolerations: null }, expect: (o) => o.tolerations, want: undefined },
];

describe('strategic merge patch', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(c.expect(applyStrategicMergePatch(spec, c.patch)), c.want);
    });
  }

  it('replaces a map with $patch: replace and deletes one with $patch: delete', () => {
    const doc = { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } } };
    assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { labels: { c: '3', $patch: 'replace' }, annotations: { $patch: 'delete' } } }), { metadata: { labels: { c: '3' } } });
  });

  it('merges finalizers as a set and removes with $deleteFromPrimitiveList', () => {
    const doc = { metadata: { finalizers: ['a', 'b'] } };
    assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { finalizers: ['b', 'c'] } }), { metadata: { finalizers: ['a', 'b', 'c'] } });
    assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { metadata: { finalizers: ['b'] } });
  });

  it('merges ownerReferences by uid', () => {
    const doc = { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } };
    assert.deepEqual(applyStrategicMergePatch(doc, { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } }).metadata.ownerReferences.map((r) => r.uid), ['1', '2']);
  });

  it('refuses an element without its merge key and a non-object patch', () => {
    assert.throws(() => applyStrategicMergePatch(spec, { containers: [{ image: 'x' }] }), PatchApplyError);
    assert.throws(() => applyStrategicMergePatch(spec, [1]), PatchApplyError);
  });

  it('does not change its input', () => {
    const copy = structuredClone(spec);
    applyStrategicMergePatch(spec, { containers: [{ name: 'app', image: 'z' }] });
    assert.deepEqual(spec, copy);
  });
});
