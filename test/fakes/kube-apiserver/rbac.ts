/**
 * The RBAC authorizer, over stored Role / ClusterRole / RoleBinding / ClusterRoleBinding
 * objects (plain rbac.authorization.k8s.io/v1 JSON), deciding the way the API server does:
 * `system:masters` first (the privileged-group authorizer in front of RBAC), then every
 * ClusterRoleBinding, then the RoleBindings of the request's namespace; a binding whose role
 * is missing adds `RBAC: role.rbac.authorization.k8s.io "x" not found` to the denial.
 * Aggregated ClusterRoles are not aggregated (their `rules` are used as stored).
 */
import type { UserInfo } from './accounts.js';
import { status, type Json } from './http-util.js';

/** What the API server's request-info resolution derives from a request (authorizer.Attributes). */
export interface Attributes {
  verb: string;
  /** True for /api and /apis paths; false for /healthz, /version, … (non-resource URLs). */
  resourceRequest: boolean;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The URL path, for non-resource requests. */
  path?: string;
}

/** Read access to the stored RBAC objects. */
export interface RbacObjects {
  clusterRoles(): readonly Json[];
  clusterRoleBindings(): readonly Json[];
  roles(namespace: string): readonly Json[];
  roleBindings(namespace: string): readonly Json[];
}

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by …` when allowed; the `RBAC: …` errors (or "") when not. */
  reason: string;
}

interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const meta = (o: Json): { name: string; namespace: string } => {
  const m = (o['metadata'] ?? {}) as { name?: unknown; namespace?: unknown };
  return { name: typeof m.name === 'string' ? m.name : '', namespace: typeof m.namespace === 'string' ? m.namespace : '' };
};
const rulesOf = (role: Json): Rule[] => (Array.isArray(role['rules']) ? (role['rules'] as Rule[]) : []);

function resourceMatches(rule: Rule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return strs(rule.resources).some((r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

function nonResourceURLMatches(rule: Rule, path: string): boolean {
  return strs(rule.nonResourceURLs).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

/** rbac/v1 RuleAllows: one policy rule against the request attributes. */
export function ruleAllows(a: Attributes, rule: Rule): boolean {
  const verbs = strs(rule.verbs);
  if (!verbs.includes('*') && !verbs.includes(a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path ?? '');
  const groups = strs(rule.apiGroups);
  if (!groups.includes('*') && !groups.includes(a.apiGroup ?? '')) return false;
  if (!resourceMatches(rule, a.resource ?? '', a.subresource ?? '')) return false;
  const names = strs(rule.resourceNames);
  return names.length === 0 || names.includes(a.name ?? '');
}

/** Which subject of a binding (in `bindingNamespace`, "" for cluster bindings) names this user. */
function subjectFor(user: UserInfo, subjects: Subject[], bindingNamespace: string): Subject | undefined {
  return subjects.find((s) => {
    switch (s.kind) {
      case 'User':
        return s.name === user.username;
      case 'Group':
        return s.name !== undefined && user.groups.includes(s.name);
      case 'ServiceAccount': {
        const ns = s.namespace || bindingNamespace;
        return ns !== '' && user.username === `system:serviceaccount:${ns}:${s.name ?? ''}`;
      }
      default:
        return false;
    }
  });
}

const describeSubject = (s: Subject, bindingNamespace: string): string =>
  s.kind === 'ServiceAccount' ? `ServiceAccount "${s.namespace || bindingNamespace}/${s.name ?? ''}"` : `${s.kind ?? ''} "${s.name ?? ''}"`;

/** Decides `attrs` for `user` against the stored objects. */
export function authorize(objects: RbacObjects, user: UserInfo, attrs: Attributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  const errors: string[] = [];
  const clusterRoles = new Map(objects.clusterRoles().map((r) => [meta(r).name, r]));
  const check = (binding: Json, bindingNamespace: string): string | null => {
    const subjects = (Array.isArray(binding['subjects']) ? binding['subjects'] : []) as Subject[];
    const subject = subjectFor(user, subjects, bindingNamespace);
    if (!subject) return null;
    const ref = (binding['roleRef'] ?? {}) as { kind?: string; name?: string };
    let role: Json | undefined;
    if (ref.kind === 'ClusterRole') role = clusterRoles.get(ref.name ?? '');
    else if (ref.kind === 'Role' && bindingNamespace) role = objects.roles(bindingNamespace).find((r) => meta(r).name === ref.name);
    if (!role) {
      errors.push(`${ref.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${ref.name ?? ''}" not found`);
      return null;
    }
    if (!rulesOf(role).some((rule) => ruleAllows(attrs, rule))) return null;
    const bindingName = bindingNamespace ? `RoleBinding "${meta(binding).name}/${bindingNamespace}"` : `ClusterRoleBinding "${meta(binding).name}"`;
    return `RBAC: allowed by ${bindingName} of ${ref.kind ?? ''} "${ref.name ?? ''}" to ${describeSubject(subject, bindingNamespace)}`;
  };
  for (const b of objects.clusterRoleBindings()) {
    const why = check(b, '');
    if (why) return { allowed: true, reason: why };
  }
  if (attrs.resourceRequest && attrs.namespace) {
    for (const b of objects.roleBindings(attrs.namespace)) {
      const why = check(b, attrs.namespace);
      if (why) return { allowed: true, reason: why };
    }
  }
  const reason = errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`;
  return { allowed: false, reason };
}

/** The API server's 403 `Status` for a denied request, worded as responsewriters.Forbidden does. */
export function forbiddenStatus(user: UserInfo, attrs: Attributes, reason = ''): Json {
  let why: string;
  const resource = attrs.resource ?? '';
  const group = attrs.apiGroup ?? '';
  if (!attrs.resourceRequest) why = `User "${user.username}" cannot ${attrs.verb} path "${attrs.path ?? ''}"`;
  else {
    const full = attrs.subresource ? `${resource}/${attrs.subresource}` : resource;
    const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    why = `User "${user.username}" cannot ${attrs.verb} resource "${full}" in API group "${group}" ${where}`;
  }
  if (reason) why = `${why}: ${reason}`;
  const qualified = attrs.resourceRequest && resource ? (group ? `${resource}.${group}` : resource) : '';
  const name = attrs.name ?? '';
  const message = qualified === '' ? `forbidden: ${why}` : name ? `${qualified} "${name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: Json = {};
  if (name) details['name'] = name;
  if (group) details['group'] = group;
  if (resource) details['kind'] = resource;
  return status(403, 'Forbidden', message, details);
}
