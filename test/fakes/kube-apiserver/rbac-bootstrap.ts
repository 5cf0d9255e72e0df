/**
 * The RBAC objects a fresh cluster has (a subset of the API server's bootstrap policy) and the
 * bindings behind the fake's grant helpers (`setAuthDelegator`, `grantPods`), so that those
 * helpers are ordinary stored objects that `kubectl get clusterrolebindings` would show.
 */
import type { Json } from './http-util.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

export const clusterRole = (name: string, rules: Json[], labels: Record<string, string> = BOOTSTRAP_LABELS): Json => ({
  apiVersion: RBAC,
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
});

export const role = (namespace: string, name: string, rules: Json[]): Json => ({
  apiVersion: RBAC,
  kind: 'Role',
  metadata: { name, namespace },
  rules,
});

type SubjectSpec = { kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace?: string };

const subject = (s: SubjectSpec): Json =>
  s.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: s.name, ...(s.namespace ? { namespace: s.namespace } : {}) } : { kind: s.kind, apiGroup: 'rbac.authorization.k8s.io', name: s.name };

export const clusterRoleBinding = (name: string, roleName: string, subjects: SubjectSpec[], labels?: Record<string, string>): Json => ({
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: { name, ...(labels ? { labels } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  subjects: subjects.map(subject),
});

export const roleBinding = (namespace: string, name: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, subjects: SubjectSpec[]): Json => ({
  apiVersion: RBAC,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects: subjects.map(subject),
});

/** The ClusterRole the fake binds to `setAuthDelegator` accounts besides `system:auth-delegator`: Vault's auth method reads namespaces for `bound_service_account_namespace_selector`. */
export const NAMESPACE_READER = 'ward:namespace-reader';

/** ClusterRoles and ClusterRoleBindings present from the start. */
export function bootstrapObjects(): Json[] {
  const authenticated: SubjectSpec[] = [{ kind: 'Group', name: 'system:authenticated' }];
  return [
    clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
    clusterRole('system:auth-delegator', [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/openapi', '/openapi/*', '/version', '/version/'], verbs: ['get'] }]),
    clusterRole(NAMESPACE_READER, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }], {}),
    clusterRoleBinding('cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }], BOOTSTRAP_LABELS),
    clusterRoleBinding('system:basic-user', 'system:basic-user', authenticated, BOOTSTRAP_LABELS),
    clusterRoleBinding('system:discovery', 'system:discovery', authenticated, BOOTSTRAP_LABELS),
  ];
}

/** The two ClusterRoleBindings `setAuthDelegator(ns, name, true)` stores (TokenReview create + namespace reads). */
export function authDelegatorBindings(namespace: string, name: string): Json[] {
  const sa: SubjectSpec = { kind: 'ServiceAccount', name, namespace };
  return [
    clusterRoleBinding(`ward-auth-delegator:${namespace}:${name}`, 'system:auth-delegator', [sa]),
    clusterRoleBinding(`ward-namespace-reader:${namespace}:${name}`, NAMESPACE_READER, [sa]),
  ];
}

/** The Role and RoleBinding `grantPods(ns, sa, verbs)` stores (verbs already granted are kept by the caller). */
export function podGrant(namespace: string, serviceAccount: string, verbs: readonly string[]): Json[] {
  const name = `ward-pods-${serviceAccount}`;
  return [
    role(namespace, name, [{ apiGroups: [''], resources: ['pods'], verbs: [...verbs] }]),
    roleBinding(namespace, name, { kind: 'Role', name }, [{ kind: 'ServiceAccount', name: serviceAccount, namespace }]),
  ];
}
