/**
 * The generic object store: every resource type is stored the same way, with uid,
 * creationTimestamp, a cluster-wide monotonically increasing resourceVersion, generation
 * for kinds that have it, generateName, finalizers and deletionTimestamp, and a bounded
 * history of change events for watches. Controllers (gc.ts, namespaces.ts, crd.ts)
 * subscribe to the events the way the real ones watch the API. Synchronous: authorization
 * and admission happen before, in rest.ts.
 */
import { randomUUID } from 'node:crypto';
import { canonical } from './canonical.js';
import { resourceKey, groupVersion, type Registry, type ResourceType } from './registry.js';
import { alreadyExists, conflict, ApiError, notFound, status, type Json } from './status.js';
import { pageOf } from './list-page.js';
import { OwnerIndex } from './owner-index.js';
import { createDefaults, decode, validate } from './validate.js';
import type { EventType, KObj, Propagation, StoreEvent, WriteOptions } from './objects.js';
import { finalizersOf, key, now, randomNameSuffix, strip } from './object-rules.js';
import { EventHistory } from './event-history.js';

// Many of the fake's modules take these types from the store.
export type { EventType, KObj, Meta, OwnerReference, Propagation, StoreEvent, WriteOptions } from './objects.js';

export class Store {
  private readonly data = new Map<string, Map<string, KObj>>();
  private rv = 1000;
  private readonly history: EventHistory;
  private readonly index = new OwnerIndex();
  readonly listeners = new Set<(e: StoreEvent) => void>();
  /** The 5 random characters generateName appends (replaceable to provoke collisions in tests). */
  nameSuffix = randomNameSuffix;

  constructor(readonly registry: Registry, historyLimit = 1000) {
    this.history = new EventHistory(this.rv, historyLimit);
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  private bucket(t: ResourceType): Map<string, KObj> {
    const k = resourceKey(t);
    let b = this.data.get(k);
    if (!b) this.data.set(k, (b = new Map()));
    return b;
  }

  /** Stores `obj` as the current version (and indexes its uid and owners). */
  private put(t: ResourceType, obj: KObj): void {
    const k = key(obj.metadata.namespace, obj.metadata.name ?? '');
    this.bucket(t).set(k, obj);
    this.index.put({ resource: resourceKey(t), key: k }, obj.metadata.uid ?? '', obj.metadata.ownerReferences ?? []);
  }

  private emit(type: EventType, t: ResourceType, object: KObj, prev?: KObj): void {
    const e: StoreEvent = { type, t, object: structuredClone(object), ...(prev ? { prev: structuredClone(prev) } : {}), rv: this.rv };
    this.history.record(e);
    for (const l of [...this.listeners]) l(e);
  }

  /** Forgets the event history, as etcd compaction does; older watches get 410. */
  compact(): void {
    this.history.compact(this.rv);
  }

  /** Events after resourceVersion `from`, or the 410 Status when they were compacted away. */
  since(from: string): StoreEvent[] | Json {
    return this.history.since(from);
  }

  get(t: ResourceType, ns: string | undefined, name: string): KObj | undefined {
    const o = this.bucket(t).get(key(t.namespaced ? ns : undefined, name));
    return o ? structuredClone(o) : undefined;
  }

  mustGet(t: ResourceType, ns: string | undefined, name: string): KObj {
    const o = this.get(t, ns, name);
    if (!o) throw notFound(t, name);
    return o;
  }

  /** Objects of `t` (in `ns`, or everywhere), ordered by namespace and name. */
  list(t: ResourceType, ns?: string): KObj[] {
    return this.page(t, ns, () => true).items;
  }

  /** One page of a list (list-page.ts): only the page is copied. */
  page(t: ResourceType, ns: string | undefined, keep: (o: KObj) => boolean, after = '', limit = 0): { items: KObj[]; remaining: number } {
    return pageOf(this.bucket(t).values(), ns, keep, after, limit);
  }

  /** Every stored object, with its type (for GC and namespace deletion). */
  *everything(): Generator<[ResourceType, KObj]> {
    for (const [k, b] of this.data) {
      const [group = '', plural = ''] = k.split('/');
      const t = this.registry.byResource(group, plural);
      if (t) for (const o of b.values()) yield [t, o];
    }
  }

  private requireNamespace(t: ResourceType, ns: string | undefined, name: string): void {
    if (!t.namespaced) return;
    const nsType = this.registry.lookup('', 'v1', 'namespaces');
    const nsObj = nsType ? this.bucket(nsType).get(key(undefined, ns ?? '')) : undefined;
    if (!nsType || !nsObj) throw notFound({ plural: 'namespaces', group: '', kind: 'Namespace' }, ns ?? '');
    if (nsObj.metadata.deletionTimestamp) {
      throw new ApiError(403, status(403, 'Forbidden', `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}" is forbidden: unable to create new content in namespace ${ns ?? ''} because it is being terminated`, { name, kind: t.plural }));
    }
  }

  create(t: ResourceType, ns: string | undefined, input: KObj, o: WriteOptions = {}): KObj {
    const obj = structuredClone(input);
    obj.metadata = { ...(obj.metadata ?? {}) };
    const m = obj.metadata;
    const generated = !m.name && !!m.generateName;
    if (generated) {
      // Like the real server (RetryGenerateName), a few tries before giving up.
      for (let i = 0; i < 8; i++) {
        m.name = (m.generateName ?? '') + this.nameSuffix();
        if (!this.bucket(t).has(key(t.namespaced ? ns : undefined, m.name))) break;
      }
    }
    if (t.namespaced) m.namespace = ns;
    else delete m.namespace;
    decode(t, obj);
    validate(t, obj);
    const name = m.name ?? '';
    this.requireNamespace(t, ns, name);
    const b = this.bucket(t);
    if (b.has(key(m.namespace, name))) {
      if (!generated) throw alreadyExists(t, name);
      const q = t.group ? `${t.plural}.${t.group}` : t.plural;
      throw new ApiError(409, status(409, 'AlreadyExists', `${q} "${name}" already exists, the server was not able to generate a unique name for the object`,
        { name, ...(t.group ? { group: t.group } : {}), kind: t.plural, retryAfterSeconds: 1 }));
    }
    obj.apiVersion = groupVersion(t);
    obj.kind = t.kind;
    m.uid = o.uid ?? randomUUID();
    m.creationTimestamp = now();
    delete m.deletionTimestamp;
    delete m.resourceVersion;
    if (t.generation) m.generation = 1;
    if (t.status && !o.keepStatus) delete obj['status'];
    createDefaults(t, obj);
    if (o.dryRun) return { ...obj, metadata: { ...m, resourceVersion: '' } };
    m.resourceVersion = String(++this.rv);
    this.put(t, obj);
    this.emit('ADDED', t, obj);
    return structuredClone(obj);
  }

  /**
   * Replaces an object. `subresource: 'status'` takes only `status` from `input`; the main
   * endpoint of a kind with a status subresource keeps the stored status. A stale
   * `metadata.resourceVersion` is 409; an unchanged object is not rewritten.
   */
  update(t: ResourceType, ns: string | undefined, name: string, input: KObj, o: WriteOptions & { subresource?: 'status' } = {}): KObj {
    const old = this.mustGet(t, ns, name);
    const rv = input.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(t, name);
    let next: KObj;
    if (o.subresource === 'status') next = { ...old, status: input['status'] };
    else {
      next = structuredClone(input);
      decode(t, next);
      next.metadata = {
        ...(next.metadata ?? {}),
        name: old.metadata.name, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp,
        ...(old.metadata.namespace ? { namespace: old.metadata.namespace } : {}),
        ...(old.metadata.deletionTimestamp ? { deletionTimestamp: old.metadata.deletionTimestamp } : {}),
        ...(old.metadata.generation !== undefined ? { generation: old.metadata.generation } : {}),
      };
      if (!old.metadata.namespace) delete next.metadata.namespace;
      if (t.status && !o.keepStatus) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = old['status'];
      }
      validate(t, next, old);
    }
    next.apiVersion = groupVersion(t);
    next.kind = t.kind;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (canonical(next) === canonical(old)) return old;
    if (t.generation && strip(next, t) !== strip(old, t)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (o.dryRun) return next;
    next.metadata.resourceVersion = String(++this.rv);
    if (next.metadata.deletionTimestamp && finalizersOf(t, next).length === 0) return this.remove(t, next);
    this.put(t, next);
    this.emit('MODIFIED', t, next, old);
    return structuredClone(next);
  }

  /**
   * Deletes an object: at once when it has no finalizers, else it gets a deletionTimestamp
   * and goes when the last finalizer is removed. Foreground adds the `foregroundDeletion`
   * finalizer (gc.ts removes it once the dependents are gone); Orphan strips this owner from
   * the dependents' ownerReferences first. `deleted` says whether it is gone.
   */
  delete(t: ResourceType, ns: string | undefined, name: string, o: WriteOptions & { propagationPolicy?: Propagation; uid?: string } = {}): { object: KObj; deleted: boolean } {
    const old = this.mustGet(t, ns, name);
    if (o.uid !== undefined && o.uid !== old.metadata.uid) {
      throw new ApiError(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}": Precondition failed: UID in precondition: ${o.uid}, UID in object meta: ${old.metadata.uid ?? ''}`, { name, kind: t.plural }));
    }
    if (o.dryRun) return { object: old, deleted: finalizersOf(t, old).length === 0 };
    const policy = o.propagationPolicy ?? 'Background';
    if (policy === 'Orphan') {
      for (const [dt, dep] of this.dependents(old.metadata.uid ?? '')) {
        const refs = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== old.metadata.uid);
        const copy = structuredClone(dep);
        if (refs.length > 0) copy.metadata.ownerReferences = refs;
        else delete copy.metadata.ownerReferences;
        this.update(dt, dep.metadata.namespace, dep.metadata.name ?? '', copy, { keepStatus: true });
      }
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion') && this.dependents(old.metadata.uid ?? '').length > 0) finalizers.push('foregroundDeletion');
    if (finalizers.length === 0 && finalizersOf(t, old).length === 0) return { object: this.remove(t, { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } }), deleted: true };
    if (old.metadata.deletionTimestamp && finalizers.length === (old.metadata.finalizers ?? []).length) return { object: old, deleted: false };
    const marked: KObj = { ...old, metadata: { ...old.metadata, ...(finalizers.length > 0 ? { finalizers } : {}), deletionTimestamp: old.metadata.deletionTimestamp ?? now(), deletionGracePeriodSeconds: 0, resourceVersion: String(++this.rv) } };
    this.put(t, marked);
    this.emit('MODIFIED', t, marked, old);
    return { object: structuredClone(marked), deleted: false };
  }

  private remove(t: ResourceType, obj: KObj): KObj {
    const k = key(obj.metadata.namespace, obj.metadata.name ?? '');
    this.bucket(t).delete(k);
    this.index.drop({ resource: resourceKey(t), key: k });
    this.emit('DELETED', t, obj);
    return structuredClone(obj);
  }

  /** Objects whose ownerReferences name `uid` (from the owner index, not a scan). */
  dependents(uid: string): [ResourceType, KObj][] {
    return this.index.dependents(uid).flatMap((r) => this.resolve(r));
  }

  /** The object with this uid, if stored. */
  byUid(uid: string): [ResourceType, KObj] | undefined {
    const r = this.index.byUid(uid);
    return r ? this.resolve(r)[0] : undefined;
  }

  private resolve(r: { resource: string; key: string }): [ResourceType, KObj][] {
    const [group = '', plural = ''] = r.resource.split('/');
    const t = this.registry.byResource(group, plural);
    const o = this.data.get(r.resource)?.get(r.key);
    return t && o ? [[t, structuredClone(o)]] : [];
  }
}
