/**
 * The garbage collector: when an owner goes, its dependents (ownerReferences by uid) are
 * deleted in the background, after the owner's DELETE has answered, as the real controller
 * does asynchronously; an owner deleted in the foreground keeps its `foregroundDeletion`
 * finalizer until its dependents are gone; an object written with owners that are already
 * gone is collected too. Orphaning happens in the store's delete.
 */
import type { Store, StoreEvent } from './store.js';
import { ApiError } from './status.js';

const FOREGROUND = 'foregroundDeletion';

export class GarbageCollector {
  private readonly pending = new Set<NodeJS.Immediate>();

  constructor(private readonly store: Store) {
    store.listeners.add((e) => this.observe(e));
  }

  private later(fn: () => void): void {
    const h = setImmediate(() => {
      this.pending.delete(h);
      try {
        fn();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e; // already gone: another deletion won the race
      }
    });
    this.pending.add(h);
  }

  private observe(e: StoreEvent): void {
    const uid = e.object.metadata.uid ?? '';
    const foreground = (e.object.metadata.finalizers ?? []).includes(FOREGROUND) && e.object.metadata.deletionTimestamp !== undefined;
    if (e.type === 'DELETED' || (e.type === 'MODIFIED' && foreground)) {
      const policy = foreground ? 'Foreground' : 'Background';
      this.later(() => {
        for (const [t, dep] of this.store.dependents(uid)) {
          if (dep.metadata.deletionTimestamp) continue;
          try {
            this.store.delete(t, dep.metadata.namespace, dep.metadata.name ?? '', { propagationPolicy: policy });
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
          }
        }
      });
    }
    if (e.type !== 'DELETED' && (e.object.metadata.ownerReferences ?? []).length > 0 && !e.object.metadata.deletionTimestamp) {
      const { namespace, name = '' } = e.object.metadata;
      this.later(() => this.dangling(e.t, namespace, name));
    }
    if (e.type === 'DELETED') {
      // An owner waiting in the foreground for this dependent may now be free to go.
      for (const ref of e.object.metadata.ownerReferences ?? []) this.later(() => this.release(ref.uid));
    }
  }

  /**
   * As the real collector's attemptToDelete: an object whose owners are all gone is deleted,
   * even when it was written after they went (a controller acting on a stale cache re-creates
   * what it owns just as the owner is deleted); owner references that dangle beside a live
   * owner are stripped.
   */
  private dangling(t: StoreEvent['t'], namespace: string | undefined, name: string): void {
    const o = this.store.get(t, namespace, name);
    const refs = o?.metadata.ownerReferences ?? [];
    if (!o || o.metadata.deletionTimestamp || refs.length === 0) return;
    const live = refs.filter((r) => this.store.byUid(r.uid) !== undefined);
    if (live.length === refs.length) return;
    if (live.length === 0) {
      this.store.delete(t, namespace, name, { propagationPolicy: 'Background' });
      return;
    }
    o.metadata.ownerReferences = live;
    this.store.update(t, namespace, name, o, { keepStatus: true });
  }

  /** Removes the foregroundDeletion finalizer from owner `uid` once nothing depends on it. */
  private release(uid: string): void {
    if (this.store.dependents(uid).length > 0) return;
    const found = this.store.byUid(uid);
    if (!found) return;
    const [t, o] = found;
    if (!(o.metadata.finalizers ?? []).includes(FOREGROUND)) return;
    o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
    this.store.update(t, o.metadata.namespace, o.metadata.name ?? '', o, { keepStatus: true });
  }

  stop(): void {
    for (const h of this.pending) clearImmediate(h);
    this.pending.clear();
  }
}
