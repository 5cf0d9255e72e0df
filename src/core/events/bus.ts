/**
 * The event bus: backends publish through per-mount senders, subscribers (websockets)
 * get the events their subscription and their token allow. Publishing never waits for
 * a subscriber: events are queued and handed out on the next turn of the event loop,
 * and each subscriber's sink bounds its own backlog (see http/events-socket.ts).
 * The bus outlives seal/unseal; sealing closes every subscription.
 */
import { randomUUID } from 'node:crypto';
import type { EventSender } from '../../sdk/events.js';
import type { Clock } from '../../lib/clock.js';
import { globMatch } from '../../lib/glob.js';
import { absoluteMetadata, cloudEventBytes, eventTime, type PluginInfo, type WardEvent } from './cloudevent.js';
import type { EventFilter } from './filter.js';

/** Where a subscription's events go: text frames, and a close when it ends. */
export interface EventSink {
  /** One event's JSON as UTF-8 (shared between subscribers: never modified). */
  send(json: Buffer): void;
  close(code: number, reason: string): void;
}

/** What the subscribing token may see, decided by the core's ACL. */
export interface SubscriberGrant {
  root: boolean;
  /** `subscribe` with a matching `subscribe_event_types` glob on the namespaced data path. */
  allows(dataPath: string, eventType: string): boolean;
  /** False once the token is revoked or lost read on its subscribe path. */
  stillValid(): Promise<boolean>;
}

export interface SubscriptionSpec {
  /** The `:eventType` glob. */
  pattern: string;
  /** Namespace globs; the request's namespace ("" for the root) comes first. */
  namespaces: string[];
  filter: EventFilter | null;
  grant: SubscriberGrant;
  sink: EventSink;
}

/** Websocket close codes used when the server ends a subscription. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;

export class EventBus {
  /** CloudEvents `source`: this node, as Vault's `vault://<node id>`. */
  readonly source: string;
  private readonly subs = new Set<SubscriptionSpec>();
  private queue: WardEvent[] = [];
  private scheduled = false;
  private revalidating = false;
  private revalidateAgain = false;

  constructor(private readonly clock: Clock, nodeId: string = randomUUID()) {
    this.source = `vault://${nodeId}`;
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  /** The sender a mount's backend publishes through. */
  sender(plugin: PluginInfo): EventSender {
    return {
      send: (eventType, metadata) => {
        // Nobody listening: nothing to build (the common case, on the write path).
        if (this.subs.size === 0) return;
        const id = randomUUID();
        this.publish({ id, time: eventTime(this.clock.now()), eventType, namespace: '', metadata: absoluteMetadata(metadata, plugin), pluginInfo: plugin });
      },
    };
  }

  publish(e: WardEvent): void {
    this.queue.push(e);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Adds a subscription; returns its removal (idempotent). */
  subscribe(spec: SubscriptionSpec): () => void {
    this.subs.add(spec);
    return () => {
      this.subs.delete(spec);
    };
  }

  /** Ends every subscription (seal, shutdown). */
  closeAll(code: number, reason: string): void {
    const all = [...this.subs];
    this.subs.clear();
    for (const s of all) s.sink.close(code, reason);
  }

  /**
   * Checks every subscription's token again (a token was revoked, or the periodic check):
   * those no longer valid are closed. Calls during a check run one more check after it.
   */
  revalidateAll(): void {
    if (this.revalidating) {
      this.revalidateAgain = true;
      return;
    }
    this.revalidating = true;
    void (async () => {
      do {
        this.revalidateAgain = false;
        for (const s of [...this.subs]) {
          const ok = await s.grant.stillValid().catch(() => false);
          if (!ok && this.subs.delete(s)) s.sink.close(CLOSE_NORMAL, 'token no longer valid for this subscription');
        }
      } while (this.revalidateAgain);
      this.revalidating = false;
    })();
  }

  private flush(): void {
    this.scheduled = false;
    const events = this.queue;
    this.queue = [];
    for (const e of events) {
      for (const s of this.subs) if (wants(s, e)) s.sink.send(cloudEventBytes(e, this.source));
    }
  }
}

/** Vault's checks, in its order: event type, namespace, filter, then the token's access. */
function wants(s: SubscriptionSpec, e: WardEvent): boolean {
  if (!globMatch(s.pattern, e.eventType)) return false;
  if (!s.namespaces.some((ns) => globMatch(ns, e.namespace))) return false;
  const dataPath = e.metadata.data_path ?? '';
  if (s.filter !== null && !s.filter({ event_type: e.eventType, operation: e.metadata.operation ?? '', source_plugin_mount: e.pluginInfo.mount_path, data_path: dataPath, namespace: e.namespace })) return false;
  if (s.grant.root) return true;
  // Events without a data path reach root tokens only, as in Vault.
  if (dataPath === '') return false;
  return s.grant.allows(e.namespace === '' ? dataPath : `${e.namespace}/${dataPath}`, e.eventType);
}
