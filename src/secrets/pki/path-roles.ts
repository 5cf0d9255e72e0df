/**
 * `roles/<name>` CRUD and LIST `roles`. A role is the issuing policy: which names,
 * which key types, how long. Writes replace the whole role (unset fields take defaults).
 */
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { normalizeKeyBits } from './keys.js';
import { checkSubjectValues } from './name-bounds.js';
import type { NamePolicy } from './names.js';

export interface Role extends NamePolicy {
  ttl: number;
  max_ttl: number;
  key_type: string;
  key_bits: number;
  generate_lease: boolean;
  no_store: boolean;
  server_flag: boolean;
  client_flag: boolean;
  require_cn: boolean;
  use_csr_common_name: boolean;
  use_csr_sans: boolean;
  organization: string[];
  ou: string[];
  country: string[];
  locality: string[];
  province: string[];
  not_before_duration: number;
  issuer_ref: string;
}

export const roleFields = {
  name: field.string({ required: true, description: 'Name of the role.' }),
  allowed_domains: field.commaStringSlice({ description: 'Domains the role may issue for.' }),
  allow_subdomains: field.bool({ description: 'Allow names below allowed_domains.' }),
  allow_bare_domains: field.bool({ description: 'Allow the allowed_domains themselves.' }),
  allow_glob_domains: field.bool({ description: 'Treat "*" in allowed_domains as a glob.' }),
  allow_any_name: field.bool({ description: 'Allow any common name.' }),
  allow_localhost: field.bool({ default: true, description: 'Allow "localhost".' }),
  allow_wildcard_certificates: field.bool({ default: true, description: 'Allow "*." names.' }),
  allow_ip_sans: field.bool({ default: true, description: 'Allow IP SANs.' }),
  allowed_uri_sans: field.commaStringSlice({ description: 'Globs ("*" matches anything, "/" included) a URI SAN must match; none allows no URI SANs.' }),
  enforce_hostnames: field.bool({ default: true, description: 'Require names to be valid hostnames.' }),
  ttl: field.durationSecond({ description: 'Default certificate lifetime.' }),
  max_ttl: field.durationSecond({ description: 'Longest certificate lifetime.' }),
  key_type: field.string({ default: 'rsa', allowed: ['rsa', 'ec', 'ed25519', 'any'], description: 'Key type for issued certificates.' }),
  key_bits: field.int({ description: 'Key size; 0 picks the default for the type.' }),
  generate_lease: field.bool({ description: 'Attach a lease to issued certificates.' }),
  no_store: field.bool({ description: 'Do not store issued certificates (they cannot be revoked by serial).' }),
  server_flag: field.bool({ default: true, description: 'Add the serverAuth extended key usage.' }),
  client_flag: field.bool({ default: true, description: 'Add the clientAuth extended key usage.' }),
  require_cn: field.bool({ default: true, description: 'Require a common name.' }),
  use_csr_common_name: field.bool({ default: true, description: 'sign/: take the CN from the CSR.' }),
  use_csr_sans: field.bool({ default: true, description: 'sign/: take the SANs from the CSR.' }),
  organization: field.commaStringSlice({ description: 'O values in the subject.' }),
  ou: field.commaStringSlice({ description: 'OU values in the subject.' }),
  country: field.commaStringSlice({ description: 'C values in the subject.' }),
  locality: field.commaStringSlice({ description: 'L values in the subject.' }),
  province: field.commaStringSlice({ description: 'ST values in the subject.' }),
  not_before_duration: field.durationSecond({ default: 30, description: 'Backdating of notBefore, for clock skew.' }),
  issuer_ref: field.string({ default: 'default', description: 'Issuer that signs for this role.' }),
};

const rolePath = (name: string) => `role/${name}`;

export async function readRole(s: Storage, name: string): Promise<Role | null> {
  return getJSON<Role>(s, rolePath(name));
}

export async function requireRole(s: Storage, name: string): Promise<Role> {
  const r = await readRole(s, name);
  if (!r) throw badRequest(`unknown role: ${name}`);
  return r;
}

function roleFrom(d: FieldData<typeof roleFields>): Role {
  const keyType = d.get('key_type');
  const keyBits = keyType === 'any' ? d.get('key_bits') : normalizeKeyBits(keyType, d.get('key_bits'));
  const role: Role = {
    allowed_domains: d.get('allowed_domains'),
    allow_subdomains: d.get('allow_subdomains'),
    allow_bare_domains: d.get('allow_bare_domains'),
    allow_glob_domains: d.get('allow_glob_domains'),
    allow_any_name: d.get('allow_any_name'),
    allow_localhost: d.get('allow_localhost'),
    allow_wildcard_certificates: d.get('allow_wildcard_certificates'),
    allow_ip_sans: d.get('allow_ip_sans'),
    allowed_uri_sans: d.get('allowed_uri_sans'),
    enforce_hostnames: d.get('enforce_hostnames'),
    ttl: d.get('ttl'),
    max_ttl: d.get('max_ttl'),
    key_type: keyType,
    key_bits: keyBits,
    generate_lease: d.get('generate_lease'),
    no_store: d.get('no_store'),
    server_flag: d.get('server_flag'),
    client_flag: d.get('client_flag'),
    require_cn: d.get('require_cn'),
    use_csr_common_name: d.get('use_csr_common_name'),
    use_csr_sans: d.get('use_csr_sans'),
    organization: d.get('organization'),
    ou: d.get('ou'),
    country: d.get('country'),
    locality: d.get('locality'),
    province: d.get('province'),
    not_before_duration: d.get('not_before_duration'),
    issuer_ref: d.get('issuer_ref') || 'default',
  };
  if (role.max_ttl > 0 && role.ttl > role.max_ttl) throw badRequest('"ttl" value must be less than "max_ttl" value');
  for (const f of ['organization', 'ou', 'country', 'locality', 'province'] as const) checkSubjectValues(f, role[f]);
  if (role.generate_lease && role.no_store) throw badRequest('"generate_lease" cannot be set to true while "no_store" is true');
  return role;
}

export function rolePaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'roles/?',
      fields: {},
      synopsis: 'List the roles.',
      operations: {
        async list(req) {
          return { data: { keys: await req.storage.list('role/') } };
        },
      },
    }),
    definePath({
      pattern: `roles/${genericName('name')}`,
      fields: roleFields,
      synopsis: 'Manage the roles that certificates are issued against.',
      existenceCheck: async (req, d) => (await readRole(req.storage, d.get('name'))) !== null,
      operations: {
        async read(req, d) {
          const role = await readRole(req.storage, d.get('name'));
          return role ? { data: { ...role } } : null;
        },
        async update(req, d) {
          const role = roleFrom(d);
          await putJSON(req.storage, rolePath(d.get('name')), role);
          return { data: { ...role } };
        },
        async delete(req, d) {
          await req.storage.delete(rolePath(d.get('name')));
          return null;
        },
      },
    }),
  ];
}
