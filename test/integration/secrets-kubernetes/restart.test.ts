/**
 * A rollback that could not finish (the API server refused Ward's deletes) is kept as a
 * write-ahead record in the mount's storage; the next start of Ward finishes it, and so
 * does the periodic sweep of a running mount.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { createKubernetesSecretsBackend } from '../../../src/secrets/kubernetes/index.js';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { pause, waitFor } from '../../helpers/wait.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { InmemStorage } from '../../../src/sdk/storage.js';
import { putConfig, putRollback } from '../../../src/secrets/kubernetes/store.js';

const WARD = 'system:serviceaccount:ward:ward';
const MANAGED = 'app.kubernetes.io/managed-by=Ward';

describe('kubernetes engine rollback across a restart', () => {
  let k: FakeKubeApiServer;
  let s: TestServer | null = null;
  let dir = '';
  let allowDeletes = false;
  let jwt = '';
  let leftovers: () => Promise<string[]>;

  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { apps: {}, ward: {} } });
    // Ward may do anything but delete while `allowDeletes` is off; the test client is admin.
    k.setAuthorizer((user, attrs) => user.groups.includes('system:masters') || (user.username === WARD && (attrs.verb !== 'delete' || allowDeletes)));
    k.seed({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'apps' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
    dir = mkdtempSync(join(tmpdir(), 'ward-k8s-engine-'));
    jwt = await k.issueToken({ namespace: 'ward', name: 'ward', pod: null, expiresIn: 86400 });
    const core = kubeConfigFor(k).makeApiClient(CoreV1Api);
    const rbac = kubeConfigFor(k).makeApiClient(RbacAuthorizationV1Api);
    leftovers = async () => [
      ...(await core.listNamespacedServiceAccount({ namespace: 'apps', labelSelector: MANAGED })).items.map((o) => `ServiceAccount/${o.metadata?.name}`),
      ...(await rbac.listNamespacedRoleBinding({ namespace: 'apps', labelSelector: MANAGED })).items.map((o) => `RoleBinding/${o.metadata?.name}`),
    ];
  });
  after(async () => {
    await s?.close();
    await k?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the next start deletes what a failed request created', async () => {
    const db = join(dir, 'ward.db');
    s = await startTestServer({ sqlitePath: db });
    const root = s.rootToken;
    const key = s.unsealKeys[0] as string;
    const asRoot = (method: string, path: string, body?: unknown) => api(s as TestServer, method, path, { token: root, ...(body === undefined ? {} : { body }) });
    assert.equal((await asRoot('POST', 'sys/mounts/kubernetes', { type: 'kubernetes' })).status, 204);
    assert.equal((await asRoot('POST', 'kubernetes/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, service_account_jwt: jwt })).status, 204);
    assert.equal((await asRoot('POST', 'kubernetes/roles/binder', { allowed_kubernetes_namespaces: 'apps', kubernetes_role_name: 'pod-reader' })).status, 204);

    // The TokenRequest is refused (under 10 minutes) after the binding and account exist;
    // the rollback's deletes are refused too.
    const r = await asRoot('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps', ttl: '5m' });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.match(errText(r), /may not specify a duration less than 10 minutes/);
    assert.equal((await leftovers()).length, 2, 'the binding and the account are still there');

    await s.close();
    s = null;
    allowDeletes = true;
    s = await startTestServer({ sqlitePath: db, dev: false });
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    await waitFor('the rollback to finish after the restart', async () => (await leftovers()).length === 0, { timeoutMs: 10_000 });
  });

  it('while running, a periodic sweep finishes rollbacks once the API server allows it', async () => {
    allowDeletes = false;
    const registry = builtinRegistry();
    registry.register('kubernetes', 'secret', async (config) => createKubernetesSecretsBackend(config, { rollbackIntervalMs: 100, rollbackMinAgeMs: 0 }).backend);
    const w = await startTestServer({ registry });
    try {
      const asRoot = (method: string, path: string, body?: unknown) => api(w, method, path, { token: w.rootToken, ...(body === undefined ? {} : { body }) });
      assert.equal((await asRoot('POST', 'sys/mounts/k8s', { type: 'kubernetes' })).status, 204);
      assert.equal((await asRoot('POST', 'k8s/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, service_account_jwt: jwt })).status, 204);
      assert.equal((await asRoot('POST', 'k8s/roles/binder', { allowed_kubernetes_namespaces: 'apps', kubernetes_role_name: 'pod-reader' })).status, 204);
      assert.equal((await asRoot('POST', 'k8s/creds/binder', { kubernetes_namespace: 'apps', ttl: '5m' })).status, 502);
      assert.equal((await leftovers()).length, 2, 'the deletes were refused');
      allowDeletes = true;
      await waitFor('the periodic sweep to roll back', async () => (await leftovers()).length === 0, { timeoutMs: 10_000 });
    } finally {
      await w.close();
    }
  });

  it('a read-only copy of the mount (a performance standby) never rolls back: the active may be mid-request', async () => {
    allowDeletes = true;
    const core = kubeConfigFor(k).makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'apps', body: { metadata: { name: 'in-flight', labels: { 'app.kubernetes.io/managed-by': 'Ward' } } } });
    const storage = new InmemStorage();
    await putConfig(storage, { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, service_account_jwt: jwt, disable_local_ca_jwt: true });
    // As the active writes it just before creating the account for a request still running.
    await putRollback(storage, 'r1', { created: 0, objects: [{ kind: 'ServiceAccount', name: 'in-flight', namespace: 'apps', path: '/api/v1/namespaces/apps/serviceaccounts' }] });
    const system = { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 86400, options: () => ({}) };
    const config = (readOnly: boolean) => ({ storage, mountPoint: 'k8s/', mountType: 'kubernetes', logger: silentLogger, system: { ...system, readOnly: () => readOnly } });
    const standby = createKubernetesSecretsBackend(config(true), { rollbackIntervalMs: 20, rollbackMinAgeMs: 0 });
    assert.equal(await standby.recovered, 0);
    await pause(200); // ten sweep intervals
    await standby.backend.cleanup?.();
    assert.deepEqual(await leftovers(), ['ServiceAccount/in-flight'], 'the standby deleted nothing');
    assert.deepEqual(await storage.list('rollback/'), ['r1']);
    // The same record on the active is rolled back (so the check above can fail).
    const active = createKubernetesSecretsBackend(config(false), { rollbackIntervalMs: 60_000 });
    assert.equal(await active.recovered, 1);
    await active.backend.cleanup?.();
    await waitFor('the account deleted', async () => (await leftovers()).length === 0, { timeoutMs: 10_000 });
  });
});
