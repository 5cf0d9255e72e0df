/**
 * Opening a subscription, as Vault's events handler decides it: the token must be valid
 * and hold `read` on `sys/events/subscribe/<eventType>` (else 403 before any upgrade),
 * the filter must compile (else 400). Each event is then checked against the token's
 * policies (ACL.subscribeAllowed), with the policies looked up again at every
 * revalidation so a changed policy or a revoked token takes effect.
 */
import { permissionDenied } from '../../sdk/errors.js';
import { admit } from '../pipeline/authenticate.js';
import type { ACL } from '../policy/acl.js';
import type { TokenEntry } from '../tokens/types.js';
import type { EventBus, EventSink, SubscriberGrant } from './bus.js';
import { compileFilter } from './filter.js';

export interface EventSubscribeRequest {
  /** "" when the client sent none. */
  clientToken: string;
  remoteAddress: string;
  /** The `:eventType` glob (non-empty; the HTTP layer refuses an empty one). */
  eventType: string;
  /** `namespaces` query values: child namespaces of the request's (the root here). */
  namespaces: string[];
  /** The `filter` query value; "" for none. */
  filter: string;
  /** The caller's own checks of its parameters, run once the token passed (Vault's order). */
  validate?(): void;
}

export interface SubscribeDeps {
  lookupToken(token: string): Promise<TokenEntry | null>;
  /** The token's ACL as requests see it (identity policies included). */
  aclOf(entry: TokenEntry): Promise<ACL>;
  /** False once the subsystems these deps come from are gone (sealed, stepped down). */
  current(): boolean;
}

/** Subscribes `sink`; resolves with the unsubscribe function, or rejects with the Vault error. */
export async function subscribeEvents(bus: EventBus, deps: SubscribeDeps, r: EventSubscribeRequest, sink: EventSink): Promise<() => void> {
  if (r.clientToken === '') throw permissionDenied();
  const path = `sys/events/subscribe/${r.eventType}`;
  const check = async (): Promise<ACL> => {
    const entry = admit(await deps.lookupToken(r.clientToken), r.remoteAddress);
    const acl = await deps.aclOf(entry);
    if (!acl.allowOperation({ path, operation: 'read' }).allowed) throw permissionDenied();
    return acl;
  };
  let acl = await check();
  r.validate?.();
  const filter = r.filter.trim() === '' ? null : compileFilter(r.filter);
  const grant: SubscriberGrant = {
    get root() {
      return acl.root;
    },
    allows: (dataPath, eventType) => acl.subscribeAllowed(dataPath, eventType),
    stillValid: async () => {
      if (!deps.current()) return false;
      try {
        acl = await check();
        return true;
      } catch {
        return false;
      }
    },
  };
  // Vault's prependNamespacePatterns: the request's namespace, then its children named.
  const namespaces = ['', ...r.namespaces.map((n) => n.replace(/^\/+|\/+$/g, '')).filter((n) => n !== '')];
  return bus.subscribe({ pattern: r.eventType, namespaces, filter, grant, sink });
}
