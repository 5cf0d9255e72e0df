/**
 * The apiextensions controller: a CustomResourceDefinition's served versions become
 * resource types (scope, status subresource when declared, short names) and get an
 * `Established` condition; deleting the CRD deletes its custom resources (DELETED events
 * for watchers) and stops serving them.
 */
import { BUILTINS, type Registry, type ResourceType } from './registry.js';
import type { KObj, Store, StoreEvent } from './store.js';

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[] };
  versions?: { name?: string; served?: boolean; storage?: boolean; subresources?: { status?: unknown } }[];
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

  constructor(private readonly store: Store, private readonly registry: Registry) {
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
