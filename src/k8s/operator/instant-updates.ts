/**
 * `syncConfig.instantUpdates` for VaultStaticSecret: Ward publishes KV change events on
 * `sys/events/subscribe/kv*` (the API VSO speaks to Vault Enterprise); the operator keeps one
 * websocket per login (VaultConnection + VaultAuth + service account: the token that may
 * read the secrets), shared by every resource using it, and enqueues the resources whose
 * KV path an event names (`modified: "true"`, same Ward namespace), as VSO does.
 *
 * Events are best effort: while a socket is down the resources keep their refreshAfter
 * polling, and when it comes back every resource on it is enqueued once, so a change made
 * during the gap is not missed. Resources are added by the reconciler after each sync
 * (idempotent) and removed when deleted or when instantUpdates is turned off.
 */
import type { EventSubscription, SubscribeOptions } from '../../api/index.js';
import { cacheKey, type LoginTarget } from './clients.js';
import type { EventRecorder, Involved } from './events.js';

/** What an event about this resource carries as `metadata.path`. */
export function kvEventPath(s: { type: 'kv-v1' | 'kv-v2'; mount: string; path: string }): string {
  return s.type === 'kv-v2' ? `${s.mount}/data/${s.path}` : `${s.mount}/${s.path}`;
}

export interface Interest {
  /** The Ward namespace the secret lives in ("" for the root). */
  namespace: string;
  /** `kvEventPath` of the resource. */
  path: string;
}

export interface InstantUpdatesOptions {
  /** Opens the event subscription as `target` (WardClients.subscribe). */
  open(target: LoginTarget, o: SubscribeOptions): EventSubscription;
  enqueue(resourceKey: string): void;
  /** Kubernetes Events on the resources (VSO's EventWatcherStarted / EventWatcherError). */
  event?: EventRecorder;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

interface Watched extends Interest {
  involved: Involved;
}

interface Watcher {
  sub: EventSubscription;
  resources: Map<string, Watched>;
  /** True once it was connected: a later connect is a reconnect. */
  wasConnected: boolean;
  down: boolean;
}


export class InstantUpdates {
  readonly #o: InstantUpdatesOptions;
  readonly #watchers = new Map<string, Watcher>();
  /** Resource key → the login key of the watcher holding it. */
  readonly #owner = new Map<string, string>();

  constructor(o: InstantUpdatesOptions) {
    this.#o = o;
  }

  /** Follows `interest` for `resourceKey` on the socket of `target`'s login. */
  watch(resourceKey: string, target: LoginTarget, interest: Interest, involved: Involved): void {
    // One socket per token: the client cache's key (connection, VaultAuth version, identity).
    const key = cacheKey(target);
    const prev = this.#owner.get(resourceKey);
    if (prev !== undefined && prev !== key) this.unwatch(resourceKey);
    let w = this.#watchers.get(key);
    if (w === undefined) {
      w = this.#open(key, target);
      this.#watchers.set(key, w);
    }
    const known = w.resources.has(resourceKey);
    w.resources.set(resourceKey, { namespace: trimSlashes(interest.namespace), path: interest.path, involved });
    // Joining a socket that is already up: this resource is watched from now on.
    if (!known && w.sub.connected) this.#record([involved], 'Normal', 'EventWatcherStarted', 'Started watching events');
    this.#owner.set(resourceKey, key);
  }

  unwatch(resourceKey: string): void {
    const key = this.#owner.get(resourceKey);
    if (key === undefined) return;
    this.#owner.delete(resourceKey);
    const w = this.#watchers.get(key);
    if (w === undefined) return;
    w.resources.delete(resourceKey);
    if (w.resources.size === 0) {
      this.#watchers.delete(key);
      w.sub.close();
    }
  }

  /** Whether `resourceKey` has a connected event socket now. */
  connected(resourceKey: string): boolean {
    const key = this.#owner.get(resourceKey);
    return key !== undefined && this.#watchers.get(key)?.sub.connected === true;
  }

  close(): void {
    for (const w of this.#watchers.values()) w.sub.close();
    this.#watchers.clear();
    this.#owner.clear();
  }

  #open(key: string, target: LoginTarget): Watcher {
    // Assigned before open() returns: the callbacks only run later (socket events).
    const w: Watcher = { sub: undefined as unknown as EventSubscription, resources: new Map(), wasConnected: false, down: false };
    w.sub = this.#o.open(target, {
      eventType: 'kv*',
      onEvent: (e) => {
        if (e.metadata.modified !== 'true') return;
        const path = e.metadata.path;
        const ns = trimSlashes(e.namespace);
        for (const [resource, interest] of w.resources) if (interest.path === path && interest.namespace === ns) this.#o.enqueue(resource);
      },
      onState: (s) => {
        const involved = [...w.resources.values()].map((r) => r.involved);
        if (!s.connected) {
          if (!w.down) {
            this.#o.log?.('event stream down; resources fall back to refreshAfter until it reconnects', { login: key, error: s.error?.message });
            this.#record(involved, 'Warning', 'EventWatcherError', `Error while watching events: ${s.error?.message ?? 'connection closed'}`);
          }
          w.down = true;
          return;
        }
        const reconnect = w.wasConnected;
        w.wasConnected = true;
        w.down = false;
        this.#record(involved, 'Normal', 'EventWatcherStarted', 'Started watching events');
        if (reconnect) for (const resource of w.resources.keys()) this.#o.enqueue(resource);
      },
    });
    return w;
  }

  #record(objs: Involved[], type: 'Normal' | 'Warning', reason: string, message: string): void {
    const event = this.#o.event;
    if (event === undefined) return;
    // Best effort (the recorder never throws): an Event must not hold up the stream.
    for (const o of objs) void event(o, type, reason, message);
  }
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');
