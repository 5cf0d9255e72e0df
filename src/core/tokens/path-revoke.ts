/** `auth/token/revoke`, `revoke-self`, `revoke-accessor`, `revoke-orphan`. */
import { badRequest } from '../../sdk/errors.js';
import { definePath, field, type PathDef } from '../../sdk/index.js';
import { callerOf } from './caller.js';
import type { TokenStore } from './token-store.js';

export function revokePaths(store: TokenStore): PathDef[] {
  const tokenFields = { token: field.string({ description: 'Token to revoke', sensitive: true }) };
  return [
    definePath({
      pattern: 'revoke',
      fields: tokenFields,
      synopsis: 'Revoke a token, its children and their leases',
      operations: {
        update: async (_req, d) => {
          const token = d.get('token');
          if (token === '') throw badRequest('missing token');
          const entry = await store.lookup(token, { allowPendingRevocation: true });
          if (entry) await store.revokeTree(entry);
        },
      },
    }),
    definePath({
      pattern: 'revoke-self',
      fields: {},
      synopsis: 'Revoke the calling token and its children',
      operations: {
        update: async (req) => {
          await store.revokeTree(await callerOf(store, req));
        },
      },
    }),
    definePath({
      pattern: 'revoke-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token' }) },
      synopsis: 'Revoke a token by accessor',
      operations: {
        update: async (_req, d) => {
          const accessor = d.get('accessor');
          if (accessor === '') throw badRequest('missing accessor');
          if (!(await store.revokeAccessor(accessor))) throw badRequest('invalid accessor');
        },
      },
    }),
    definePath({
      pattern: 'revoke-orphan',
      fields: tokenFields,
      synopsis: 'Revoke a token and its leases, orphaning its children',
      operations: {
        update: async (req, d) => {
          const caller = await callerOf(store, req);
          if (!(await store.hasSudo(caller, req.path))) throw badRequest('root or sudo privileges required to revoke and orphan');
          const token = d.get('token');
          if (token === '') throw badRequest('missing token');
          const entry = await store.lookup(token, { allowPendingRevocation: true });
          if (entry) await store.revokeOrphan(entry);
        },
      },
    }),
  ];
}
