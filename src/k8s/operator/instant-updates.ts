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
import type { LoginTarget } from './clients.js';

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
  log?(msg: string, fields?: Record<string, unknown>): void;
}

interface Watcher {
  sub: EventSubscription;
  resources: Map<string, Interest>;
  /** True once it was connected: a later connect is a reconnect. */
  wasConnected: boolean;
  down: boolean;
}

/** Identifies a login: same connection, VaultAuth (version) and service account share a token. */
export const loginKey = (t: LoginTarget): string => `${t.connection.address}|${t.authKey}|${t.namespace}/${t.auth.kubernetes.serviceAccount}`;

export class InstantUpdates {
  readonly #o: InstantUpdatesOptions;
  readonly #watchers = new Map<string, Watcher>();
  /** Resource key → the login key of the watcher holding it. */
  readonly #owner = new Map<string, string>();

  constructor(o: InstantUpdatesOptions) {
    this.#o = o;
  }

  /** Follows `interest` for `resourceKey` on the socket of `target`'s login. */
  watch(resourceKey: string, target: LoginTarget, interest: Interest): void {
    const key = loginKey(target);
    const prev = this.#owner.get(resourceKey);
    if (prev !== undefined && prev !== key) this.unwatch(resourceKey);
    let w = this.#watchers.get(key);
    if (w === undefined) {
      w = this.#open(key, target);
      this.#watchers.set(key, w);
    }
    w.resources.set(resourceKey, { namespace: trimSlashes(interest.namespace), path: interest.path });
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
        if (!s.connected) {
          if (!w.down) this.#o.log?.('event stream down; resources fall back to refreshAfter until it reconnects', { login: key, error: s.error?.message });
          w.down = true;
          return;
        }
        const reconnect = w.wasConnected;
        w.wasConnected = true;
        w.down = false;
        if (reconnect) for (const resource of w.resources.keys()) this.#o.enqueue(resource);
      },
    });
    return w;
  }
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');
