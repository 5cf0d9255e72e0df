/**
 * The VaultDynamicSecret reconciler against the fake cluster with a scripted Ward session and a
 * controlled clock: the cases an end-to-end run cannot steer (when a restart fails, when Ward
 * is down during a deletion, when the destination may not be created).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import type { ApiResponse, JsonObject } from '../../../src/api/index.js';
import { ApiError } from '../../../src/api/index.js';
import { KubeClient } from '../../../src/k8s/kube/client.js';
import type { WardClients, WardSession } from '../../../src/k8s/operator/clients.js';
import { dynamicSecretReconciler, DYNAMIC_SECRET_FINALIZER } from '../../../src/k8s/operator/dynamic-secret.js';
import type { Cr } from '../../../src/k8s/operator/sync-kind.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

const NS = 'apps';
const R = { group: 'secrets.hashicorp.com', version: 'v1beta1', plural: 'vaultdynamicsecrets' };
const AUTH = { metadata: { namespace: 'ward', name: 'default', generation: 1 }, spec: { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app' } } };
const CONN = { metadata: { namespace: 'ward', name: 'default', generation: 1 }, spec: { address: 'https://ward.invalid:8200' } };

/** A scripted Ward: credentials numbered 1, 2, …; renewals answered by `renewal`; every call recorded. */
class ScriptedWard {
  calls: string[] = [];
  bodies: JsonObject[] = [];
  issued = 0;
  /** Answers without a lease (a KV read, say). */
  leaseless = false;
  renewal: (increment: number) => ApiResponse | Error = (inc) => ({ status: 200, body: { lease_duration: inc, renewable: true } });
  revoke: () => ApiResponse | Error = () => ({ status: 204, body: null });
  readonly session: WardSession = {
    get: async (path) => this.#issue(`GET ${path}`),
    write: async (path, body: JsonObject) => {
      if (path === 'sys/leases/renew') return this.#answer(`renew ${String(body['lease_id'])}`, this.renewal(Number(body['increment'])));
      if (path === 'sys/leases/revoke') return this.#answer(`revoke ${String(body['lease_id'])}`, this.revoke());
      this.bodies.push(body);
      return this.#issue(`PUT ${path}`);
    },
  };
  #answer(call: string, a: ApiResponse | Error): ApiResponse {
    this.calls.push(call);
    if (a instanceof Error) throw a;
    return a;
  }
  #issue(call: string): ApiResponse {
    this.calls.push(call);
    this.issued++;
    const data = { username: `user-${this.issued}`, password: `pw-${this.issued}` };
    if (this.leaseless) return { status: 200, body: { request_id: `req-${this.issued}`, lease_id: '', lease_duration: 0, renewable: false, data } };
    return { status: 200, body: { request_id: `req-${this.issued}`, lease_id: `database/creds/app/lease-${this.issued}`, lease_duration: 60, renewable: true, data } };
  }
}

const refused = (status: number, message: string) => new ApiError({ status, errors: [message], address: 'https://ward.invalid:8200', method: 'PUT', path: 'sys/leases/x', body: null });

describe('VaultDynamicSecret reconciler (fake cluster, scripted Ward)', () => {
  let k: FakeKubeApiServer;
  let kube: KubeClient;
  let clock = Date.parse('2027-03-01T10:00:00Z');
  const events: string[] = [];

  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { [NS]: {} } });
    const kc = kubeConfigFor(k);
    kube = new KubeClient(kc);
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const o of yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/crds/vaultdynamicsecret.yaml'), 'utf8')) as KubernetesObject[]) await generic.create(o);
    await waitFor('the CRD served', () => kube.custom.listNamespacedCustomObject({ ...R, namespace: NS }).then(() => true, () => false));
  });
  after(() => k.close());

  const reconciler = (ward: ScriptedWard) => dynamicSecretReconciler({
    kube,
    // any-free stand-in: only run() is used by the reconciler, with the scripted session.
    clients: { run: (_t: unknown, fn: (s: WardSession) => Promise<unknown>) => fn(ward.session) } as unknown as WardClients,
    crs: { get: () => undefined },
    operatorNamespace: 'ward',
    macKey: Buffer.alloc(32, 7),
    isLeader: () => true,
    log: () => undefined,
    event: async (_o, type, reason, message) => { events.push(`${type} ${reason}: ${message}`); },
    refs: { auths: { get: () => AUTH }, connections: { get: () => CONN } },
    now: () => new Date(clock),
    rand: () => 0,
  });
  const create = (name: string, spec: Record<string, unknown>) => kube.custom.createNamespacedCustomObject({ ...R, namespace: NS, body: { apiVersion: 'secrets.hashicorp.com/v1beta1', kind: 'VaultDynamicSecret', metadata: { name }, spec } });
  const get = (name: string) => kube.custom.getNamespacedCustomObject({ ...R, namespace: NS, name }).then((o) => o as Cr & { metadata: { finalizers?: string[] } }, () => undefined);
  const run = (ward: ScriptedWard, name: string) => reconciler(ward)(`${NS}/${name}`, new AbortController().signal);

  test('a destination that may not be created and does not exist: nothing is issued', async () => {
    const ward = new ScriptedWard();
    await create('nodest', { mount: 'database', path: 'creds/app', destination: { name: 'absent' } });
    await assert.rejects(run(ward, 'nodest'), { message: 'destination Secret apps/absent does not exist and destination.create is false' });
    assert.deepEqual(ward.calls, []);
    const st = (await get('nodest'))?.status as { conditions?: Array<{ type: string; status: string; message: string }> };
    assert.equal(st.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  });

  test('a rollout restart that fails is reported once and never turns into new credentials; a new process decides the same', async () => {
    const ward = new ScriptedWard();
    await create('rot', { mount: 'database', path: 'creds/app', rolloutRestartTargets: [{ kind: 'Deployment', name: 'missing' }], destination: { name: 'rot', create: true } });
    const first = await run(ward, 'rot');
    assert.deepEqual(ward.calls, ['GET database/creds/app']);
    assert.deepEqual((await get('rot'))?.metadata.finalizers, [DYNAMIC_SECRET_FINALIZER]);
    // 67 % of 60 s is 40.2 s, and lastRenewalTime is whole seconds.
    assert.ok(first?.requeueAfter && first.requeueAfter <= 40_200 && first.requeueAfter > 39_000, JSON.stringify(first));
    clock += 41_000;
    ward.renewal = () => ({ status: 200, body: { lease_duration: 19, renewable: true } });
    await run(ward, 'rot');
    assert.deepEqual(ward.calls, ['GET database/creds/app', 'renew database/creds/app/lease-1', 'GET database/creds/app']);
    const st = (await get('rot'))?.status as { secretLease?: { id: string }; conditions?: Array<{ type: string; status: string; reason: string }> };
    assert.equal(st.secretLease?.id, 'database/creds/app/lease-2');
    assert.equal(st.conditions?.find((c) => c.type === 'RolloutRestart')?.reason, 'RolloutRestartFailed');
    assert.ok(events.some((e) => e.startsWith('Warning RolloutRestartFailed: rollout restart of Deployment apps/missing failed')), events.join('\n'));
    // Again, and from a fresh reconciler (an operator restart): the lease is valid, so nothing.
    const again = await run(new ScriptedWard(), 'rot');
    assert.ok(again?.requeueAfter && again.requeueAfter > 30_000, JSON.stringify(again));
    const secret = await kube.core.readNamespacedSecret({ namespace: NS, name: 'rot' });
    assert.equal(Buffer.from(secret.data?.['username'] ?? '', 'base64').toString(), 'user-2');
  });

  test('params make the request a PUT with them as the body; an answer without a lease comes back after refreshAfter', async () => {
    const ward = new ScriptedWard();
    ward.leaseless = true;
    await create('params', { mount: 'kubernetes', path: 'creds/deployer', params: { kubernetes_namespace: 'apps' }, refreshAfter: '30s', destination: { name: 'params', create: true } });
    const r = await run(ward, 'params');
    assert.deepEqual(ward.calls, ['PUT kubernetes/creds/deployer']);
    assert.deepEqual(ward.bodies, [{ kubernetes_namespace: 'apps' }]);
    assert.ok(r?.requeueAfter && r.requeueAfter <= 30_000 && r.requeueAfter > 28_000, JSON.stringify(r));
    clock += 31_000;
    await run(ward, 'params');
    assert.deepEqual(ward.calls, ['PUT kubernetes/creds/deployer', 'PUT kubernetes/creds/deployer']);
  });

  test('deletion: an unreachable Ward is retried for a while, then the finalizer goes anyway; a refusal does not wait', async () => {
    const ward = new ScriptedWard();
    await create('gone', { mount: 'database', path: 'creds/app', revoke: true, destination: { name: 'gone', create: true } });
    await run(ward, 'gone');
    await kube.custom.deleteNamespacedCustomObject({ ...R, namespace: NS, name: 'gone' });
    clock = Date.now();
    ward.revoke = () => new Error('cannot reach https://ward.invalid:8200: ECONNREFUSED');
    await assert.rejects(run(ward, 'gone'), /ECONNREFUSED/);
    assert.ok((await get('gone'))?.metadata.finalizers?.includes(DYNAMIC_SECRET_FINALIZER), 'held while Ward may come back');
    clock = Date.now() + 61_000;
    await run(ward, 'gone');
    assert.equal(await get('gone'), undefined, 'deleted once the finalizer went');
    assert.deepEqual(ward.calls.filter((c) => c.startsWith('revoke')), ['revoke database/creds/app/lease-1', 'revoke database/creds/app/lease-1']);

    const w2 = new ScriptedWard();
    await create('refused', { mount: 'database', path: 'creds/app', revoke: true, destination: { name: 'refused', create: true } });
    await run(w2, 'refused');
    await kube.custom.deleteNamespacedCustomObject({ ...R, namespace: NS, name: 'refused' });
    clock = Date.now();
    w2.revoke = () => refused(400, 'invalid lease ID');
    await run(w2, 'refused');
    assert.equal(await get('refused'), undefined);
    assert.ok(events.some((e) => e.startsWith('Warning SecretLeaseRevoke: Failed to revoke lease database/creds/app/lease-1: ')), events.join('\n'));
  });
});
