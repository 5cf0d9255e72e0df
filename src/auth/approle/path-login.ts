/**
 * `login`: role_id + secret_id → token. Every credential failure (unknown role_id,
 * unknown, expired or used-up secret_id) is the same 400 and counts towards the
 * role_id's lockout. CIDR restrictions are checked only once both halves are proven,
 * so their more specific message is no oracle, and before a use is consumed, so a
 * caller from the wrong network cannot burn a SecretID's uses.
 */
import { ipInCidrs, normalizeIp } from '../../lib/cidr.js';
import { constantTimeEqual } from '../../lib/secure.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest } from '../../sdk/errors.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { credentialField, lockedOutError, type Lockout } from '../lockout.js';
import { toAuthSpec } from '../token-fields.js';
import type { RoleEntry } from './role.js';
import type { AppRoleStore, SecretIdEntry } from './store.js';

export const INVALID_CREDENTIALS = 'invalid role or secret ID';

const cidrRefused = (ip: string, on: 'the role' | 'the secret ID', word: 'by' | 'through') =>
  badRequest(`source address "${normalizeIp(ip)}" unauthorized ${word} CIDR restrictions on ${on}`);

type Outcome = { ok: SecretIdEntry } | { invalid: true } | { refused: Error };

/** Validates and, when limited, consumes one use of a SecretID under its lock. */
async function useSecretId(store: AppRoleStore, clock: Clock, role: RoleEntry, secretId: string, ip: string): Promise<Outcome> {
  const h = await store.hmac(secretId);
  return store.mutex.run(`secret/${role.name}/${h}`, async (): Promise<Outcome> => {
    const e = await store.getSecret(role.name, h);
    if (!e) return { invalid: true };
    const now = clock.now();
    if (e.expirationTime > 0 && now >= e.expirationTime) {
      await store.deleteSecret(role.name, h, e.accessor);
      return { invalid: true };
    }
    if (e.cidrList.length > 0 && !ipInCidrs(ip, e.cidrList)) return { refused: cidrRefused(ip, 'the secret ID', 'through') };
    if (role.secretIdBoundCidrs.length > 0 && !ipInCidrs(ip, role.secretIdBoundCidrs)) return { refused: cidrRefused(ip, 'the role', 'by') };
    if (e.numUses === 1) {
      await store.deleteSecret(role.name, h, e.accessor);
    } else if (e.numUses > 1) {
      await store.putSecret(role.name, h, { ...e, numUses: e.numUses - 1, lastUpdatedTime: now });
    }
    return { ok: e };
  });
}

export function loginPaths(store: AppRoleStore, lockout: Lockout, clock: Clock): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'login',
      fields: {
        role_id: credentialField('RoleID of the role', true),
        secret_id: credentialField('SecretID issued for the role (required when bind_secret_id is set)'),
      },
      synopsis: 'Log in with a RoleID and SecretID',
      // The role a role_id belongs to, for role-scoped quotas (Vault: pathLoginResolveRole).
      resolveRole: async (_req, d) => {
        const roleId = d.get('role_id');
        const name = roleId === '' ? null : await store.roleNameById(roleId);
        const role = name === null ? null : await store.getRole(name);
        return role && constantTimeEqual(role.roleId, roleId) ? role.name : '';
      },
      operations: {
        update: async (req, d) => {
          const roleId = d.get('role_id');
          if (roleId === '') throw badRequest('missing role_id');
          if (await lockout.isLocked(roleId)) throw lockedOutError();
          const fail = async (): Promise<Error> => {
            await lockout.recordFailure(roleId);
            return badRequest(INVALID_CREDENTIALS);
          };
          const name = await store.roleNameById(roleId);
          const role = name === null ? null : await store.getRole(name);
          if (!role || !constantTimeEqual(role.roleId, roleId)) throw await fail();
          const ip = req.connection.remoteAddress;

          let secret: SecretIdEntry | null = null;
          if (role.bindSecretId) {
            const secretId = d.get('secret_id');
            // A missing secret_id is answered like a wrong one: otherwise it would confirm the role_id.
            if (secretId === '') throw await fail();
            const outcome = await useSecretId(store, clock, role, secretId, ip);
            if ('invalid' in outcome) throw await fail();
            if ('refused' in outcome) throw outcome.refused;
            secret = outcome.ok;
          } else if (role.secretIdBoundCidrs.length > 0 && !ipInCidrs(ip, role.secretIdBoundCidrs)) {
            throw cidrRefused(ip, 'the role', 'by');
          }
          await lockout.recordSuccess(roleId);

          const metadata = { ...(secret?.metadata ?? {}), role_name: role.name };
          return {
            auth: toAuthSpec(role.token, {
              displayName: '',
              metadata,
              internalData: { role_name: role.name, ...(secret ? { secret_id_accessor: secret.accessor } : {}) },
              alias: { name: role.roleId, metadata },
              ...(secret && secret.tokenBoundCidrs.length > 0 ? { boundCidrs: secret.tokenBoundCidrs } : {}),
            }),
          };
        },
      },
    }),
  ];
}
