/**
 * SSH roles: CA roles (who may be named in a certificate, for how long, with which
 * options) and OTP roles (otp-role.ts). Strings stay strings where Vault keeps them as
 * comma lists (`allowed_users`, `cidr_list`), so a role reads back exactly as written.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { field } from '../../sdk/framework/fields.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import { cidrListError, otpRoleFrom, type OtpRole } from './otp-role.js';

export interface SshRole {
  key_type: 'ca';
  allowed_users: string;
  allowed_users_template: boolean;
  default_user: string;
  allowed_domains: string;
  allow_bare_domains: boolean;
  allow_subdomains: boolean;
  allowed_extensions: string;
  default_extensions: Record<string, string>;
  allowed_critical_options: string;
  default_critical_options: Record<string, string>;
  allow_user_certificates: boolean;
  allow_host_certificates: boolean;
  allow_user_key_ids: boolean;
  allow_empty_principals: boolean;
  key_id_format: string;
  ttl: number;
  max_ttl: number;
  not_before_duration: number;
  algorithm_signer: string;
  allowed_user_key_lengths: Record<string, number[]>;
}

/** What roles/<name> holds: a CA role or an OTP role. */
export type StoredRole = SshRole | OtpRole;

export const ALGORITHM_SIGNERS = ['default', 'ssh-rsa', 'rsa-sha2-256', 'rsa-sha2-512'];

export const roleFields = {
  role: field.string({ required: true, description: 'Name of the role.' }),
  key_type: field.string({ description: 'Role type: "ca" (signed certificates) or "otp" (one-time passwords checked by vault-ssh-helper).' }),
  cidr_list: field.string({ description: 'OTP roles: comma list of CIDR blocks the role issues passwords for.' }),
  exclude_cidr_list: field.string({ description: 'OTP roles: comma list of CIDR blocks excluded from cidr_list.' }),
  port: field.int({ description: 'OTP roles: SSH port of the hosts, returned with the password (default 22).' }),
  admin_user: field.string({ description: 'Dynamic-key roles only (not supported); refused for OTP roles.' }),
  allowed_users: field.string({ description: 'Comma list of users a user certificate may name; "*" allows any.' }),
  allowed_users_template: field.bool({ description: 'Render {{identity.entity.id}} in allowed_users.' }),
  default_user: field.string({ description: 'Principal used when valid_principals is empty.' }),
  allowed_domains: field.string({ description: 'Comma list of domains a host certificate may name; "*" allows any.' }),
  allow_bare_domains: field.bool({ description: 'Host certificates may name the allowed domains themselves.' }),
  allow_subdomains: field.bool({ description: 'Host certificates may name subdomains of the allowed domains.' }),
  allowed_extensions: field.string({ description: 'Comma list of extensions a request may set; "*" allows any.' }),
  default_extensions: field.map({ description: 'Extensions applied when the request sets none.' }),
  allowed_critical_options: field.string({ description: 'Comma list of critical options a request may set; empty allows any.' }),
  default_critical_options: field.map({ description: 'Critical options applied when the request sets none.' }),
  allow_user_certificates: field.bool({ description: 'Sign user certificates.' }),
  allow_host_certificates: field.bool({ description: 'Sign host certificates.' }),
  allow_user_key_ids: field.bool({ description: 'Let requests choose the key ID.' }),
  allow_empty_principals: field.bool({ description: 'Allow certificates with no principals (valid for any user or host).' }),
  key_id_format: field.string({ description: 'Key ID template: {{token_display_name}}, {{role_name}}, {{public_key_hash}}.' }),
  ttl: field.durationSecond({ description: 'Default certificate lifetime.' }),
  max_ttl: field.durationSecond({ description: 'Longest certificate lifetime.' }),
  not_before_duration: field.durationSecond({ default: 30, description: 'Backdating of valid_after, for clock skew.' }),
  algorithm_signer: field.string({ description: 'Signature algorithm for RSA CA keys: default (rsa-sha2-256), ssh-rsa, rsa-sha2-256, rsa-sha2-512.' }),
  allowed_user_key_lengths: field.map({ description: 'Key types (rsa, ec, ed25519 or SSH algorithm names) and their allowed sizes.' }),
};

type RoleData = FieldData<typeof roleFields>;

export const rolePath = (name: string): string => `roles/${name}`;

export async function readRole(s: Storage, name: string): Promise<StoredRole | null> {
  return getJSON<StoredRole>(s, rolePath(name));
}


function stringMap(name: string, m: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v !== null && typeof v === 'object') throw badRequest(`${name}: value of ${JSON.stringify(k)} must be a string`);
    out[k] = String(v ?? '');
  }
  return out;
}

function keyLengths(m: Record<string, unknown>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m)) {
    const list = Array.isArray(v) ? v : [v];
    const nums = list.map((x) => (typeof x === 'string' && /^\d+$/.test(x.trim()) ? Number(x) : x));
    if (!nums.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
      throw badRequest(`error processing allowed_user_key_lengths: value of ${JSON.stringify(k)} must be an integer or a list of integers`);
    }
    out[k] = nums as number[];
  }
  return out;
}

/** Validates a role write, in Vault's order; the messages are Vault's. */
export function roleFrom(d: RoleData): StoredRole {
  // Vault answers a bad CIDR with a 500 (an unwrapped parse error); here it is the caller's mistake, a 400.
  const cidrError = cidrListError(d.get('cidr_list'), d.get('exclude_cidr_list'));
  if (cidrError !== null) throw badRequest(cidrError);
  const keyType = d.get('key_type').toLowerCase();
  if (keyType === '') throw badRequest('missing key type');
  if (keyType === 'otp') {
    const otp = otpRoleFrom({ default_user: d.get('default_user'), admin_user: d.get('admin_user'), cidr_list: d.get('cidr_list'), exclude_cidr_list: d.get('exclude_cidr_list'), port: d.get('port'), allowed_users: d.get('allowed_users') });
    if (typeof otp === 'string') throw badRequest(otp);
    return otp;
  }
  if (keyType === 'dynamic') throw badRequest('dynamic key type roles are no longer supported');
  if (keyType !== 'ca') throw badRequest('invalid key type');
  const signer = d.get('algorithm_signer') || 'default';
  if (!ALGORITHM_SIGNERS.includes(signer)) throw badRequest(`unknown algorithm signer "${signer}"`);
  const role: SshRole = {
    key_type: 'ca',
    allowed_users: d.get('allowed_users'),
    allowed_users_template: d.get('allowed_users_template'),
    default_user: d.get('default_user'),
    allowed_domains: d.get('allowed_domains'),
    allow_bare_domains: d.get('allow_bare_domains'),
    allow_subdomains: d.get('allow_subdomains'),
    allowed_extensions: d.get('allowed_extensions'),
    default_extensions: stringMap('default_extensions', d.get('default_extensions')),
    allowed_critical_options: d.get('allowed_critical_options'),
    default_critical_options: stringMap('default_critical_options', d.get('default_critical_options')),
    allow_user_certificates: d.get('allow_user_certificates'),
    allow_host_certificates: d.get('allow_host_certificates'),
    allow_user_key_ids: d.get('allow_user_key_ids'),
    allow_empty_principals: d.get('allow_empty_principals'),
    key_id_format: d.get('key_id_format'),
    ttl: d.get('ttl'),
    max_ttl: d.get('max_ttl'),
    not_before_duration: d.get('not_before_duration'),
    algorithm_signer: signer,
    allowed_user_key_lengths: keyLengths(d.get('allowed_user_key_lengths')),
  };
  if (!role.allow_user_certificates && !role.allow_host_certificates) {
    throw badRequest("Either 'allow_user_certificates' or 'allow_host_certificates' must be set to 'true'");
  }
  if (role.ttl !== 0 && role.max_ttl !== 0 && role.ttl > role.max_ttl) throw badRequest('"ttl" value must be less than "max_ttl" when both are specified');
  return role;
}

/** The role as Vault reads it back (key_bits is always 0 for CA roles; OTP roles show their six fields). */
export function roleView(role: StoredRole): Record<string, unknown> {
  return role.key_type === 'otp' ? { ...role } : { ...role, key_bits: 0 };
}
