/**
 * The VaultPKISecret reconciler against the fake cluster and a real Ward, driven directly
 * with an informer cache that lags the operator's own writes (as a real one does right after
 * a write): no second certificate, no status rolled back to the cached serial, and one
 * finalizer entry however often it is reconciled.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WardClient } from '../../../src/api/index.js';
import { KubeClient, MERGE_PATCH } from '../../../src/k8s/kube/client.js';
import type { WardClients } from '../../../src/k8s/operator/clients.js';
import { PKI_FINALIZER, pkiSecretReconciler } from '../../../src/k8s/operator/pki-secret.js';
import type { Cr } from '../../../src/k8s/operator/sync-kind.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';

const NS = 'apps';
const G = { group: 'secrets.hashicorp.com', version: 'v1beta1', plural: 'vaultpkisecrets' };
type Status = { serialNumber?: string; expiration?: number; valid?: boolean };

describe('operator: VaultPKISecret reconciler with a lagging cache', () => {
  let kube: FakeKubeApiServer;
  let ward: TestServer;
  let c: KubeClient;
  let client: WardClient;
  let issued = 0;
  before(async () => {
    [kube, ward] = await Promise.all([startFakeKubeApiServer({ namespaces: { [NS]: {}, ward: {} } }), startTestServer()]);
    c = new KubeClient(kubeConfigFor(kube));
    const generic = KubernetesObjectApi.makeApiClient(kubeConfigFor(kube));
    for (const o of yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/crds/vaultpkisecret.yaml'), 'utf8')) as KubernetesObject[]) await generic.create(o);
    const T = ward.rootToken;
    for (const [m, p, body] of [
      ['POST', 'sys/mounts/pki', { type: 'pki' }],
      ['POST', 'pki/root/generate/internal', { common_name: 'root', ttl: '24h', key_type: 'ec' }],
      ['POST', 'pki/roles/web', { allowed_domains: 'apps.svc', allow_subdomains: true, key_type: 'ec', key_bits: 256 }],
    ] as const) assert.ok([200, 204].includes((await api(ward, m, p, { token: T, body })).status), p);
    client = new WardClient({ address: ward.url });
  });
  after(async () => {
    client.close();
    await Promise.all([kube.close(), ward.close()]);
  });

  const auth = { metadata: { namespace: 'ward', name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'r', serviceAccount: 'sa' } } };
  const conn = { metadata: { namespace: 'ward', name: 'default' }, spec: { address: 'http://127.0.0.1:1' } };
  // Every request goes to the real Ward as root; the login is not what is under test here.
  const clients = {
    run: async (_t: unknown, fn: (s: unknown) => Promise<unknown>) => fn({
      get: (path: string) => client.request('GET', path, { token: ward.rootToken }),
      write: (path: string, body: Record<string, unknown>) => {
        if (path.includes('/issue/')) issued++;
        return client.request('PUT', path, { token: ward.rootToken, body: body as never });
      },
    }),
  } as unknown as WardClients;

  function reconciler(cache: Map<string, Cr>) {
    return pkiSecretReconciler({
      kube: c, clients, crs: { get: (k) => cache.get(k) }, operatorNamespace: 'ward', macKey: Buffer.alloc(32, 7), isLeader: () => true,
      log: () => undefined, event: async () => undefined,
      refs: { auths: { get: (k) => (k === 'ward/default' ? auth : undefined) }, connections: { get: (k) => (k === 'ward/default' ? conn : undefined) } },
    });
  }
  const apiCr = async (name: string) => (await c.custom.getNamespacedCustomObject({ ...G, namespace: NS, name })) as Cr & { metadata: { finalizers?: string[] }; status?: Status };

  it('issues once, keeps one finalizer entry, and never writes the cached (older) serial back', async () => {
    await c.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'given' }, data: {} } });
    const created = (await c.custom.createNamespacedCustomObject({ ...G, namespace: NS, body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultPKISecret', metadata: { name: 'p' }, spec: { mount: 'pki', role: 'web', commonName: 'p.apps.svc', ttl: '1h', revoke: true, destination: { name: 'given' } } } })) as Cr;
    // The cache shows an older certificate, long expired: the first reconcile must replace it.
    const stale: Cr = { ...created, status: { serialNumber: 'aa:bb', expiration: 1, lastGeneration: 1, lastRotation: 0 } };
    await c.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: NS, name: 'p', body: { status: stale.status } }, MERGE_PATCH);
    const cache = new Map([[`${NS}/p`, stale]]);
    const r = reconciler(cache);
    await r(`${NS}/p`, new AbortController().signal);
    const first = (await apiCr('p')).status;
    assert.notEqual(first?.serialNumber, 'aa:bb');
    assert.equal(issued, 1);
    await r(`${NS}/p`, new AbortController().signal);
    assert.equal(issued, 1, 'the cache still shows the old serial; no second certificate');
    assert.deepEqual((await apiCr('p')).metadata.finalizers, [PKI_FINALIZER], 'one finalizer entry');
    // An error now (the destination is gone and not ours to create) writes status over the cache.
    await c.core.deleteNamespacedSecret({ namespace: NS, name: 'given' });
    await assert.rejects(r(`${NS}/p`, new AbortController().signal), /destination Secret apps\/given does not exist/);
    const after = (await apiCr('p')).status;
    assert.equal(after?.valid, false);
    assert.equal(after?.serialNumber, first?.serialNumber, 'the serial just issued stays');
  });
});
