/**
 * `users` (LIST), `users/<username>` (CRUD), `users/<username>/password` and
 * `users/<username>/policies`. Reads never include the password hash.
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { credentialField } from '../lockout.js';
import { defaultTokenParams, parseTokenFields, sanitizePolicyList, tokenFieldsResponse } from '../token-fields.js';
import { hashPassword } from './password.js';
import { deleteUser, listUsers, readUser, USERNAME, userFields, writeUser, type UserEntry } from './users.js';

const nameOnly = { username: userFields.username };

/** The read shape: token fields plus the deprecated mirrors Vault still echoes when set. */
function userData(u: UserEntry): Record<string, unknown> {
  const out = tokenFieldsResponse(u.token, { legacy: true });
  if (u.token.tokenTtl > 0) out.ttl = u.token.tokenTtl;
  if (u.token.tokenMaxTtl > 0) out.max_ttl = u.token.tokenMaxTtl;
  if (u.token.tokenBoundCidrs.length > 0) out.bound_cidrs = [...u.token.tokenBoundCidrs];
  return out;
}

export function userPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'users/?',
      fields: {},
      synopsis: 'List users',
      operations: { list: async (req) => ({ data: { keys: await listUsers(req.storage) } }) },
    }),
    definePath({
      pattern: `users/${USERNAME}`,
      fields: userFields,
      synopsis: 'Manage a user',
      existenceCheck: async (req, d) => (await readUser(req.storage, d.get('username'))) !== null,
      operations: {
        read: async (req, d) => {
          const u = await readUser(req.storage, d.get('username'));
          return u ? { data: userData(u) } : null;
        },
        delete: async (req, d) => {
          await deleteUser(req.storage, d.get('username'));
        },
        update: async (req, d) => {
          const name = d.get('username').toLowerCase();
          const existing = await readUser(req.storage, name);
          const password = d.opt('password');
          if (!existing && !password) throw badRequest('missing password');
          const token = parseTokenFields(d, existing?.token ?? defaultTokenParams());
          const passwordHash = password ? await hashPassword(password) : (existing?.passwordHash ?? '');
          await writeUser(req.storage, name, { passwordHash, token });
        },
      },
    }),
    definePath({
      pattern: `users/${USERNAME}/password`,
      fields: { ...nameOnly, password: credentialField('New password of the user', true) },
      synopsis: "Reset a user's password",
      operations: {
        update: async (req, d) => {
          const name = d.get('username').toLowerCase();
          const u = await readUser(req.storage, name);
          if (!u) throw badRequest('username does not exist');
          if (!d.get('password')) throw badRequest('missing password');
          await writeUser(req.storage, name, { ...u, passwordHash: await hashPassword(d.get('password')) });
        },
      },
    }),
    definePath({
      pattern: `users/${USERNAME}/policies`,
      fields: {
        ...nameOnly,
        token_policies: field.commaStringSlice({ description: 'Policies of tokens issued to the user' }),
        policies: field.commaStringSlice({ description: 'Deprecated: use token_policies' }),
      },
      synopsis: "Update a user's policies",
      operations: {
        update: async (req, d) => {
          const name = d.get('username').toLowerCase();
          const u = await readUser(req.storage, name);
          if (!u) throw badRequest('username does not exist');
          const policies = d.opt('token_policies') ?? d.opt('policies') ?? [];
          await writeUser(req.storage, name, { ...u, token: { ...u.token, tokenPolicies: sanitizePolicyList(policies) } });
        },
      },
    }),
  ];
}
