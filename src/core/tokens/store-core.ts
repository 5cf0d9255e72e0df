/** The internals shared by the token store's concern modules (create, renew, revoke, paths). */
import type { BatchCodec } from './batch.js';
import type { TokenRepo } from './token-repo.js';
import type { TokenEntry, TokenStoreDeps } from './types.js';

export interface LookupOptions {
  /** Also return a token whose last use was consumed by the current request. */
  allowPendingRevocation?: boolean;
}

export interface StoreCore {
  readonly deps: TokenStoreDeps;
  readonly repo: TokenRepo;
  readonly batch: BatchCodec;
  /** Keys of tokens whose revocation has started; lookups treat them as gone. */
  readonly pending: Set<string>;
  mountAccessor(): string;
  lookup(token: string, o?: LookupOptions): Promise<TokenEntry | null>;
}

