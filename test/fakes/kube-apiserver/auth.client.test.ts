import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationV1Api, AuthorizationV1Api, CoreV1Api, RbacAuthorizationV1Api, type V1TokenRequestSpec } from '@kubernetes/client-node';
import { decodeJwt } from 'jose';
import { startFakeKubeApiServer, type FakeKubeApiServer } from './index.js';
import { failure, kubeConfigFor } from './test-client.js';

describe('fake cluster: RBAC, TokenRequest and access reviews through client-node', () => {
  let k: FakeKubeApiServer;
  let admin: CoreV1Api;
  let rbac: RbacAuthorizationV1Api;
  before(async () => {
    k = await startFakeKubeApiServer({ namespaces: { a: {}, b: {} } });
    admin = kubeConfigFor(k).makeApiClient(CoreV1Api);
    rbac = kubeConfigFor(k).makeApiClient(RbacAuthorizationV1Api);
    for (const ns of ['a', 'b']) await admin.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' }, stringData: { password: 'pw' } } });
    for (const sa of ['reader', 'other']) await admin.createNamespacedServiceAccount({ namespace: 'a', body: { metadata: { name: sa } } });
    await rbac.createNamespacedRole({ namespace: 'a', body: { metadata: { name: 'secret-reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: 'a', body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'a' }] } });
  });
  after(() => k.close());

  // Empty audiences: the API server's own.
  const tokenFor = async (ns: string, sa: string, spec: Partial<V1TokenRequestSpec> = {}) =>
    (await admin.createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [], ...spec } } })).status?.token ?? '';

  it('lets a Role read secrets in its namespace only, with the real 403 message elsewhere', async () => {
    const reader = kubeConfigFor(k, await tokenFor('a', 'reader')).makeApiClient(CoreV1Api);
    const s = await reader.readNamespacedSecret({ namespace: 'a', name: 'db' });
    assert.equal(Buffer.from(s.data?.['password'] ?? '', 'base64').toString(), 'pw');
    assert.equal((await reader.listNamespacedSecret({ namespace: 'a' })).items.length, 1);
    const other = await failure(reader.readNamespacedSecret({ namespace: 'b', name: 'db' }));
    assert.equal(other.code, 403);
    assert.equal(other.status.reason, 'Forbidden');
    assert.equal(other.status.message, 'secrets "db" is forbidden: User "system:serviceaccount:a:reader" cannot get resource "secrets" in API group "" in the namespace "b"');
    const del = await failure(reader.deleteNamespacedSecret({ namespace: 'a', name: 'db' }));
    assert.equal(del.status.message, 'secrets "db" is forbidden: User "system:serviceaccount:a:reader" cannot delete resource "secrets" in API group "" in the namespace "a"');
    const list = await failure(reader.listSecretForAllNamespaces());
    assert.equal(list.status.message, 'secrets is forbidden: User "system:serviceaccount:a:reader" cannot list resource "secrets" in API group "" at the cluster scope');
  });

  it('needs create on serviceaccounts/token to request another account\'s token', async () => {
    const reader = kubeConfigFor(k, await tokenFor('a', 'reader')).makeApiClient(CoreV1Api);
    const denied = await failure(reader.createNamespacedServiceAccountToken({ namespace: 'a', name: 'other', body: { spec: { audiences: [] } } }));
    assert.equal(denied.code, 403);
    assert.equal(denied.status.message, 'serviceaccounts "other" is forbidden: User "system:serviceaccount:a:reader" cannot create resource "serviceaccounts/token" in API group "" in the namespace "a"');
    await rbac.createNamespacedRole({ namespace: 'a', body: { metadata: { name: 'minter' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['other'], verbs: ['create'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: 'a', body: { metadata: { name: 'minter' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'minter' }, subjects: [{ kind: 'ServiceAccount', name: 'reader' }] } });
    const tr = await reader.createNamespacedServiceAccountToken({ namespace: 'a', name: 'other', body: { spec: { audiences: [] } } });
    assert.equal(decodeJwt(tr.status?.token ?? '').sub, 'system:serviceaccount:a:other');
  });

  it('issues a pod-bound token that TokenReview accepts until the pod is deleted', async () => {
    await admin.createNamespacedServiceAccount({ namespace: 'b', body: { metadata: { name: 'app' } } });
    const pod = await admin.createNamespacedPod({ namespace: 'b', body: { metadata: { name: 'app-0' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'i' }] } } });
    const tr = await admin.createNamespacedServiceAccountToken({
      namespace: 'b', name: 'app',
      body: { spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app-0', uid: pod.metadata?.uid } } },
    });
    assert.deepEqual(tr.spec.audiences, ['vault']);
    assert.equal(tr.spec.expirationSeconds, 600);
    const expiresIn = ((tr.status?.expirationTimestamp ?? new Date(0)).getTime() - Date.now()) / 1000;
    assert.ok(expiresIn > 500 && expiresIn <= 600, String(expiresIn));
    const claims = decodeJwt(tr.status?.token ?? '');
    assert.deepEqual(claims.aud, ['vault']);
    assert.deepEqual((claims['kubernetes.io'] as { pod: unknown }).pod, { name: 'app-0', uid: pod.metadata?.uid });

    const reviewer = kubeConfigFor(k, k.reviewerToken).makeApiClient(AuthenticationV1Api);
    const review = async () => (await reviewer.createTokenReview({ body: { spec: { token: tr.status?.token ?? '', audiences: ['vault'] } } })).status;
    const ok = await review();
    assert.equal(ok?.authenticated, true);
    assert.equal(ok?.user?.username, 'system:serviceaccount:b:app');
    assert.deepEqual(ok?.user?.extra?.['authentication.kubernetes.io/pod-name'], ['app-0']);
    await admin.deleteNamespacedPod({ namespace: 'b', name: 'app-0' });
    const gone = await review();
    assert.notEqual(gone?.authenticated, true);
    assert.equal(gone?.error, '[invalid bearer token, service account token has been invalidated]');
  });

  it('binds a token to a secret and refuses short lifetimes, stale uids and unknown objects', async () => {
    await admin.createNamespacedSecret({ namespace: 'b', body: { metadata: { name: 'anchor' } } });
    const token = await tokenFor('b', 'app', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'anchor' } });
    assert.deepEqual((decodeJwt(token)['kubernetes.io'] as { secret: { name: string } }).secret.name, 'anchor');
    const reviewer = kubeConfigFor(k, k.reviewerToken).makeApiClient(AuthenticationV1Api);
    assert.equal((await reviewer.createTokenReview({ body: { spec: { token } } })).status?.authenticated, true);
    await admin.deleteNamespacedSecret({ namespace: 'b', name: 'anchor' });
    assert.match(String((await reviewer.createTokenReview({ body: { spec: { token } } })).status?.error), /has been invalidated/);

    const short = await failure(tokenFor('b', 'app', { expirationSeconds: 599 }));
    assert.equal(short.code, 422);
    assert.equal(short.status.message, 'TokenRequest.authentication.k8s.io "app" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    await admin.createNamespacedPod({ namespace: 'b', body: { metadata: { name: 'app-1' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'i' }] } } });
    const stale = await failure(tokenFor('b', 'app', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app-1', uid: 'not-it' } }));
    assert.equal(stale.code, 409);
    assert.equal((await failure(tokenFor('b', 'nobody'))).status.message, 'serviceaccounts "nobody" not found');
  });

  it('answers SelfSubjectAccessReview and SubjectAccessReview from the stored bindings', async () => {
    const self = kubeConfigFor(k, await tokenFor('a', 'reader')).makeApiClient(AuthorizationV1Api);
    const can = async (namespace: string) =>
      (await self.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace, verb: 'get', resource: 'secrets', name: 'db' } } } })).status?.allowed;
    assert.equal(await can('a'), true);
    assert.equal(await can('b'), false);
    const sar = await kubeConfigFor(k).makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: { spec: { user: 'system:serviceaccount:a:reader', groups: ['system:serviceaccounts:a'], resourceAttributes: { namespace: 'a', verb: 'list', resource: 'secrets' } } },
    });
    assert.equal(sar.status?.allowed, true);
    assert.match(sar.status?.reason ?? '', /^RBAC: allowed by RoleBinding "reader\/a" of Role "secret-reader"/);
    const notDelegator = kubeConfigFor(k, await tokenFor('a', 'reader')).makeApiClient(AuthorizationV1Api);
    const denied = await failure(notDelegator.createSubjectAccessReview({ body: { spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } } } }));
    assert.equal(denied.code, 403);
  });

  it('keeps the grant helpers as stored bindings', async () => {
    k.grantPods('a', 'reader', ['get']);
    k.grantPods('a', 'reader', ['patch']);
    const role = await rbac.readNamespacedRole({ namespace: 'a', name: 'ward-pods-reader' });
    assert.deepEqual(role.rules?.[0]?.verbs, ['get', 'patch']);
    k.setAuthDelegator('a', 'other', true);
    const names = (await rbac.listClusterRoleBinding()).items.map((b) => b.metadata?.name);
    assert.ok(names.includes('ward-auth-delegator:a:other'));
    k.setAuthDelegator('a', 'other', false);
    assert.ok(!(await rbac.listClusterRoleBinding()).items.some((b) => b.metadata?.name === 'ward-auth-delegator:a:other'));
  });
});
