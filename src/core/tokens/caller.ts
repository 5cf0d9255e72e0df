/** Helpers the token-store paths share: finding the caller and shaping auth responses. */
import { invalidToken } from '../../sdk/errors.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import type { TokenStore } from './token-store.js';
import type { TokenAuthResponse, TokenEntry } from './types.js';

/** The calling token. Its last use may already be consumed by this very request. */
export async function callerOf(store: TokenStore, req: LogicalRequest): Promise<TokenEntry> {
  const caller = await store.lookup(req.clientToken, { allowPendingRevocation: true });
  if (!caller) throw invalidToken();
  return caller;
}

export function authResponse(store: TokenStore, entry: TokenEntry, warnings: string[], hideToken = false): TokenAuthResponse {
  const block = store.authBlock(entry);
  if (hideToken) block.client_token = '';
  return {
    data: null,
    ...(warnings.length > 0 ? { warnings } : {}),
    authBlock: block,
    ...(entry.accessor ? { wrappedAccessor: entry.accessor } : {}),
  };
}
