/**
 * What a login means to identity: the entity behind the alias the auth method named
 * (created with the alias on first login, as Vault does), the alias metadata refreshed
 * from the login, and refusal when the entity is disabled.
 */
import { permissionDenied } from '../../sdk/errors.js';
import type { IdentityDeps } from './deps.js';
import { externalMembership } from './external-groups.js';
import { writeAlias } from './paths-alias.js';

export async function entityForLogin(
  deps: IdentityDeps,
  mountAccessor: string,
  alias: { name: string; metadata?: Record<string, string> },
  groupAliases?: { name: string }[],
): Promise<string> {
  const entityId = await findOrCreate(deps, mountAccessor, alias);
  if (groupAliases) await syncExternalGroups(deps, mountAccessor, entityId, groupAliases.map((g) => g.name));
  return entityId;
}

/**
 * Sets the entity's external-group memberships on this mount to the given group aliases:
 * at login (the aliases the auth method reported, none for methods that report none) and
 * at token renewal (the aliases the backend hands back: jwt/oidc re-applies its login's).
 */
export async function syncExternalGroups(deps: IdentityDeps, mountAccessor: string, entityId: string, names: string[]): Promise<void> {
  const { store } = deps;
  // A token can outlive its entity (deleted by an operator): renewal then adds it nowhere.
  if (!store.entity(entityId)) return;
  // Checked outside the lock first: most logins change nothing and should not queue.
  if (externalMembership(store.allGroups(), mountAccessor, entityId, names).length === 0) return;
  await store.exclusive(async () => {
    if (!store.entity(entityId)) return;
    for (const g of externalMembership(store.allGroups(), mountAccessor, entityId, names)) {
      await store.putGroup({ ...g, lastUpdateTime: deps.now(), modifyIndex: g.modifyIndex + 1 });
    }
  });
}

async function findOrCreate(deps: IdentityDeps, mountAccessor: string, alias: { name: string; metadata?: Record<string, string> }): Promise<string> {
  const { store } = deps;
  const known = store.aliasNamed(mountAccessor, alias.name);
  if (known) {
    if (known.entity.disabled) throw permissionDenied();
    if (!sameMap(known.alias.metadata, alias.metadata ?? {})) {
      await store.exclusive(() => writeAlias(deps, { metadata: alias.metadata ?? {} }, known.alias.id));
    }
    return known.entity.id;
  }
  const r = await store.exclusive(async () => {
    // Another login of the same alias may have created it while this one waited.
    const again = store.aliasNamed(mountAccessor, alias.name);
    if (again) return { entity: again.entity };
    return writeAlias(deps, { name: alias.name, mountAccessor, metadata: alias.metadata ?? {} });
  });
  if (r.entity.disabled) throw permissionDenied();
  return r.entity.id;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Vault drops every alias of an auth mount when the mount is disabled; the entities stay. */
export async function dropMountAliases(deps: IdentityDeps, mountAccessor: string): Promise<void> {
  const { store } = deps;
  await store.exclusive(async () => {
    for (const e of store.allEntities()) {
      if (!e.aliases.some((a) => a.mountAccessor === mountAccessor)) continue;
      await store.putEntity({ ...e, aliases: e.aliases.filter((a) => a.mountAccessor !== mountAccessor), lastUpdateTime: deps.now() });
    }
    for (const g of store.allGroups()) {
      if (g.alias?.mountAccessor === mountAccessor) await store.putGroup({ ...g, alias: null, lastUpdateTime: deps.now(), modifyIndex: g.modifyIndex + 1 });
    }
  });
}
