/** `auth/token/renew`, `renew-self`, `renew-accessor`. */
import { badRequest } from '../../sdk/errors.js';
import { definePath, field, type PathDef } from '../../sdk/index.js';
import { authResponse, callerOf } from './caller.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import type { TokenStore } from './token-store.js';
import type { TokenEntry } from './types.js';

const increment = field.durationSecond({ description: 'Requested extension in seconds; the server may grant less' });

export function renewPaths(store: TokenStore): PathDef[] {
  const renew = async (req: LogicalRequest, entry: TokenEntry, inc: number, hideToken = false) => {
    const out = await store.renew(entry, inc, req.connection);
    return authResponse(store, out.entry, out.warnings, hideToken);
  };
  return [
    definePath({
      pattern: 'renew',
      fields: { token: field.string({ description: 'Token to renew', sensitive: true }), increment },
      synopsis: 'Renew a token',
      operations: {
        update: async (req, d) => {
          const token = d.get('token');
          if (token === '') throw badRequest('missing token');
          const entry = await store.lookup(token);
          if (!entry) throw badRequest('token not found');
          return renew(req, entry, d.get('increment'));
        },
      },
    }),
    definePath({
      pattern: 'renew-self',
      fields: { increment },
      synopsis: 'Renew the calling token',
      operations: { update: async (req, d) => renew(req, await callerOf(store, req), d.get('increment')) },
    }),
    definePath({
      pattern: 'renew-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token' }), increment },
      synopsis: 'Renew a token by accessor',
      operations: {
        update: async (req, d) => {
          const accessor = d.get('accessor');
          if (accessor === '') throw badRequest('missing accessor');
          const entry = await store.lookupAccessor(accessor);
          if (!entry) throw badRequest('invalid accessor');
          return renew(req, entry, d.get('increment'), true);
        },
      },
    }),
  ];
}
