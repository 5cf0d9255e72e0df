/** `auth/token/lookup-self`, `lookup`, `lookup-accessor`. */
import { badRequest, WardError } from '../../sdk/errors.js';
import { definePath, field, type PathDef } from '../../sdk/index.js';
import { callerOf } from './caller.js';
import type { TokenStore } from './token-store.js';

export function lookupPaths(store: TokenStore): PathDef[] {
  const lookupSelf = async (req: Parameters<typeof callerOf>[1]) => ({ data: store.lookupData(await callerOf(store, req)) });
  const tokenFields = { token: field.string({ description: 'Token to look up', sensitive: true }) };
  const lookupOther = async (token: string) => {
    if (token === '') throw badRequest('missing token');
    const entry = await store.lookup(token, { allowPendingRevocation: true });
    if (!entry) throw new WardError('permission_denied', ['bad token']);
    return { data: store.lookupData(entry) };
  };
  return [
    definePath({
      pattern: 'lookup-self',
      fields: {},
      synopsis: 'Look up the calling token',
      operations: { read: (req) => lookupSelf(req), update: (req) => lookupSelf(req) },
    }),
    definePath({
      pattern: 'lookup',
      fields: tokenFields,
      synopsis: 'Look up a token',
      operations: { read: (_req, d) => lookupOther(d.get('token')), update: (_req, d) => lookupOther(d.get('token')) },
    }),
    definePath({
      pattern: 'lookup-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token' }) },
      synopsis: 'Look up a token by accessor',
      operations: {
        update: async (_req, d) => {
          const accessor = d.get('accessor');
          if (accessor === '') throw badRequest('missing accessor');
          const entry = await store.lookupAccessor(accessor);
          if (!entry) throw badRequest('invalid accessor');
          return { data: { ...store.lookupData(entry), id: '' } };
        },
      },
    }),
  ];
}
