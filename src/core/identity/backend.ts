/** The `identity/` mount: entity, entity-alias, group, group-alias and lookup paths. */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend } from '../../sdk/logical.js';
import type { IdentityDeps } from './deps.js';
import { aliasPaths } from './paths-alias.js';
import { entityPaths } from './paths-entity.js';
import { groupPaths } from './paths-group.js';
import { lookupPaths } from './paths-lookup.js';

export function identityBackend(deps: IdentityDeps): Backend {
  return defineBackend({
    type: 'identity',
    kind: 'secret',
    paths: [...entityPaths(deps), ...aliasPaths(deps), ...groupPaths(deps), ...lookupPaths(deps)],
    help: 'The identity store: entities, aliases and groups that tie logins to policies.',
  });
}
