import { invalidToken, permissionDenied } from '../../sdk/errors.js';
import type { TokenEntry } from '../tokens/types.js';
import { ipInCidrs } from '../../lib/cidr.js';

export interface AuthenticateDeps {
  lookupToken(token: string): Promise<TokenEntry | null>;
}

/**
 * Resolves the client token. No token → 403 "permission denied"; unknown, expired or
 * revoked → 403 with Vault's "invalid token" detail; a token used from outside its
 * bound CIDRs is treated as invalid.
 */
export async function authenticate(deps: AuthenticateDeps, clientToken: string, remoteAddress: string): Promise<TokenEntry> {
  if (!clientToken) throw permissionDenied();
  return admit(await deps.lookupToken(clientToken), remoteAddress);
}

/** `authenticate`'s verdict on a looked-up entry (null: unknown or no longer valid). */
export function admit(entry: TokenEntry | null, remoteAddress: string): TokenEntry {
  if (!entry) throw invalidToken();
  if (entry.boundCidrs.length > 0 && !ipInCidrs(remoteAddress, entry.boundCidrs)) throw invalidToken();
  return entry;
}
