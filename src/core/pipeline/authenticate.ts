import { invalidToken, permissionDenied } from '../../sdk/errors.js';
import type { TokenEntry } from '../tokens/types.js';
import { ipInCidrs } from '../../lib/cidr.js';

export interface AuthenticateDeps {
  lookupToken(token: string): Promise<TokenEntry | null>;
}

/**
 * Resolves the client token. No token → 403 "permission denied"; unknown, expired or
 * revoked → 403 with Vault's "invalid token" detail. A token used from outside its bound
 * CIDRs is live but refused with the plain text: Vault returns its bare sentinel there, so
 * an agent does not take the refusal for an expired token and log in again.
 */
export async function authenticate(deps: AuthenticateDeps, clientToken: string, remoteAddress: string): Promise<TokenEntry> {
  if (!clientToken) throw permissionDenied();
  return admit(await deps.lookupToken(clientToken), remoteAddress);
}

/** `authenticate`'s verdict on a looked-up entry (null: unknown or no longer valid). */
export function admit(entry: TokenEntry | null, remoteAddress: string): TokenEntry {
  if (!entry) throw invalidToken();
  if (entry.boundCidrs.length > 0 && !ipInCidrs(remoteAddress, entry.boundCidrs)) throw permissionDenied();
  return entry;
}
