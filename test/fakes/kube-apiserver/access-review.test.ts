import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserInfo } from './accounts.js';
import type { Json } from './http-util.js';
import { accessReview } from './access-review.js';
import type { RbacObjects } from './rbac.js';
import { bootstrapObjects, role, roleBinding } from './rbac-bootstrap.js';

const list: Json[] = [
  ...bootstrapObjects(),
  role('apps', 'reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
  roleBinding('apps', 'reader', { kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'web' }]),
];
const of = (kind: string, ns?: string) => list.filter((o) => o['kind'] === kind && (ns === undefined || (o['metadata'] as { namespace?: string }).namespace === ns));
const objects: RbacObjects = { clusterRoles: () => of('ClusterRole'), clusterRoleBindings: () => of('ClusterRoleBinding'), roles: (ns) => of('Role', ns), roleBindings: (ns) => of('RoleBinding', ns) };
const web: UserInfo = { username: 'system:serviceaccount:apps:web', uid: 'u', groups: ['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'], extra: {} };
const secretGet = (namespace: string) => ({ resourceAttributes: { namespace, verb: 'get', resource: 'secrets', name: 's' } });

describe('access reviews', () => {
  it('SelfSubjectAccessReview answers for the caller', () => {
    const yes = accessReview(objects, 'SelfSubjectAccessReview', { spec: secretGet('apps') }, web);
    assert.equal(yes.code, 201);
    assert.equal(yes.body['kind'], 'SelfSubjectAccessReview');
    assert.deepEqual(yes.body['status'], { allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/apps" of Role "reader" to ServiceAccount "apps/web"' });
    assert.deepEqual(accessReview(objects, 'SelfSubjectAccessReview', { spec: secretGet('other') }, web).body['status'], { allowed: false });
  });

  it('SubjectAccessReview answers for the named user and groups', () => {
    const spec = { ...secretGet('apps'), user: web.username, groups: web.groups };
    assert.deepEqual(accessReview(objects, 'SubjectAccessReview', { spec }, { username: 'reviewer', uid: '', groups: [], extra: {} }).body['status'], { allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/apps" of Role "reader" to ServiceAccount "apps/web"' });
    const masters = { nonResourceAttributes: { path: '/metrics', verb: 'get' }, groups: ['system:masters'] };
    assert.equal((accessReview(objects, 'SubjectAccessReview', { spec: masters }, web).body['status'] as Json)['allowed'], true);
  });

  it('refuses reviews without a subject or with both attribute kinds (422)', () => {
    const noSubject = accessReview(objects, 'SubjectAccessReview', { spec: secretGet('apps') }, web);
    assert.equal(noSubject.code, 422);
    assert.equal(noSubject.body['message'], 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    const both = accessReview(objects, 'SelfSubjectAccessReview', { spec: { ...secretGet('apps'), nonResourceAttributes: { path: '/x', verb: 'get' } } }, web);
    assert.equal(both.code, 422);
    assert.match(String(both.body['message']), /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
  });
});
