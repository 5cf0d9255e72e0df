import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserInfo } from './accounts.js';
import type { Json } from './http-util.js';
import { authorize, forbiddenStatus, type Attributes, type RbacObjects } from './rbac.js';
import { authDelegatorBindings, bootstrapObjects, clusterRole, clusterRoleBinding, podGrant, role, roleBinding } from './rbac-bootstrap.js';

/** RbacObjects over a plain list, as the store would answer. */
function objects(list: Json[]): RbacObjects {
  const of = (kind: string, ns?: string) => list.filter((o) => o['kind'] === kind && (ns === undefined || (o['metadata'] as { namespace?: string }).namespace === ns));
  return { clusterRoles: () => of('ClusterRole'), clusterRoleBindings: () => of('ClusterRoleBinding'), roles: (ns) => of('Role', ns), roleBindings: (ns) => of('RoleBinding', ns) };
}

const sa = (ns: string, name: string): UserInfo => ({
  username: `system:serviceaccount:${ns}:${name}`,
  uid: 'u',
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  extra: {},
});
const res = (verb: string, resource: string, o: Partial<Attributes> = {}): Attributes => ({ verb, resource, apiGroup: '', resourceRequest: true, ...o });

const store = objects([
  ...bootstrapObjects(),
  role('apps', 'secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }]),
  roleBinding('apps', 'web-reads', { kind: 'Role', name: 'secret-reader' }, [{ kind: 'ServiceAccount', name: 'web', namespace: 'apps' }]),
  role('apps', 'one-config', [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get', 'update'] }]),
  roleBinding('apps', 'one-config', { kind: 'Role', name: 'one-config' }, [{ kind: 'Group', name: 'system:serviceaccounts:apps' }]),
  role('apps', 'status-writer', [{ apiGroups: [''], resources: ['pods/status'], verbs: ['patch'] }, { apiGroups: ['apps'], resources: ['*/scale'], verbs: ['update'] }]),
  roleBinding('apps', 'status', { kind: 'Role', name: 'status-writer' }, [{ kind: 'User', name: 'jane' }]),
  clusterRole('token-minter', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] }]),
  roleBinding('apps', 'mint', { kind: 'ClusterRole', name: 'token-minter' }, [{ kind: 'ServiceAccount', name: 'csi' }]),
  clusterRole('anything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
  clusterRoleBinding('ops-all', 'anything', [{ kind: 'User', name: 'ops' }]),
  roleBinding('apps', 'dangling', { kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'bob' }]),
  clusterRole('metrics', [{ nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] }]),
  clusterRoleBinding('metrics', 'metrics', [{ kind: 'User', name: 'scraper' }]),
  ...authDelegatorBindings('kube-system', 'reviewer'),
  ...podGrant('vault', 'ward', ['get', 'patch']),
]);

const jane: UserInfo = { username: 'jane', uid: '', groups: ['system:authenticated'], extra: {} };
const named = (username: string): UserInfo => ({ username, uid: '', groups: ['system:authenticated'], extra: {} });

describe('RBAC authorizer', () => {
  const cases: [string, UserInfo, Attributes, boolean][] = [
    ['role in its namespace', sa('apps', 'web'), res('get', 'secrets', { namespace: 'apps', name: 'db' }), true],
    ['role verbs only', sa('apps', 'web'), res('delete', 'secrets', { namespace: 'apps', name: 'db' }), false],
    ['role not in another namespace', sa('apps', 'web'), res('get', 'secrets', { namespace: 'other', name: 'db' }), false],
    ['role not at cluster scope', sa('apps', 'web'), res('list', 'secrets'), false],
    ['wrong API group', sa('apps', 'web'), res('get', 'secrets', { namespace: 'apps', apiGroup: 'example.com' }), false],
    ['group subject system:serviceaccounts:<ns> with resourceNames', sa('apps', 'other'), res('get', 'configmaps', { namespace: 'apps', name: 'settings' }), true],
    ['resourceNames exclude other names', sa('apps', 'other'), res('get', 'configmaps', { namespace: 'apps', name: 'else' }), false],
    ['resourceNames exclude list (no name)', sa('apps', 'other'), res('list', 'configmaps', { namespace: 'apps' }), false],
    ['subresource rule', jane, res('patch', 'pods', { subresource: 'status', namespace: 'apps', name: 'p' }), true],
    ['subresource rule is not the resource', jane, res('patch', 'pods', { namespace: 'apps', name: 'p' }), false],
    ['*/scale', jane, res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale', namespace: 'apps', name: 'd' }), true],
    ['SA subject namespace defaults to the binding namespace', sa('apps', 'csi'), res('create', 'serviceaccounts', { subresource: 'token', namespace: 'apps', name: 'web' }), true],
    ['the same SA name elsewhere is someone else', sa('other', 'csi'), res('create', 'serviceaccounts', { subresource: 'token', namespace: 'apps', name: 'web' }), false],
    ['cluster role binding wildcard', named('ops'), res('delete', 'widgets', { apiGroup: 'example.com', subresource: 'status', namespace: 'x', name: 'w' }), true],
    ['system:masters', { username: 'admin', uid: '', groups: ['system:masters', 'system:authenticated'], extra: {} }, res('delete', 'nodes', { name: 'n' }), true],
    ['auth-delegator creates tokenreviews', sa('kube-system', 'reviewer'), res('create', 'tokenreviews', { apiGroup: 'authentication.k8s.io' }), true],
    ['delegator reads namespaces', sa('kube-system', 'reviewer'), res('get', 'namespaces', { namespace: 'prod', name: 'prod' }), true],
    ['others do not create tokenreviews', sa('prod', 'app'), res('create', 'tokenreviews', { apiGroup: 'authentication.k8s.io' }), false],
    ['basic-user: self subject access reviews', sa('prod', 'app'), res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }), true],
    ['grantPods binding', sa('vault', 'ward'), res('patch', 'pods', { namespace: 'vault', name: 'ward-0' }), true],
    ['grantPods only those verbs', sa('vault', 'ward'), res('delete', 'pods', { namespace: 'vault', name: 'ward-0' }), false],
    ['non-resource URL', named('scraper'), { verb: 'get', resourceRequest: false, path: '/metrics' }, true],
    ['non-resource URL prefix', named('scraper'), { verb: 'get', resourceRequest: false, path: '/logs/kubelet' }, true],
    ['non-resource URL other path', named('scraper'), { verb: 'get', resourceRequest: false, path: '/debug' }, false],
    ['discovery for authenticated users', named('anyone'), { verb: 'get', resourceRequest: false, path: '/version' }, true],
  ];
  for (const [title, user, attrs, allowed] of cases) {
    it(`${allowed ? 'allows' : 'denies'}: ${title}`, () => {
      assert.equal(authorize(store, user, attrs).allowed, allowed);
    });
  }

  it('says which binding allowed a request', () => {
    assert.equal(authorize(store, sa('apps', 'web'), res('get', 'secrets', { namespace: 'apps' })).reason,
      'RBAC: allowed by RoleBinding "web-reads/apps" of Role "secret-reader" to ServiceAccount "apps/web"');
    assert.equal(authorize(store, named('ops'), res('get', 'pods')).reason, 'RBAC: allowed by ClusterRoleBinding "ops-all" of ClusterRole "anything" to User "ops"');
  });

  it('names a binding whose role is missing in the denial reason', () => {
    const d = authorize(store, named('bob'), res('get', 'secrets', { namespace: 'apps', name: 's' }));
    assert.deepEqual(d, { allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' });
  });
});

describe('forbidden Status', () => {
  it('words namespaced, cluster-scoped, grouped, unnamed and non-resource denials as the API server does', () => {
    const u = sa('apps', 'web');
    const msg = (a: Attributes, reason?: string) => String(forbiddenStatus(u, a, reason)['message']);
    assert.equal(msg(res('get', 'secrets', { namespace: 'other', name: 'db' })),
      'secrets "db" is forbidden: User "system:serviceaccount:apps:web" cannot get resource "secrets" in API group "" in the namespace "other"');
    assert.equal(msg(res('list', 'secrets', { namespace: 'other' })),
      'secrets is forbidden: User "system:serviceaccount:apps:web" cannot list resource "secrets" in API group "" in the namespace "other"');
    assert.equal(msg(res('create', 'tokenreviews', { apiGroup: 'authentication.k8s.io' })),
      'tokenreviews.authentication.k8s.io is forbidden: User "system:serviceaccount:apps:web" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope');
    assert.equal(msg(res('create', 'serviceaccounts', { subresource: 'token', namespace: 'apps', name: 'x' })),
      'serviceaccounts "x" is forbidden: User "system:serviceaccount:apps:web" cannot create resource "serviceaccounts/token" in API group "" in the namespace "apps"');
    assert.equal(msg({ verb: 'get', resourceRequest: false, path: '/metrics' }), 'forbidden: User "system:serviceaccount:apps:web" cannot get path "/metrics"');
    assert.match(msg(res('get', 'secrets', { namespace: 'apps' }), 'RBAC: role.rbac.authorization.k8s.io "gone" not found'), /in the namespace "apps": RBAC: role\.rbac/);
    const s = forbiddenStatus(u, res('get', 'deployments', { apiGroup: 'apps', namespace: 'n', name: 'd' }));
    assert.deepEqual({ code: s['code'], reason: s['reason'], details: s['details'] }, { code: 403, reason: 'Forbidden', details: { name: 'd', group: 'apps', kind: 'deployments' } });
  });
});
