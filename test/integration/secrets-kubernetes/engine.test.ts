/**
 * The kubernetes secrets engine in a real in-process Ward against the fake cluster: each of
 * the three role kinds issues a token that the cluster's TokenReview accepts as the expected
 * service account; revocation deletes what was created; refused namespaces and half-way
 * failures leave nothing behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationV1Api, CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { failure, kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const RBAC = 'rbac.authorization.k8s.io';
const MANAGED = 'app.kubernetes.io/managed-by=Ward';

describe('kubernetes secrets engine', () => {
  let k: FakeKubeApiServer;
  let s: TestServer;
  let core: CoreV1Api;
  let rbac: RbacAuthorizationV1Api;
  let authn: AuthenticationV1Api;
  let wardJwt = '';
  const root = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });

  /** What TokenReview says about `token` for `audiences` (empty: the API server's own). */
  async function review(token: string, audiences: string[] = []): Promise<{ authenticated: boolean; username: string; audiences: string[] }> {
    const r = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } } });
    return { authenticated: r.status?.authenticated === true, username: r.status?.user?.username ?? '', audiences: r.status?.audiences ?? [] };
  }

  async function managedLeftovers(ns: string): Promise<string[]> {
    const opts = { namespace: ns, labelSelector: MANAGED };
    return [
      ...(await core.listNamespacedServiceAccount(opts)).items.map((o) => `ServiceAccount/${o.metadata?.name}`),
      ...(await rbac.listNamespacedRole(opts)).items.map((o) => `Role/${o.metadata?.name}`),
      ...(await rbac.listNamespacedRoleBinding(opts)).items.map((o) => `RoleBinding/${o.metadata?.name}`),
      ...(await rbac.listClusterRole({ labelSelector: MANAGED })).items.map((o) => `ClusterRole/${o.metadata?.name}`),
      ...(await rbac.listClusterRoleBinding({ labelSelector: MANAGED })).items.map((o) => `ClusterRoleBinding/${o.metadata?.name}`),
    ];
  }

  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { apps: { env: 'prod' }, locked: {}, labelled: { team: 'blue' }, ward: {} } });
    const kc = kubeConfigFor(k);
    core = kc.makeApiClient(CoreV1Api);
    rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    authn = kc.makeApiClient(AuthenticationV1Api);
    // Ward's own account: everything it needs cluster-wide except rolebindings, which it
    // may write in `apps` and `labelled` only, so a binding in `locked` fails half-way.
    wardJwt = await k.issueToken({ namespace: 'ward', name: 'ward', pod: null, expiresIn: 86400 });
    const verbs = ['create', 'delete', 'get'];
    k.seed({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'ward-k8s-engine' },
      rules: [
        { apiGroups: [''], resources: ['serviceaccounts', 'serviceaccounts/token', 'namespaces'], verbs },
        { apiGroups: [RBAC], resources: ['roles', 'clusterroles', 'clusterrolebindings'], verbs },
      ],
    });
    k.seed({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ward-k8s-engine' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'ward-k8s-engine' },
      subjects: [{ kind: 'ServiceAccount', name: 'ward', namespace: 'ward' }],
    });
    k.seed({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'ward-bindings' }, rules: [{ apiGroups: [RBAC], resources: ['rolebindings'], verbs }] });
    for (const ns of ['apps', 'labelled']) {
      k.seed({
        apiVersion: `${RBAC}/v1`,
        kind: 'RoleBinding',
        metadata: { name: 'ward-bindings', namespace: ns },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'ward-bindings' },
        subjects: [{ kind: 'ServiceAccount', name: 'ward', namespace: 'ward' }],
      });
    }
    k.seed({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'apps' } });
    k.seed({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-reader', namespace: 'apps' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });

    s = await startTestServer();
    assert.equal((await root('POST', 'sys/mounts/kubernetes', { type: 'kubernetes' })).status, 204);
    const cfg = await root('POST', 'kubernetes/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, service_account_jwt: wardJwt });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
  });
  after(async () => {
    await s?.close();
    await k?.close();
  });

  it('is a secrets engine and the kubernetes auth method still mounts beside it', async () => {
    const mounts = await root('GET', 'sys/mounts');
    assert.equal(mounts.body.data['kubernetes/'].type, 'kubernetes');
    assert.equal((await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' })).status, 204);
  });

  it('config reads back without the JWT; check answers 204', async () => {
    const r = await root('GET', 'kubernetes/config');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, disable_local_ca_jwt: false });
    assert.ok(!JSON.stringify(r.body).includes(wardJwt));
    assert.equal((await root('GET', 'kubernetes/check')).status, 204);
  });

  it('check with a JWT the API server rejects is a 502 naming its answer, never the JWT', async () => {
    const bogus = 'bogus-jwt-7731';
    assert.equal((await root('POST', 'sys/mounts/k8s-bad', { type: 'kubernetes' })).status, 204);
    assert.equal((await root('POST', 'k8s-bad/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, service_account_jwt: bogus })).status, 204);
    const r = await root('GET', 'k8s-bad/check');
    assert.equal(r.status, 502);
    assert.equal(errText(r), 'the Kubernetes API server did not answer: Unauthorized');
    assert.ok(!JSON.stringify(r.body).includes(bogus));
  });

  it('service_account_name: a token for the existing account with the requested audiences', async () => {
    assert.equal((await root('POST', 'kubernetes/roles/existing', { allowed_kubernetes_namespaces: ['apps'], service_account_name: 'app', token_default_ttl: '1h' })).status, 204);
    const r = await root('POST', 'kubernetes/creds/existing', { kubernetes_namespace: 'apps', audiences: 'vault-test' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.data.service_account_name, 'app');
    assert.equal(r.body.data.service_account_namespace, 'apps');
    assert.equal(r.body.lease_duration, 3600);
    assert.equal(r.body.renewable, false);
    assert.match(r.body.lease_id, /^kubernetes\/creds\/existing\//);
    const rv = await review(r.body.data.service_account_token, ['vault-test']);
    assert.deepEqual(rv, { authenticated: true, username: 'system:serviceaccount:apps:app', audiences: ['vault-test'] });
  });

  it('kubernetes_role_name: a new account bound to the Role; revoke deletes both', async () => {
    assert.equal((await root('POST', 'kubernetes/roles/binder', { allowed_kubernetes_namespaces: '*', kubernetes_role_name: 'pod-reader', extra_labels: { team: 'a' } })).status, 204);
    const r = await root('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps', ttl: '20m' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const name = r.body.data.service_account_name as string;
    assert.match(name, /^v-root-binder-\d+-[a-z0-9]{24}$/);
    const rv = await review(r.body.data.service_account_token);
    assert.equal(rv.authenticated, true);
    assert.equal(rv.username, `system:serviceaccount:apps:${name}`);
    const rb = await rbac.readNamespacedRoleBinding({ name, namespace: 'apps' });
    assert.deepEqual({ ...rb.roleRef }, { apiGroup: RBAC, kind: 'Role', name: 'pod-reader' });
    assert.equal(rb.metadata?.labels?.team, 'a');
    assert.equal(rb.metadata?.labels?.['app.kubernetes.io/managed-by'], 'Ward');
    assert.equal((await core.readNamespacedServiceAccount({ name, namespace: 'apps' })).metadata?.name, name);

    assert.equal((await root('PUT', 'sys/leases/revoke', { lease_id: r.body.lease_id })).status, 204);
    assert.equal((await failure(core.readNamespacedServiceAccount({ name, namespace: 'apps' }))).code, 404);
    assert.equal((await failure(rbac.readNamespacedRoleBinding({ name, namespace: 'apps' }))).code, 404);
    assert.equal((await review(r.body.data.service_account_token)).authenticated, false, 'the token dies with its account');
  });

  it('generated_role_rules (YAML) with cluster_role_binding: ClusterRole, ClusterRoleBinding, account; revoke deletes all three', async () => {
    const rules = "rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [list]\n";
    const w = await root('POST', 'kubernetes/roles/gen', { allowed_kubernetes_namespaces: ['apps'], generated_role_rules: rules, kubernetes_role_type: 'ClusterRole', token_default_audiences: 'aud-a,aud-b' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const r = await root('POST', 'kubernetes/creds/gen', { kubernetes_namespace: 'apps', cluster_role_binding: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const name = r.body.data.service_account_name as string;
    const rv = await review(r.body.data.service_account_token, ['aud-b']);
    assert.deepEqual(rv, { authenticated: true, username: `system:serviceaccount:apps:${name}`, audiences: ['aud-b'] });
    const cr = await rbac.readClusterRole({ name });
    assert.deepEqual(cr.rules?.map((x) => ({ apiGroups: x.apiGroups, resources: x.resources, verbs: x.verbs })), [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
    assert.equal((await rbac.readClusterRoleBinding({ name })).roleRef.name, name);

    assert.equal((await root('PUT', 'sys/leases/revoke', { lease_id: r.body.lease_id })).status, 204);
    for (const p of [rbac.readClusterRole({ name }), rbac.readClusterRoleBinding({ name }), core.readNamespacedServiceAccount({ name, namespace: 'apps' })]) {
      assert.equal((await failure(p)).code, 404);
    }
  });

  it('revoke: objects already deleted by hand are fine; an unreachable API server keeps the lease for a later retry', async () => {
    const a = await root('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps' });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    await core.deleteNamespacedServiceAccount({ name: a.body.data.service_account_name, namespace: 'apps' });
    assert.equal((await root('PUT', 'sys/leases/revoke', { lease_id: a.body.lease_id })).status, 204);
    assert.deepEqual(await managedLeftovers('apps'), []);

    const b = await root('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps' });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    await k.down();
    try {
      const r = await root('PUT', 'sys/leases/revoke', { lease_id: b.body.lease_id });
      assert.notEqual(r.status, 204, 'a revocation that could not delete anything does not succeed');
      assert.equal((await root('PUT', 'sys/leases/lookup', { lease_id: b.body.lease_id })).status, 200, 'the lease is kept');
    } finally {
      await k.up();
    }
    assert.equal((await root('PUT', 'sys/leases/revoke', { lease_id: b.body.lease_id })).status, 204);
    assert.deepEqual(await managedLeftovers('apps'), []);
  });

  it('a ttl over token_max_ttl is capped, with a warning, in both the lease and the token', async () => {
    assert.equal((await root('POST', 'kubernetes/roles/capped', { allowed_kubernetes_namespaces: 'apps', service_account_name: 'app', token_max_ttl: '15m' })).status, 204);
    const r = await root('POST', 'kubernetes/creds/capped', { kubernetes_namespace: 'apps', ttl: '1h' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.lease_duration, 900);
    assert.deepEqual(r.body.warnings, ["ttl of 1h0m0s is greater than the role's token_max_ttl of 15m0s; capping accordingly"]);
    const claims = JSON.parse(Buffer.from((r.body.data.service_account_token as string).split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number; iat: number };
    // The fake backdates `iat` by a second (clock-skew allowance), so the span is 900 or 901.
    assert.ok([900, 901].includes(claims.exp - claims.iat), `token lifetime ${claims.exp - claims.iat}s`);
    assert.equal((await root('PUT', 'sys/leases/renew', { lease_id: r.body.lease_id })).status, 400, 'kube_token leases are not renewable');
  });

  it('a namespace outside the allowed ones is refused with 400; an unknown role too', async () => {
    const r = await root('POST', 'kubernetes/creds/existing', { kubernetes_namespace: 'kube-system' });
    assert.equal(r.status, 400);
    assert.equal(errText(r), "kubernetes_namespace 'kube-system' is not present in role's allowed_kubernetes_namespaces or does not match role's label selector allowed_kubernetes_namespace_selector");
    const u = await root('POST', 'kubernetes/creds/nope', { kubernetes_namespace: 'apps' });
    assert.equal(u.status, 400);
    assert.equal(errText(u), "role 'nope' does not exist");
  });

  it('allowed_kubernetes_namespace_selector admits namespaces by label', async () => {
    const w = await root('POST', 'kubernetes/roles/by-label', { allowed_kubernetes_namespace_selector: '{"matchLabels":{"team":"blue"}}', kubernetes_role_name: 'view' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    assert.equal((await root('POST', 'kubernetes/creds/by-label', { kubernetes_namespace: 'apps' })).status, 400);
    const r = await root('POST', 'kubernetes/creds/by-label', { kubernetes_namespace: 'labelled' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await root('PUT', 'sys/leases/revoke', { lease_id: r.body.lease_id })).status, 204);
  });

  it('a binding the API server forbids half-way: 502 naming its message, the Role is rolled back', async () => {
    assert.equal((await root('POST', 'kubernetes/roles/locked', { allowed_kubernetes_namespaces: ['locked'], generated_role_rules: '{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}' })).status, 204);
    const r = await root('POST', 'kubernetes/creds/locked', { kubernetes_namespace: 'locked' });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.match(errText(r), /^failed to create a RoleBinding 'locked\/v-root-locked-[^']+': rolebindings.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:ward:ward" cannot create resource "rolebindings"/);
    assert.ok(!errText(r).includes(wardJwt));
    assert.deepEqual(await managedLeftovers('locked'), []);
  });

  it('a TokenRequest refused after the objects exist (ttl under 10 minutes): the account and binding are rolled back', async () => {
    const r = await root('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps', ttl: '5m' });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.match(errText(r), /failed to create a service account token for apps\/v-root-binder-.*may not specify a duration less than 10 minutes/);
    assert.deepEqual(await managedLeftovers('apps'), []);
  });

  it('an API server answering 500 is a 502 naming its message, with nothing left behind', async () => {
    k.failNext(500, 1);
    const r = await root('POST', 'kubernetes/creds/binder', { kubernetes_namespace: 'apps' });
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.match(errText(r), /etcdserver: request timed out/);
    assert.deepEqual(await managedLeftovers('apps'), []);
  });
});
