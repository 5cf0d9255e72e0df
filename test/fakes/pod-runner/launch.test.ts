import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { SA_PATH, withServiceAccountVolume } from './launch.js';

const pod = (spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod => ({
  metadata: { name: 'p', namespace: 'prod' },
  spec: { containers: [{ name: 'app' }, { name: 'side' }], initContainers: [{ name: 'init' }], ...spec },
});
const mounts = (p: V1Pod) => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => (c.volumeMounts ?? []).map((m) => `${m.name}:${m.mountPath}:${m.readOnly}`));

test('the automatic service-account volume is added as the admission plugin adds it', () => {
  const added = withServiceAccountVolume(pod({}));
  assert.deepEqual(mounts(added), [[`kube-api-access-podrunner:${SA_PATH}:true`], [`kube-api-access-podrunner:${SA_PATH}:true`], [`kube-api-access-podrunner:${SA_PATH}:true`]]);
  const v = added.spec?.volumes?.[0];
  assert.deepEqual(v?.projected?.sources?.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
  assert.equal(v?.projected?.sources?.[0]?.serviceAccountToken?.path, 'token');
});

test('no automatic volume when automount is off or a container already mounts the path', () => {
  assert.equal(withServiceAccountVolume(pod({ automountServiceAccountToken: false })).spec?.volumes, undefined);
  const own = pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'app', volumeMounts: [{ name: 'mine', mountPath: SA_PATH }] }] });
  const out = withServiceAccountVolume(own);
  assert.deepEqual(out.spec?.volumes?.map((x) => x.name), ['mine']);
  assert.deepEqual(own, pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'app', volumeMounts: [{ name: 'mine', mountPath: SA_PATH }] }] }), 'the stored pod is not modified');
});
