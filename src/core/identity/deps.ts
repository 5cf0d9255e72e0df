import type { IdentityStore } from './store.js';
import type { MountLookup } from './views.js';

/** What the identity path handlers need from the core. */
export interface IdentityDeps {
  store: IdentityStore;
  /** The auth mount an accessor names (alias views, accessor validation). */
  mounts: MountLookup;
  /** Now as RFC 3339. */
  now(): string;
  /** The server's api address (api_addr), '' if unknown: Vault's default issuer base. */
  apiAddr(): string;
}
