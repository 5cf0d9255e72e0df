/**
 * The resource types the fake serves: the built-in kinds Ward's Kubernetes components
 * touch, plus custom resources registered while their CRD exists (crd.ts). Each entry
 * carries what routing, discovery, the store and the patch handlers need to know.
 */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  /** Has a `/status` subresource: the main endpoint ignores status, `/status` changes only status. */
  status: boolean;
  /** `metadata.generation` is set and bumped on spec changes. */
  generation: boolean;
  shortNames: string[];
  /** Custom resource (no strategic merge patch; CRD field-selector wording). */
  custom: boolean;
  /** Kind-specific field selectors beyond metadata.name / metadata.namespace. */
  fields: Record<string, (o: Record<string, unknown>) => string>;
  verbs: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const path = (o: Record<string, unknown>, ...keys: string[]): string => {
  let cur: unknown = o;
  for (const k of keys) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return typeof cur === 'string' ? cur : '';
};

function builtin(group: string, version: string, plural: string, kind: string, o: Partial<ResourceType> = {}): ResourceType {
  return {
    group, version, plural, kind,
    singular: kind.toLowerCase(),
    listKind: `${kind}List`,
    namespaced: true,
    status: false,
    generation: false,
    shortNames: [],
    custom: false,
    fields: {},
    verbs: VERBS,
    ...o,
  };
}

export const BUILTINS: readonly ResourceType[] = [
  builtin('', 'v1', 'pods', 'Pod', {
    status: true, shortNames: ['po'],
    fields: {
      'spec.nodeName': (o) => path(o, 'spec', 'nodeName'),
      'spec.serviceAccountName': (o) => path(o, 'spec', 'serviceAccountName'),
      'status.phase': (o) => path(o, 'status', 'phase'),
    },
  }),
  builtin('', 'v1', 'secrets', 'Secret', { fields: { type: (o) => path(o, 'type') } }),
  builtin('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  builtin('', 'v1', 'namespaces', 'Namespace', {
    namespaced: false, status: true, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    fields: { 'status.phase': (o) => path(o, 'status', 'phase') },
  }),
  builtin('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  builtin('apps', 'v1', 'deployments', 'Deployment', { status: true, generation: true, shortNames: ['deploy'] }),
  builtin('apps', 'v1', 'statefulsets', 'StatefulSet', { status: true, generation: true, shortNames: ['sts'] }),
  builtin('apps', 'v1', 'daemonsets', 'DaemonSet', { status: true, generation: true, shortNames: ['ds'] }),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', { namespaced: false }),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  builtin('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', { namespaced: false, generation: true }),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false, status: true, generation: true, shortNames: ['crd', 'crds'],
  }),
];

/** `group/version` as it appears in `apiVersion` (`v1` for the core group). */
export const groupVersion = (t: { group: string; version: string }): string => (t.group ? `${t.group}/${t.version}` : t.version);

/** Identity of a resource independent of version: objects are stored once per group+plural. */
export const resourceKey = (t: { group: string; plural: string }): string => `${t.group}/${t.plural}`;

export class Registry {
  private readonly types = new Map<string, ResourceType>();

  constructor() {
    for (const t of BUILTINS) this.add(t);
  }

  add(t: ResourceType): void {
    this.types.set(`${t.group}/${t.version}/${t.plural}`, t);
  }

  /** Removes every version of group+plural. */
  remove(group: string, plural: string): void {
    for (const [k, t] of this.types) if (t.group === group && t.plural === plural) this.types.delete(k);
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${plural}`);
  }

  /** The first served version of group+plural (the store's view does not depend on it). */
  byResource(group: string, plural: string): ResourceType | undefined {
    for (const t of this.types.values()) if (t.group === group && t.plural === plural) return t;
    return undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const t of this.types.values()) if (groupVersion(t) === apiVersion && t.kind === kind) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Every served group with its versions, core group first. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const vs = out.get(t.group) ?? [];
      if (!vs.includes(t.version)) vs.push(t.version);
      out.set(t.group, vs);
    }
    return out;
  }
}
