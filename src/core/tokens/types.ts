/** A stored (service) or decoded (batch) token. Times are epoch milliseconds. */
export interface TokenEntry {
  /** The token string the client holds (`hvs.…`/`hvb.…`). Never logged. */
  id: string;
  /** 24-char base62; "" for batch tokens. */
  accessor: string;
  /** Parent token id, "" for orphans. */
  parent: string;
  policies: string[];
  /** Creation path, e.g. `auth/token/create`, `auth/approle/login`. */
  path: string;
  meta: Record<string, string>;
  displayName: string;
  /** Remaining uses; 0 = unlimited. -1 marks "last use consumed, revoke after this request". */
  numUses: number;
  creationTime: number;
  /** TTL in seconds at creation or last renewal; 0 = never expires (root). */
  ttl: number;
  creationTtl: number;
  explicitMaxTtl: number;
  period: number;
  type: 'service' | 'batch';
  role: string;
  boundCidrs: string[];
  entityId: string;
  renewable: boolean;
  /** 0 = never. */
  expireTime: number;
  lastRenewalTime: number;
  /** Accessor of the auth mount that issued it (token mount for auth/token). */
  mountAccessor: string;
  /** From the login backend's AuthSpec, handed back on renewal. */
  internalData: Record<string, unknown>;
  /** Max TTL (seconds) from the issuing backend or mount, 0 = system max. */
  maxTtl: number;
}
