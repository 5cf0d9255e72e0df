/**
 * An informer: list + watch of one resource into a local cache keyed by namespace/name,
 * with add/update/delete handlers and a periodic resync. Written on client-node's Watch
 * stream rather than its makeInformer/ListWatch, because that one (1.4.0) stops for good on
 * the first list or watch error (an API server restart ends it until someone calls start()
 * again), has no resync, no backoff, and does not pass the label selector to the list call.
 *
 * Loop: list (replace the cache, emitting the differences) → watch from the list's
 * resourceVersion → when the stream ends, watch again from the last version seen; a 410
 * Gone relists; every other failure backs off (exponential, jittered) and retries, keeping
 * the cache, so handlers see only real changes across an outage.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { sleep } from '../../lib/sleep.js';
import { backoffDelay, checkPolicy, type BackoffPolicy } from './backoff.js';
import type { EventHandlers, EventSource } from './controller.js';
import { isGone, toKubeError, type KubeError } from './errors.js';
import { objectKey } from './keys.js';
import type { ListWatch, WatchEventType } from './list-watch.js';

export interface InformerOptions {
  /** Every `resyncMs`, each cached object is delivered again as an update (0: never). */
  resyncMs?: number;
  /** Backoff between failed list/watch attempts (default 200 ms doubling to 30 s). */
  backoff?: BackoffPolicy;
  /** Each failed list or watch attempt (the informer keeps retrying). */
  onError?: (err: KubeError) => void;
}

export class Informer<T extends KubernetesObject> implements EventSource<T> {
  readonly #lw: ListWatch<T>;
  readonly #o: InformerOptions;
  readonly #backoff: BackoffPolicy;
  readonly #cache = new Map<string, T>();
  readonly #handlers: EventHandlers<T>[] = [];
  readonly #abort = new AbortController();
  #rv = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(lw: ListWatch<T>, o: InformerOptions = {}) {
    this.#lw = lw;
    this.#o = o;
    this.#backoff = o.backoff ?? { baseMs: 200, maxMs: 30_000 };
    checkPolicy(this.#backoff);
  }

  /** Handlers added after the first sync first receive an add for every cached object (as client-go). */
  addHandlers(h: EventHandlers<T>): void {
    this.#handlers.push(h);
    if (this.#synced) for (const obj of this.#cache.values()) this.#call(() => h.add?.(obj));
  }

  /** Starts the loop; resolves once the first list has filled the cache. */
  async start(): Promise<void> {
    if (!this.#loop) {
      this.#loop = this.#run();
      const ms = this.#o.resyncMs ?? 0;
      if (ms > 0) this.#resync = setInterval(() => this.#resyncAll(), ms);
    }
    await this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.#synced || this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  keys(): string[] {
    return [...this.#cache.keys()];
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#resync);
    for (const w of this.#syncWaiters.splice(0)) w();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      let progressed = false;
      const listing = !this.#rv;
      try {
        if (listing) {
          const l = await this.#lw.list();
          if (signal.aborted) return;
          this.#replace(l.items);
          this.#rv = l.resourceVersion;
          progressed = true;
        }
        await this.#lw.watch(this.#rv, (type, obj) => {
          progressed = true;
          this.#apply(type, obj);
        }, signal);
      } catch (e) {
        const err = toKubeError(e);
        if (signal.aborted) return;
        this.#call(() => this.#o.onError?.(err));
        if (isGone(err)) {
          this.#rv = ''; // too old to resume: relist, diffing the cache against the new list
          if (!listing) continue; // at once, unless the version just listed is already gone
        }
        progressed = false;
      }
      // A stream that ends (or fails) without delivering anything counts as a failure, so a
      // server that closes every watch at once cannot make this loop spin.
      failures = progressed ? 0 : failures + 1;
      if (failures > 0) await sleep(backoffDelay(failures - 1, this.#backoff), signal);
    }
  }

  #apply(type: WatchEventType, obj: T): void {
    stripManagedFields(obj);
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.#rv = rv;
    if (type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const old = this.#cache.get(key);
    if (type === 'DELETED') {
      this.#cache.delete(key);
      if (old) this.#emit((h) => h.delete?.(obj));
      return;
    }
    this.#cache.set(key, obj);
    if (old) this.#emit((h) => h.update?.(old, obj));
    else this.#emit((h) => h.add?.(obj));
  }

  /** Replaces the cache with a fresh list: adds, updates (changed resourceVersion) and deletes for what differs. */
  #replace(items: T[]): void {
    for (const o of items) stripManagedFields(o);
    const fresh = new Map(items.map((o) => [objectKey(o), o] as const));
    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) {
        this.#cache.delete(key);
        this.#emit((h) => h.delete?.(old));
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.#cache.get(key);
      this.#cache.set(key, obj);
      if (!old) this.#emit((h) => h.add?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.#emit((h) => h.update?.(old, obj));
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
  }

  #resyncAll(): void {
    if (!this.#synced) return;
    for (const obj of this.#cache.values()) this.#emit((h) => h.update?.(obj, obj));
  }

  #emit(fn: (h: EventHandlers<T>) => void): void {
    for (const h of this.#handlers) this.#call(() => fn(h));
  }

  /** A throwing handler must not stop the informer or the other handlers. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch {
      // handlers report their own failures; the cache stays correct regardless
    }
  }
}

/**
 * metadata.managedFields is server-side apply's bookkeeping, often larger than the object
 * itself, and nothing in Ward reads it: dropped before caching (controller-runtime's
 * TransformStripManagedFields), which matters with thousands of cached objects.
 */
function stripManagedFields(o: KubernetesObject): void {
  if (o.metadata && 'managedFields' in o.metadata) delete o.metadata.managedFields;
}
