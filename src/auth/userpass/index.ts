/**
 * The userpass auth method: users with scrypt-hashed passwords log in at
 * `login/<username>` and receive a token shaped by the user's `token_*` settings.
 */
import type { Clock } from '../../lib/clock.js';
import { badRequest } from '../../sdk/errors.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory } from '../../sdk/logical.js';
import { Lockout, mountLockout, type LockoutConfig } from '../lockout.js';
import { equivalentPolicies } from '../token-fields.js';
import { loginPaths } from './path-login.js';
import { userPaths } from './path-users.js';
import { readUser } from './users.js';

export interface UserpassOptions {
  clock?: Clock;
  lockout?: LockoutConfig;
}

/** Builds a userpass backend; tests inject a clock and lockout settings. */
export function createUserpassBackend(config: BackendConfig, o: UserpassOptions = {}): Backend {
  const lockout = new Lockout(config.storage, o.lockout ?? mountLockout(() => config.system.userLockout?.()), o.clock);
  return defineBackend({
    type: 'userpass',
    kind: 'auth',
    paths: [...userPaths(), ...loginPaths(lockout)],
    specialPaths: { unauthenticated: ['login/*'] },
    help: 'The userpass auth method: username and password logins.',
    // Renewal stops once the user is gone or an admin has changed the policies.
    renewAuth: async (req, auth) => {
      const username = typeof auth.internalData.username === 'string' ? auth.internalData.username : (auth.metadata.username ?? '');
      const user = await readUser(req.storage, username);
      if (!user) throw badRequest('user no longer exists');
      if (!equivalentPolicies(user.token.tokenPolicies, auth.policies)) throw badRequest('policies have changed, not renewing');
      return { ttl: user.token.tokenTtl, maxTtl: user.token.tokenMaxTtl };
    },
    lockedUsers: () => lockout.lockedUsers(),
    unlockUser: (alias) => lockout.unlock(alias.toLowerCase()),
  });
}

/** Registered as `userpass` in the builtin registry. */
export const userpassFactory: BackendFactory = async (config) => createUserpassBackend(config);
