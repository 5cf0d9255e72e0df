/**
 * `role/<name>/secret-id` (generate; LIST accessors) and `role/<name>/custom-secret-id`.
 * A SecretID may only narrow what its role allows: CIDRs must lie inside the role's,
 * and num_uses / ttl may only be lowered.
 */
import { invalidCidr } from '../../lib/cidr.js';
import type { Clock } from '../../lib/clock.js';
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import { credentialField } from '../lockout.js';
import { cidrOutside, ROLE, roleNameField, type RoleEntry } from './role.js';
import type { AppRoleStore, SecretIdEntry } from './store.js';

const secretIdFields = {
  role_name: roleNameField,
  metadata: field.raw({ description: 'JSON string (or object) of string key/value pairs attached to the SecretID and to its tokens' }),
  cidr_list: field.commaStringSlice({ description: 'CIDRs this SecretID may log in from; within the role secret_id_bound_cidrs' }),
  token_bound_cidrs: field.commaStringSlice({ description: 'CIDRs tokens from this SecretID may be used from; within the role token_bound_cidrs' }),
  num_uses: field.int({ description: 'Uses of this SecretID; may only lower the role secret_id_num_uses' }),
  ttl: field.durationSecond({ description: 'Lifetime of this SecretID; may only lower the role secret_id_ttl' }),
};

type SecretIdFields = typeof secretIdFields;

/** Vault takes metadata as a JSON string of a string→string map; an object is accepted too. */
export function parseMetadata(raw: unknown): Record<string, string> {
  let value = raw;
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw badRequest('failed to parse metadata: not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('failed to parse metadata: expected a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw badRequest('failed to parse metadata: values must be strings');
    out[k] = v;
  }
  return out;
}

/** The per-secret limit: inherit the role's, or a lower one; 0 (unlimited) cannot loosen a role limit. */
function narrowed(d: FieldData<SecretIdFields>, name: 'num_uses' | 'ttl', roleLimit: number, tooHigh: string): number {
  const v = d.opt(name);
  if (v === undefined) return roleLimit;
  if (v < 0) throw badRequest(`${name} cannot be negative`);
  if (roleLimit > 0 && (v === 0 || v > roleLimit)) throw badRequest(tooHigh);
  return v;
}

async function issue(store: AppRoleStore, clock: Clock, d: FieldData<SecretIdFields>, secretId: string): Promise<LogicalResponse> {
  const name = d.get('role_name');
  const role: RoleEntry | null = await store.getRole(name);
  if (!role) throw badRequest(`role "${name}" does not exist`);
  if (!role.bindSecretId) throw badRequest('bind_secret_id is not set on the role');
  const metadata = parseMetadata(d.get('metadata'));
  const cidrList = d.get('cidr_list');
  const tokenBoundCidrs = d.get('token_bound_cidrs');
  const bad = invalidCidr(cidrList) ?? invalidCidr(tokenBoundCidrs);
  if (bad !== null) throw badRequest(`invalid CIDR block "${bad}"`);
  if (cidrOutside(cidrList, role.secretIdBoundCidrs) !== null) {
    throw badRequest('failed to verify the CIDR restrictions set on the secret ID: CIDR subset check failed');
  }
  if (cidrOutside(tokenBoundCidrs, role.token.tokenBoundCidrs) !== null) {
    throw badRequest('failed to verify the token bound CIDR restrictions set on the secret ID: CIDR subset check failed');
  }
  const numUses = narrowed(d, 'num_uses', role.secretIdNumUses, "num_uses cannot be higher than the role's secret_id_num_uses");
  const ttl = narrowed(d, 'ttl', role.secretIdTtl, "ttl cannot be longer than the role's secret_id_ttl");
  const now = clock.now();
  const entry: SecretIdEntry = {
    accessor: uuid(),
    numUses,
    ttl,
    creationTime: now,
    expirationTime: ttl > 0 ? now + ttl * 1000 : 0,
    lastUpdatedTime: now,
    metadata,
    cidrList,
    tokenBoundCidrs,
  };
  const h = await store.hmac(secretId);
  await store.mutex.run(`secret/${role.name}/${h}`, async () => {
    if (await store.getSecret(role.name, h)) throw badRequest('SecretID is already registered');
    await store.putSecret(role.name, h, entry);
  });
  return {
    data: { secret_id: secretId, secret_id_accessor: entry.accessor, secret_id_ttl: ttl, secret_id_num_uses: numUses },
    // A wrapped SecretID names its accessor in wrap_info, so the holder can revoke it unseen.
    wrappedAccessor: entry.accessor,
  };
}

export function secretIdPaths(store: AppRoleStore, clock: Clock): PathDef<Fields>[] {
  return [
    definePath({
      pattern: `${ROLE}/secret-id/?`,
      fields: secretIdFields,
      synopsis: 'Generate a SecretID, or list the accessors of the SecretIDs of a role',
      operations: {
        update: async (_req, d) => issue(store, clock, d, uuid()),
        list: async (_req, d) => {
          const name = d.get('role_name');
          const role = await store.getRole(name);
          if (!role) throw badRequest(`role "${name}" does not exist`);
          const keys: string[] = [];
          for (const h of await store.secretHmacs(role.name)) {
            const e = await store.getSecret(role.name, h);
            if (e) keys.push(e.accessor);
          }
          return { data: { keys: keys.sort() } };
        },
      },
    }),
    definePath({
      pattern: `${ROLE}/custom-secret-id`,
      fields: { ...secretIdFields, secret_id: credentialField('The SecretID to register', true) },
      synopsis: 'Register a caller-chosen SecretID',
      operations: {
        update: async (_req, d) => {
          const secretId = d.get('secret_id');
          if (secretId === '') throw badRequest('missing secret_id');
          return issue(store, clock, d as unknown as FieldData<SecretIdFields>, secretId);
        },
      },
    }),
  ];
}
