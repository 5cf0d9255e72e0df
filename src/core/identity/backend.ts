/** The `identity/` mount: entity, entity-alias, group, group-alias, lookup and oidc (identity token) paths. */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend } from '../../sdk/logical.js';
import { oidcPaths, type OidcDeps } from './paths-oidc.js';
import { aliasPaths } from './paths-alias.js';
import { entityPaths } from './paths-entity.js';
import { groupPaths } from './paths-group.js';
import { lookupPaths } from './paths-lookup.js';
import { providerPaths } from './oidc-provider-paths.js';

export function identityBackend(deps: OidcDeps): Backend {
  return defineBackend({
    type: 'identity',
    kind: 'secret',
    paths: [...entityPaths(deps), ...aliasPaths(deps), ...groupPaths(deps), ...lookupPaths(deps), ...oidcPaths(deps), ...providerPaths(deps)],
    // Third parties fetch the discovery documents and JWKS without a Vault token; relying
    // parties authenticate to the provider's token and userinfo endpoints by their own means.
    specialPaths: { unauthenticated: ['oidc/.well-known/*', 'oidc/provider/+/.well-known/*', 'oidc/provider/+/token', 'oidc/provider/+/userinfo'] },
    help: 'The identity store: entities, aliases and groups that tie logins to policies.',
  });
}
