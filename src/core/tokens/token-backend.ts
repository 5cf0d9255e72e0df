/** The `auth/token/` backend: every endpoint of the token auth method. */
import { definePath, defineBackend } from '../../sdk/index.js';
import type { Backend } from '../../sdk/logical.js';
import { createPaths } from './path-create.js';
import { lookupPaths } from './path-lookup.js';
import { renewPaths } from './path-renew.js';
import { revokePaths } from './path-revoke.js';
import { rolePaths } from './path-roles.js';
import type { TokenStore } from './token-store.js';

export const TIDY_WARNING = 'Tidy operation successfully started. Any information from the operation will be printed to the server logs.';

export function tokenBackend(store: TokenStore): Backend {
  return defineBackend({
    type: 'token',
    kind: 'auth',
    help: 'The token auth method: create, look up, renew and revoke tokens; token roles.',
    specialPaths: { root: ['revoke-orphan', 'revoke-orphan/*', 'accessors', 'accessors/*'] },
    paths: [
      ...createPaths(store),
      ...lookupPaths(store),
      ...renewPaths(store),
      ...revokePaths(store),
      ...rolePaths(store),
      definePath({
        pattern: 'accessors/?',
        fields: {},
        synopsis: 'List token accessors',
        operations: { list: async () => ({ data: { keys: await store.listAccessors() } }) },
      }),
      definePath({
        pattern: 'tidy',
        fields: {},
        synopsis: 'Clean up dangling token indices',
        operations: {
          update: async () => {
            void store.tidy().catch(() => undefined);
            return { status: 202, warnings: [TIDY_WARNING] };
          },
        },
      }),
    ],
  });
}
