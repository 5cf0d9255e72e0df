/**
 * Which admission webhooks a request goes to, decided as the API server's webhook matcher
 * does: rules (operations, apiGroups, apiVersions, resources with `*` and `res/sub` forms,
 * scope), then namespaceSelector (the namespace's labels; cluster-scoped objects other than
 * namespaces always match), then objectSelector (the new or the old object's labels).
 * matchPolicy is treated as Exact (the fake serves one version per resource, so Equivalent
 * finds nothing more); matchConditions (CEL) are not evaluated.
 */
import type { Json } from './http-util.js';

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** The facts about one request that matching looks at. */
export interface MatchAttributes {
  operation: Operation;
  resource: GroupVersionResource;
  subResource?: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  object: Json | null;
  oldObject: Json | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A webhook of a stored MutatingWebhookConfiguration, with the name of its configuration. */
export interface OrderedWebhook {
  configuration: string;
  webhook: Json;
}

/** Thrown for a selector the API server would not have accepted. */
export class SelectorError extends Error {}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** metav1.LabelSelector semantics; an absent or empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return true;
  const s = selector as LabelSelector;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return true;
}

const isEmptySelector = (s: unknown): boolean => {
  if (s === undefined || s === null) return true;
  const { matchLabels, matchExpressions } = s as LabelSelector;
  return Object.keys(matchLabels ?? {}).length === 0 && (matchExpressions ?? []).length === 0;
};

const labelsOf = (o: Json | null): Record<string, string> | null => {
  if (!o) return null;
  const m = o['metadata'] as { labels?: Record<string, string> } | undefined;
  return m?.labels ?? {};
};

/** One RuleWithOperations against the request. */
export function ruleMatches(rule: Json, a: MatchAttributes): boolean {
  const ops = strs(rule['operations']);
  if (!ops.includes('*') && !ops.includes(a.operation)) return false;
  const groups = strs(rule['apiGroups']);
  if (!groups.includes('*') && !groups.includes(a.resource.group)) return false;
  const versions = strs(rule['apiVersions']);
  if (!versions.includes('*') && !versions.includes(a.resource.version)) return false;
  const scope = typeof rule['scope'] === 'string' ? rule['scope'] : '*';
  const isNamespaceObject = a.resource.resource === 'namespaces';
  if (scope === 'Cluster' && a.namespace !== '' && !isNamespaceObject) return false;
  if (scope === 'Namespaced' && (a.namespace === '' || isNamespaceObject)) return false;
  const sub = a.subResource ?? '';
  return strs(rule['resources']).some((r) => {
    const [res, rsub = ''] = r.split('/', 2) as [string, string?];
    return (res === '*' || res === a.resource.resource) && (rsub === '*' || rsub === sub);
  });
}

/**
 * Whether `webhook` applies. `namespaceLabels(ns)` gives a namespace's labels (including
 * `kubernetes.io/metadata.name`), or undefined when it does not exist.
 */
export function webhookMatches(webhook: Json, a: MatchAttributes, namespaceLabels: (ns: string) => Record<string, string> | undefined): boolean {
  const rules = Array.isArray(webhook['rules']) ? (webhook['rules'] as Json[]) : [];
  if (!rules.some((r) => ruleMatches(r, a))) return false;
  const nsSelector = webhook['namespaceSelector'];
  const isNamespaceObject = a.resource.resource === 'namespaces' && !a.subResource;
  if (a.namespace !== '' || isNamespaceObject) {
    // A namespace being created or updated is matched by its own (new) labels.
    const nsLabels = isNamespaceObject ? (labelsOf(a.object) ?? labelsOf(a.oldObject) ?? {}) : (namespaceLabels(a.namespace) ?? {});
    if (!selectorMatches(nsSelector, nsLabels)) return false;
  }
  const objSelector = webhook['objectSelector'];
  if (isEmptySelector(objSelector)) return true;
  const now = labelsOf(a.object);
  const old = labelsOf(a.oldObject);
  return (now !== null && selectorMatches(objSelector, now)) || (old !== null && selectorMatches(objSelector, old));
}

/** Every webhook of every configuration, ordered by configuration name, then as listed. */
export function orderedWebhooks(configurations: readonly Json[]): OrderedWebhook[] {
  const named = configurations.map((c) => ({ name: String((c['metadata'] as { name?: string } | undefined)?.name ?? ''), c }));
  named.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return named.flatMap(({ name, c }) => (Array.isArray(c['webhooks']) ? (c['webhooks'] as Json[]) : []).map((webhook) => ({ configuration: name, webhook })));
}
