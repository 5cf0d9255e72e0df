/**
 * Pure Kubernetes side of issuing credentials: which objects a role needs (in creation
 * order), their manifests and API paths, the role's generated rules and namespace selector.
 * Deleting happens in reverse order, so the ServiceAccount goes before what grants it access.
 */
import yaml from 'js-yaml';

const RBAC = 'rbac.authorization.k8s.io';

/** Labels on every object Ward creates, so an operator can find (and clean up) them. */
export const MANAGED_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'app.kubernetes.io/managed-by': 'Ward',
  'app.kubernetes.io/created-by': 'ward-secrets-kubernetes',
});

export type RoleType = 'Role' | 'ClusterRole';
export type ObjectKind = 'ServiceAccount' | RoleType | 'RoleBinding' | 'ClusterRoleBinding';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export type RoleMode =
  | { kind: 'existing-sa'; serviceAccount: string }
  | { kind: 'existing-role'; roleName: string; roleType: RoleType }
  | { kind: 'generated'; rules: PolicyRule[]; roleType: RoleType };

/** Where an object lives: `path` is its collection, `${path}/${name}` the object. */
export interface ObjectRef {
  kind: ObjectKind;
  name: string;
  namespace?: string;
  path: string;
}

export interface PlannedObject {
  ref: ObjectRef;
  manifest: Record<string, unknown>;
}

export interface PlanInput {
  mode: RoleMode;
  namespace: string;
  /** The generated name shared by every created object. */
  name: string;
  clusterRoleBinding: boolean;
  extraLabels: Record<string, string>;
  extraAnnotations: Record<string, string>;
}

export function refFor(kind: ObjectKind, name: string, namespace: string): ObjectRef {
  switch (kind) {
    case 'ServiceAccount':
      return { kind, name, namespace, path: `/api/v1/namespaces/${namespace}/serviceaccounts` };
    case 'Role':
      return { kind, name, namespace, path: `/apis/${RBAC}/v1/namespaces/${namespace}/roles` };
    case 'RoleBinding':
      return { kind, name, namespace, path: `/apis/${RBAC}/v1/namespaces/${namespace}/rolebindings` };
    case 'ClusterRole':
      return { kind, name, path: `/apis/${RBAC}/v1/clusterroles` };
    case 'ClusterRoleBinding':
      return { kind, name, path: `/apis/${RBAC}/v1/clusterrolebindings` };
  }
}

export function planObjects(p: PlanInput): PlannedObject[] {
  if (p.mode.kind === 'existing-sa') return [];
  const metadata = (ref: ObjectRef): Record<string, unknown> => ({
    name: ref.name,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    labels: { ...p.extraLabels, ...MANAGED_LABELS },
    ...(Object.keys(p.extraAnnotations).length > 0 ? { annotations: { ...p.extraAnnotations } } : {}),
  });
  const apiVersion = (kind: ObjectKind): string => (kind === 'ServiceAccount' ? 'v1' : `${RBAC}/v1`);
  const make = (ref: ObjectRef, body: Record<string, unknown>): PlannedObject => ({
    ref,
    manifest: { apiVersion: apiVersion(ref.kind), kind: ref.kind, metadata: metadata(ref), ...body },
  });

  const out: PlannedObject[] = [];
  let roleRef: { apiGroup: string; kind: RoleType; name: string };
  if (p.mode.kind === 'generated') {
    const role = refFor(p.mode.roleType, p.name, p.namespace);
    out.push(make(role, { rules: p.mode.rules }));
    roleRef = { apiGroup: RBAC, kind: p.mode.roleType, name: p.name };
  } else {
    roleRef = { apiGroup: RBAC, kind: p.mode.roleType, name: p.mode.roleName };
  }
  const binding = refFor(p.clusterRoleBinding ? 'ClusterRoleBinding' : 'RoleBinding', p.name, p.namespace);
  out.push(make(binding, { roleRef, subjects: [{ kind: 'ServiceAccount', name: p.name, namespace: p.namespace }] }));
  out.push(make(refFor('ServiceAccount', p.name, p.namespace), {}));
  return out;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parseYamlOrJson(text: string): unknown {
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both forms Vault accepts.
    return yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch {
    return undefined;
  }
}

/** `generated_role_rules`: a Policy object `{rules: [...]}` in JSON or YAML; null if malformed. */
export function parseRules(text: string): PolicyRule[] | null {
  const doc = parseYamlOrJson(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const rules = (doc as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) return null;
  for (const r of rules) {
    if (typeof r !== 'object' || r === null) return null;
    const o = r as Record<string, unknown>;
    if (!isStringList(o.verbs)) return null;
    for (const k of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) if (o[k] !== undefined && !isStringList(o[k])) return null;
  }
  return rules as PolicyRule[];
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }[];
}

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** `allowed_kubernetes_namespace_selector`: a metav1.LabelSelector in JSON or YAML; null if malformed. */
export function parseSelector(text: string): LabelSelector | null {
  const doc = parseYamlOrJson(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const o = doc as Record<string, unknown>;
  const labels = o.matchLabels ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return null;
  if (!Object.values(labels).every((v) => typeof v === 'string')) return null;
  const exprs = o.matchExpressions ?? [];
  if (!Array.isArray(exprs)) return null;
  const out: LabelSelector = { matchLabels: labels as Record<string, string>, matchExpressions: [] };
  for (const e of exprs) {
    if (typeof e !== 'object' || e === null) return null;
    const { key, operator, values = [] } = e as Record<string, unknown>;
    if (typeof key !== 'string' || typeof operator !== 'string' || !OPERATORS.has(operator) || !isStringList(values)) return null;
    out.matchExpressions.push({ key, operator: operator as LabelSelector['matchExpressions'][number]['operator'], values });
  }
  return out;
}

export function matchesSelector(s: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(s.matchLabels)) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions) {
    const has = Object.hasOwn(labels, e.key);
    const v = labels[e.key] ?? '';
    const ok =
      e.operator === 'In' ? has && e.values.includes(v) : e.operator === 'NotIn' ? !has || !e.values.includes(v) : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}
