import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../../test/fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../../test/fakes/kube-apiserver/test-client.js';
import { KubeClient } from '../kube/client.js';
import { findEncryptionAuth, secretTokenStore, type Codec } from './cache-storage.js';
import type { LoginTarget } from './clients.js';
import type { CachedToken } from './token-cache.js';

const target: LoginTarget = {
  connection: { address: 'https://ward:8200', headers: {}, tlsServerName: undefined, caCertSecretRef: undefined, caCertPath: undefined, skipTLSVerify: false, timeoutMs: undefined },
  caPem: undefined,
  auth: { vaultConnectionRef: undefined, namespace: undefined, method: 'appRole', mount: 'approle', allowedNamespaces: undefined, params: {}, headers: {}, appRole: { roleId: 'r', secretRef: 's' } },
  authKey: 'uid-1@1|uid-2@1',
  namespace: 'apps',
};
const TOKEN: CachedToken = { token: 'hvs.very-secret-token', accessor: 'acc-1', renewable: true, ttlMs: 3_600_000, refreshedAt: 1_700_000_000_000 };

/** A stand-in for transit: reversible, and visibly not the plaintext. */
const codec = (o: { fail?: boolean } = {}): Codec => ({
  encrypt: async (p) => ({ ciphertext: `vault:v1:${Buffer.from(p).toString('base64').split('').reverse().join('')}`, keyRef: 'default' }),
  decrypt: async (c, keyRef) => {
    if (o.fail) throw new Error('transit decrypt failed: cipher: message authentication failed');
    assert.equal(keyRef, 'default');
    return Buffer.from(c.replace(/^vault:v1:/, '').split('').reverse().join(''), 'base64').toString('utf8');
  },
});

describe('the persisted client cache: one encrypted Secret per cached token in the operator\'s namespace', () => {
  let kube: FakeKubeApiServer;
  let client: KubeClient;
  let core: CoreV1Api;
  before(async () => {
    kube = await startFakeKubeApiServer();
    const kc = kubeConfigFor(kube);
    client = new KubeClient(kc);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'ward' } } });
  });
  after(() => kube.close());

  test('save writes a Secret labelled as VSO\'s client-cache-storage with the encrypted entry only; load returns the entry', async () => {
    const store = secretTokenStore(client, 'ward', codec());
    await store.save('k1', target, TOKEN);
    const list = await core.listNamespacedSecret({ namespace: 'ward', labelSelector: 'app.kubernetes.io/component=client-cache-storage' });
    assert.equal(list.items.length, 1);
    const s = list.items[0]!;
    assert.match(s.metadata?.name ?? '', /^vso-cc-approle-[0-9a-f]{40}$/);
    assert.equal(s.metadata?.labels?.['app.kubernetes.io/managed-by'], 'vso');
    assert.equal(s.metadata?.labels?.['encrypted'], 'true');
    assert.equal(s.metadata?.labels?.['vaultTransitRef'], 'default');
    const everything = JSON.stringify(s);
    assert.doesNotMatch(everything, /very-secret-token|acc-1/, 'no token or accessor in plaintext anywhere in the Secret');
    assert.deepEqual(await store.load('k1', target), TOKEN);
    assert.equal(await store.load('other', target), undefined);
    // Saving again replaces the entry.
    await store.save('k1', target, { ...TOKEN, token: 'hvs.next' });
    assert.equal((await store.load('k1', target))?.token, 'hvs.next');
    await store.drop('k1', target);
    assert.equal(await store.load('k1', target), undefined);
  });

  test('an entry that does not decrypt, or a cache Secret that is not encrypted, is an error (the caller logs in instead)', async () => {
    await secretTokenStore(client, 'ward', codec()).save('k2', target, TOKEN);
    await assert.rejects(secretTokenStore(client, 'ward', codec({ fail: true })).load('k2', target), /message authentication failed/);
    // A decrypted entry that is not JSON: the error must not quote it (it may be a token).
    const garbled: Codec = { ...codec(), decrypt: async () => 'hvs.plain-token-text' };
    await assert.rejects(secretTokenStore(client, 'ward', garbled).load('k2', target), (e: Error) => e.message === 'the cached entry is not JSON');
    const name = (await core.listNamespacedSecret({ namespace: 'ward', labelSelector: 'app.kubernetes.io/component=client-cache-storage' })).items[0]?.metadata?.name ?? '';
    await core.patchNamespacedSecret({ namespace: 'ward', name, body: [{ op: 'remove', path: '/metadata/labels/encrypted' }] });
    await assert.rejects(secretTokenStore(client, 'ward', codec()).load('k2', target), /is not encrypted/);
  });
});

describe('pruning', () => {
  let kube: FakeKubeApiServer;
  let client: KubeClient;
  let core: CoreV1Api;
  before(async () => {
    kube = await startFakeKubeApiServer();
    const kc = kubeConfigFor(kube);
    client = new KubeClient(kc);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'ward' } } });
  });
  after(() => kube.close());

  test('a token saved for a newer generation of a VaultAuth removes the cache entries of its older generations (VSO\'s auth/UID, auth/generation labels)', async () => {
    const store = secretTokenStore(client, 'ward', codec());
    const gen = (generation: number, uid = 'va-uid'): LoginTarget => ({ ...target, authKey: `${uid}@${generation}|c@1`, authRef: { namespace: 'apps', name: 'a', uid, generation } });
    await store.save('old', gen(1), TOKEN);
    await store.save('other-auth', gen(1, 'other-uid'), TOKEN);
    const labels = async () => (await core.listNamespacedSecret({ namespace: 'ward', labelSelector: 'app.kubernetes.io/component=client-cache-storage' })).items.map((s) => `${s.metadata?.labels?.['auth/UID']}@${s.metadata?.labels?.['auth/generation']}`).sort();
    assert.deepEqual(await labels(), ['other-uid@1', 'va-uid@1']);
    await store.save('new', gen(2), TOKEN);
    assert.deepEqual(await labels(), ['other-uid@1', 'va-uid@2']);
    assert.equal(await store.load('old', gen(1)), undefined);
  });
});

test('the VaultAuth for storage encryption: the only one with storageEncryption in the operator\'s namespace, or the one labelled cacheStorageEncryption=true', () => {
  const va = (ns: string, name: string, enc: boolean, label = false) => ({ metadata: { namespace: ns, name, labels: (label ? { cacheStorageEncryption: 'true' } : {}) as Record<string, string> }, spec: enc ? { storageEncryption: { mount: 'transit', keyName: 'k' } } : {} });
  assert.equal(findEncryptionAuth([va('ward', 'default', true), va('apps', 'x', true)], 'ward'), 'default');
  assert.equal(findEncryptionAuth([va('ward', 'default', true), va('ward', 'enc', true, true)], 'ward'), 'enc');
  assert.throws(() => findEncryptionAuth([va('ward', 'default', false)], 'ward'), { message: 'no VaultAuth in namespace ward has spec.storageEncryption (needed by --client-cache-persistence-model=direct-encrypted)' });
  assert.throws(() => findEncryptionAuth([va('ward', 'a', true), va('ward', 'b', true)], 'ward'), { message: 'several VaultAuths in namespace ward have spec.storageEncryption (a, b): label the one to use cacheStorageEncryption=true' });
});
