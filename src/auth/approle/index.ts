/**
 * The AppRole auth method (reference §4): machines log in with a RoleID and a SecretID
 * and receive a token shaped by the role's `token_*` settings.
 */
import { systemClock, type Clock } from '../../lib/clock.js';
import { badRequest } from '../../sdk/errors.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory } from '../../sdk/logical.js';
import { Lockout, mountLockout, type LockoutConfig } from '../lockout.js';
import { loginPaths } from './path-login.js';
import { roleFieldPaths } from './path-role-fields.js';
import { secretIdLookupPaths } from './path-role-secret-id-lookup.js';
import { secretIdPaths } from './path-role-secret-id.js';
import { rolePaths } from './path-role.js';
import { tidyPaths } from './path-tidy-secret-id.js';
import { AppRoleStore } from './store.js';

export interface AppRoleOptions {
  clock?: Clock;
  lockout?: LockoutConfig;
}

/** Builds an AppRole backend over the mount's storage; tests inject a clock and lockout settings. */
export function createAppRoleBackend(config: BackendConfig, o: AppRoleOptions = {}): Backend {
  const clock = o.clock ?? systemClock;
  const store = new AppRoleStore(config.storage);
  const lockout = new Lockout(config.storage, o.lockout ?? mountLockout(() => config.system.userLockout?.()), clock);
  return defineBackend({
    type: 'approle',
    kind: 'auth',
    paths: [
      ...rolePaths(store),
      ...roleFieldPaths(store),
      ...secretIdPaths(store, clock),
      ...secretIdLookupPaths(store, clock),
      ...loginPaths(store, lockout, clock),
      ...tidyPaths(store, clock, config.logger),
    ],
    specialPaths: { unauthenticated: ['login'] },
    help: 'The AppRole auth method: RoleID + SecretID logins for machines and services.',
    // A token outlives neither its role nor the role's current TTL settings.
    renewAuth: async (_req, auth) => {
      const name = typeof auth.internalData.role_name === 'string' ? auth.internalData.role_name : '';
      const role = name === '' ? null : await store.getRole(name);
      if (!role) throw badRequest(`role "${name}" does not exist during renewal`);
      return { ttl: role.token.tokenTtl, maxTtl: role.token.tokenMaxTtl };
    },
    lockedUsers: () => lockout.lockedUsers(),
    unlockUser: (alias) => lockout.unlock(alias),
  });
}

/** Registered as `approle` in the builtin registry. */
export const approleFactory: BackendFactory = async (config) => createAppRoleBackend(config);
