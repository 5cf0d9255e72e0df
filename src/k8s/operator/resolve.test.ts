import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../kube/client.js';
import { resolveLogin, type RefCaches } from './resolve.js';
import { SpecError, type CustomObject } from './spec.js';

const cr = (namespace: string, name: string, spec: Record<string, unknown>, uid = `${name}-uid`, generation = 1): CustomObject => ({ metadata: { namespace, name, uid, generation }, spec });
const caches = (objs: { auths?: CustomObject[]; connections?: CustomObject[]; globals?: CustomObject[] }): RefCaches => {
  const m = (l: CustomObject[] = []) => ({ get: (k: string) => l.find((o) => `${o.metadata?.namespace}/${o.metadata?.name}` === k) });
  return { auths: m(objs.auths), connections: m(objs.connections), globals: m(objs.globals) };
};
// With caches, resolveLogin reads nothing from the API server (no CA Secret here).
const kube = {} as KubeClient;
const CONN = cr('ward', 'default', { address: 'https://ward:8200' });

test('a VaultAuth that references a VaultAuthGlobal logs in with the merged settings; the global\'s version is part of the cache key', async () => {
  const c = caches({
    auths: [cr('apps', 'app', { vaultAuthGlobalRef: { name: 'shared', namespace: 'ward', mergeStrategy: { headers: 'union' } }, headers: { 'X-Own': '1' }, kubernetes: { serviceAccount: 'app' } })],
    globals: [cr('ward', 'shared', { allowedNamespaces: ['apps'], defaultAuthMethod: 'kubernetes', headers: { 'X-Team': 't' }, kubernetes: { mount: 'kubernetes', role: 'app', serviceAccount: 'default' } }, 'g-uid', 4)],
    connections: [CONN],
  });
  const t = await resolveLogin(kube, 'apps', 'app', 'ward', c);
  assert.equal(t.auth.method, 'kubernetes');
  assert.equal(t.auth.mount, 'kubernetes');
  assert.deepEqual(t.auth.kubernetes, { role: 'app', serviceAccount: 'app', audiences: [], tokenExpirationSeconds: 600 });
  assert.deepEqual(t.auth.headers, { 'X-Team': 't', 'X-Own': '1' });
  assert.equal(t.connection.address, 'https://ward:8200');
  assert.match(t.authKey, /^app-uid@1\|default-uid@1\|g-uid@4$/);
});

test('a VaultAuthGlobal in another namespace must allow the VaultAuth\'s namespace; a missing one is retried, not terminal', async () => {
  const auths = [cr('apps', 'app', { vaultAuthGlobalRef: { name: 'shared', namespace: 'ward' } })];
  const denied = caches({ auths, globals: [cr('ward', 'shared', { defaultAuthMethod: 'kubernetes', kubernetes: { mount: 'k', role: 'r', serviceAccount: 's' } })], connections: [CONN] });
  await assert.rejects(resolveLogin(kube, 'apps', 'app', 'ward', denied), (e: unknown) => e instanceof SpecError && e.message === 'VaultAuthGlobal ward/shared does not allow namespace apps (allowedNamespaces)');
  const missing = caches({ auths, connections: [CONN] });
  await assert.rejects(resolveLogin(kube, 'apps', 'app', 'ward', missing), (e: unknown) => !(e instanceof SpecError) && (e as Error).message === 'VaultAuth apps/app: VaultAuthGlobal ward/shared not found');
});

test('allowDefault finds "default" in the VaultAuth\'s namespace, else in the operator\'s (always allowed)', async () => {
  const auths = [cr('apps', 'app', { vaultAuthGlobalRef: { allowDefault: true } })];
  const g = (ns: string, role: string) => cr(ns, 'default', { defaultAuthMethod: 'kubernetes', kubernetes: { mount: 'k', role, serviceAccount: 's' } });
  assert.equal((await resolveLogin(kube, 'apps', 'app', 'ward', caches({ auths, globals: [g('ward', 'op')], connections: [CONN] }))).auth.kubernetes?.role, 'op');
  assert.equal((await resolveLogin(kube, 'apps', 'app', 'ward', caches({ auths, globals: [g('ward', 'op'), g('apps', 'own')], connections: [CONN] }))).auth.kubernetes?.role, 'own');
});

test('a VaultAuth\'s own namespace may always use it, even with allowedNamespaces set (VSO)', async () => {
  const c = caches({ auths: [cr('apps', 'app', { method: 'kubernetes', mount: 'k', allowedNamespaces: ['other'], kubernetes: { role: 'r', serviceAccount: 's' } })], connections: [CONN] });
  assert.equal((await resolveLogin(kube, 'apps', 'app', 'ward', c)).auth.mount, 'k');
  await assert.rejects(resolveLogin(kube, 'third', 'apps/app', 'ward', c), SpecError);
});
