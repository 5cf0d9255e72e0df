/**
 * The apiextensions controller: a CustomResourceDefinition's served versions become
 * resource types (scope, status subresource when declared, short names) and get an
 * `Established` condition; deleting the CRD deletes its custom resources (DELETED events
 * for watchers) and stops serving them.
 */
import { BUILTINS, type Registry, type ResourceType } from './registry.js';
import type { Cause } from './status.js';
import type { KObj, Store, StoreEvent } from './store.js';

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[] };
  versions?: { name?: string; served?: boolean; storage?: boolean; subresources?: { status?: unknown } }[];
}

/** A decoding error for a CRD whose versions are not a list of objects, or null. */
export function crdTypeProblem(spec: unknown): string | null {
  const versions = (spec as { versions?: unknown } | undefined)?.versions;
  if (versions === undefined || versions === null) return null;
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (!Array.isArray(versions)) return `json: cannot unmarshal ${kind(versions)} into Go struct field CustomResourceDefinitionSpec.spec.versions of type []v1.CustomResourceDefinitionVersion`;
  for (const v of versions) if (kind(v) !== 'object') return `json: cannot unmarshal ${kind(v)} into Go struct field CustomResourceDefinitionSpec.spec.versions of type v1.CustomResourceDefinitionVersion`;
  return null;
}

/** The real validation's objections to a CRD spec (beyond its name), as causes. */
export function crdCauses(raw: unknown): Cause[] {
  const spec = (raw ?? {}) as CrdSpec;
  const causes: Cause[] = [];
  const required = (field: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') causes.push({ field, message: 'Required value', reason: 'FieldValueRequired' });
  };
  required('spec.group', spec.group);
  required('spec.names.plural', spec.names?.plural);
  required('spec.names.kind', spec.names?.kind);
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, reason: 'FieldValueNotSupported' });
  }
  const versions = spec.versions ?? [];
  versions.forEach((v, i) => required(`spec.versions[${i}].name`, v.name));
  if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({ field: 'spec.versions', message: `Invalid value: ${JSON.stringify(versions.map((v) => ({ name: v.name, storage: v.storage })))}: must have exactly one version marked as storage version` });
  }
  return causes;
}

/** The resource types a CRD object declares (one per served version). */
export function typesOf(crd: KObj): ResourceType[] {
  const spec = (crd['spec'] ?? {}) as CrdSpec;
  const names = spec.names ?? {};
  if (!spec.group || !names.plural || !names.kind) return [];
  return (spec.versions ?? []).filter((v) => v.served !== false && v.name).map((v) => ({
    group: spec.group ?? '', version: v.name ?? '', plural: names.plural ?? '',
    singular: names.singular ?? names.kind?.toLowerCase() ?? '', kind: names.kind ?? '',
    listKind: names.listKind ?? `${names.kind ?? ''}List`, namespaced: spec.scope !== 'Cluster',
    status: v.subresources?.status !== undefined, generation: true,
    shortNames: names.shortNames ?? [], custom: true, fields: {},
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
  }));
}

export class CrdController {
  private readonly crdType: ResourceType;

  constructor(private readonly store: Store, private readonly registry: Registry, private readonly gone: (resource: string) => void = () => undefined) {
    const t = BUILTINS.find((b) => b.plural === 'customresourcedefinitions');
    if (!t) throw new Error('CRD type missing');
    this.crdType = t;
    store.listeners.add((e) => this.observe(e));
  }

  private observe(e: StoreEvent): void {
    if (e.t.plural !== this.crdType.plural || e.t.group !== this.crdType.group) return;
    const spec = (e.object['spec'] ?? {}) as CrdSpec;
    const group = spec.group ?? '';
    const plural = spec.names?.plural ?? '';
    if (e.type === 'DELETED') {
      // After the CRD's own event has reached every watcher, as the cleanup controller would.
      setImmediate(() => {
        const t = this.registry.byResource(group, plural);
        if (t) for (const o of this.store.list(t)) this.store.delete(t, o.metadata.namespace, o.metadata.name ?? '', { propagationPolicy: 'Background' });
        this.registry.remove(group, plural);
        this.gone(`${group}/${plural}`);
      });
      return;
    }
    this.registry.remove(group, plural);
    for (const t of typesOf(e.object)) this.registry.add(t);
    const conditions = ((e.object['status'] ?? {}) as { conditions?: { type: string }[] }).conditions ?? [];
    if (e.type === 'ADDED' || !conditions.some((c) => c.type === 'Established')) {
      const name = e.object.metadata.name ?? '';
      const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      setImmediate(() => {
        const cur = this.store.get(this.crdType, undefined, name);
        if (!cur) return;
        this.store.update(this.crdType, undefined, name, {
          ...cur,
          status: {
            conditions: [
              { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: at },
              { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: at },
            ],
            acceptedNames: spec.names ?? {},
            storedVersions: (spec.versions ?? []).filter((v) => v.storage).map((v) => v.name),
          },
        }, { subresource: 'status' });
      });
    }
  }
}
