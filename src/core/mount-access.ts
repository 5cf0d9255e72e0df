/**
 * Whether a token may see a mount (sys/internal/ui/mounts, the OpenAPI document): root
 * sees every mount, others those their ACL grants anything under.
 */
import type { ACL } from './policy/acl.js';
import type { TokenStore } from './tokens/token-store.js';
import type { TokenEntry } from './tokens/types.js';

export interface MountAccess {
  canAccessMount(token: string, prefix: string): Promise<boolean>;
  tokenIsValid(token: string): Promise<boolean>;
}

export function mountAccess(tokens: TokenStore, aclOfEntry: (entry: TokenEntry) => Promise<ACL>): MountAccess {
  return {
    canAccessMount: async (token, prefix) => {
      const entry = await tokens.lookup(token);
      if (!entry) return false;
      if (entry.policies.includes('root')) return true;
      const acl = await aclOfEntry(entry);
      return acl.hasMountAccess ? acl.hasMountAccess(prefix) : !acl.capabilities(prefix).includes('deny');
    },
    tokenIsValid: async (token) => (await tokens.lookup(token)) !== null,
  };
}
