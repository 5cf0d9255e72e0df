/** Test fixture: a token store wired to an expiration manager over InmemStorage with a fake clock. */
import { uuid } from '../../lib/ids.js';
import type { AuthSpec, LogicalResponse, Operation, RenewResult } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { harness, type Harness } from '../expiration/testing.js';
import { TokenStore } from './token-store.js';
import type { TokenAuthResponse, TokenEntry } from './types.js';
import { testRequest } from '../../sdk/testing.js';

export interface TokenHarness extends Harness {
  store: TokenStore;
  root: TokenEntry;
  cubbyholesDestroyed: string[];
  /** Set to make login-token renewals go through a fake backend hook. */
  backendRenew: ((e: TokenEntry, inc: number) => Promise<RenewResult | null>) | null;
  /** Sends a request to the auth/token backend as `token`. */
  call(token: string, operation: Operation, path: string, data?: Record<string, unknown>): Promise<LogicalResponse | null>;
  /** As call(), for endpoints that answer with an auth block. */
  auth(token: string, path: string, data?: Record<string, unknown>): Promise<Record<string, unknown> & { client_token: string; accessor: string }>;
}

export async function tokenHarness(): Promise<TokenHarness> {
  let store!: TokenStore;
  const base = harness({ onTokenExpired: (k) => store.revokeByKey(k) });
  const cubbyholesDestroyed: string[] = [];
  const existing = new Set(['default', 'app', 'ops', 'root', 'dev-1', 'dev-2']);
  const h = {
    ...base,
    cubbyholesDestroyed,
    backendRenew: null,
  } as unknown as TokenHarness;
  store = new TokenStore({
    storage: new InmemStorage(),
    clock: base.clock,
    logger: base.deps.logger,
    expiration: base.exp,
    policyExists: async (n) => existing.has(n),
    destroyCubbyhole: async (id) => {
      cubbyholesDestroyed.push(id);
    },
    renewViaBackend: (e, inc) => (h.backendRenew ? h.backendRenew(e, inc) : Promise.resolve(null)),
    defaultTtl: () => 3600,
    maxTtl: () => 86400,
    mountAccessor: 'auth_token_1234',
  });
  await store.load();
  h.store = store;
  h.root = await store.createRoot();
  const backend = store.backend();
  h.call = (token, operation, path, data = {}) =>
    backend.handleRequest(
      testRequest(store.storage, operation, path, data, { id: uuid(), mountPoint: 'auth/token/', mountType: 'token', mountAccessor: 'auth_token_1234', clientToken: token }),
    );
  h.auth = async (token, path, data = {}) => {
    const res = (await h.call(token, 'update', path, data)) as TokenAuthResponse | null;
    if (!res?.authBlock) throw new Error(`no auth block from ${path}`);
    return Object.assign(res.authBlock, { warnings: res.warnings ?? [] }) as unknown as Record<string, unknown> & { client_token: string; accessor: string };
  };
  return h;
}

/** A login result as an auth backend would return it (role "web", policy "app"); override what a test varies. */
export const loginSpec = (o: Partial<AuthSpec> = {}): AuthSpec => ({
  policies: ['app'],
  metadata: { role_name: 'web' },
  displayName: 'web',
  ttl: 0,
  maxTtl: 0,
  explicitMaxTtl: 0,
  period: 0,
  numUses: 0,
  renewable: true,
  boundCidrs: [],
  tokenType: 'default',
  noDefaultPolicy: false,
  internalData: { role: 'web' },
  ...o,
});
