/**
 * `role/<name>/secret-id/{lookup,destroy}` (by SecretID) and
 * `role/<name>/secret-id-accessor/{lookup,destroy}` (by accessor). An unknown SecretID
 * looks up as nothing (204); an unknown accessor is a 404-coded error, as in Vault.
 */
import type { Clock } from '../../lib/clock.js';
import { rfc3339, ZERO_TIME } from '../../lib/clock.js';
import { badRequest, WardError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { credentialField } from '../lockout.js';
import { ROLE, roleNameField } from './role.js';
import type { AppRoleStore, SecretIdEntry } from './store.js';

/** The lookup shape (times RFC3339, the zero time for "never expires"). */
export function secretIdData(e: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...e.cidrList],
    creation_time: rfc3339(e.creationTime),
    expiration_time: e.expirationTime > 0 ? rfc3339(e.expirationTime) : ZERO_TIME,
    last_updated_time: rfc3339(e.lastUpdatedTime),
    metadata: { ...e.metadata },
    secret_id_accessor: e.accessor,
    secret_id_num_uses: e.numUses,
    secret_id_ttl: e.ttl,
    token_bound_cidrs: [...e.tokenBoundCidrs],
  };
}

const accessorNotFound = (accessor: string): WardError =>
  new WardError('not_found', [`failed to find accessor entry for secret_id_accessor: "${accessor}"`]);

async function existingRole(store: AppRoleStore, name: string): Promise<string> {
  const role = await store.getRole(name);
  if (!role) throw badRequest(`role "${name}" does not exist`);
  return role.name;
}

export function secretIdLookupPaths(store: AppRoleStore, clock: Clock): PathDef<Fields>[] {
  const bySecret = { role_name: roleNameField, secret_id: credentialField('The SecretID', true) };
  const byAccessor = { role_name: roleNameField, secret_id_accessor: field.string({ description: 'Accessor of the SecretID', required: true }) };

  /** The entry an accessor points to, if it belongs to this role. */
  async function fromAccessor(roleName: string, accessor: string): Promise<{ hmac: string; entry: SecretIdEntry } | null> {
    const a = await store.getAccessor(accessor);
    if (!a || a.roleName !== roleName) return null;
    const entry = await store.getSecret(roleName, a.secretIdHmac);
    return entry ? { hmac: a.secretIdHmac, entry } : null;
  }

  return [
    definePath({
      pattern: `${ROLE}/secret-id/lookup/?`,
      fields: bySecret,
      synopsis: 'Read the properties of a SecretID',
      operations: {
        update: async (_req, d) => {
          const roleName = await existingRole(store, d.get('role_name'));
          const h = await store.hmac(d.get('secret_id'));
          const e = await store.getSecret(roleName, h);
          if (!e) return null;
          if (e.expirationTime > 0 && clock.now() >= e.expirationTime) {
            await store.deleteSecret(roleName, h, e.accessor);
            return null;
          }
          return { data: secretIdData(e) };
        },
      },
    }),
    definePath({
      pattern: `${ROLE}/secret-id/destroy/?`,
      fields: bySecret,
      synopsis: 'Destroy a SecretID',
      operations: {
        update: async (_req, d) => destroyBySecret(store, d.get('role_name'), d.get('secret_id')),
        delete: async (_req, d) => destroyBySecret(store, d.get('role_name'), d.get('secret_id')),
      },
    }),
    definePath({
      pattern: `${ROLE}/secret-id-accessor/lookup/?`,
      fields: byAccessor,
      synopsis: 'Read the properties of a SecretID by its accessor',
      operations: {
        update: async (_req, d) => {
          const roleName = await existingRole(store, d.get('role_name'));
          const found = await fromAccessor(roleName, d.get('secret_id_accessor'));
          if (!found) throw accessorNotFound(d.get('secret_id_accessor'));
          return { data: secretIdData(found.entry) };
        },
      },
    }),
    definePath({
      pattern: `${ROLE}/secret-id-accessor/destroy/?`,
      fields: byAccessor,
      synopsis: 'Destroy a SecretID by its accessor',
      operations: {
        update: async (_req, d) => destroyByAccessor(d.get('role_name'), d.get('secret_id_accessor')),
        delete: async (_req, d) => destroyByAccessor(d.get('role_name'), d.get('secret_id_accessor')),
      },
    }),
  ];

  async function destroyByAccessor(name: string, accessor: string): Promise<null> {
    const roleName = await existingRole(store, name);
    const found = await fromAccessor(roleName, accessor);
    if (!found) throw accessorNotFound(accessor);
    await store.mutex.run(`secret/${roleName}/${found.hmac}`, () => store.deleteSecret(roleName, found.hmac, found.entry.accessor));
    return null;
  }
}

async function destroyBySecret(store: AppRoleStore, name: string, secretId: string): Promise<null> {
  const roleName = await existingRole(store, name);
  const h = await store.hmac(secretId);
  await store.mutex.run(`secret/${roleName}/${h}`, async () => {
    const e = await store.getSecret(roleName, h);
    if (e) await store.deleteSecret(roleName, h, e.accessor);
  });
  return null;
}
