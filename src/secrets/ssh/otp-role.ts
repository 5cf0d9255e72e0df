/**
 * OTP roles (Vault's key_type "otp"): who may be given a one-time password for which
 * hosts. The host's vault-ssh-helper checks the password at `verify`; Ward never reaches
 * the host. CIDR lists stay comma strings, as Vault stores and reads them back, and are
 * parsed as Go's net.ParseCIDR would (a prefix length is required).
 */
import { isIP } from 'node:net';
import { ipInCidrs, invalidCidr, normalizeIp } from '../../lib/cidr.js';

export interface OtpRole {
  key_type: 'otp';
  default_user: string;
  cidr_list: string;
  exclude_cidr_list: string;
  port: number;
  allowed_users: string;
}

export interface OtpRoleInput {
  default_user: string;
  admin_user: string;
  cidr_list: string;
  exclude_cidr_list: string;
  port: number;
  allowed_users: string;
}

const entries = (list: string): string[] => list.split(',');

/** The first entry net.ParseCIDR would refuse, or null: it needs an address and a prefix length. */
export function badCidrEntry(list: string): string | null {
  for (const e of entries(list)) if (!e.includes('/') || invalidCidr([e]) !== null) return e.trim();
  return null;
}

/** Vault checks both lists for every key type before it looks at the key type; so does roleFrom. */
export function cidrListError(cidrList: string, excludeList: string): string | null {
  const bad = cidrList === '' ? null : badCidrEntry(cidrList);
  if (bad !== null) return `failed to validate cidr_list: invalid CIDR address: ${bad}`;
  const badExclude = excludeList === '' ? null : badCidrEntry(excludeList);
  if (badExclude !== null) return `failed to validate exclude_cidr_list entry: invalid CIDR address: ${badExclude}`;
  return null;
}

/** Validates an OTP role write (CIDR lists already checked); returns Vault's error text or the role. */
export function otpRoleFrom(i: OtpRoleInput): OtpRole | string {
  if (i.default_user === '') return 'missing default user';
  // Ward never logs in to the host, as Vault's OTP type does not.
  if (i.admin_user !== '') return 'admin user not required for OTP type';
  return { key_type: 'otp', default_user: i.default_user, cidr_list: i.cidr_list, exclude_cidr_list: i.exclude_cidr_list, port: i.port === 0 ? 22 : i.port, allowed_users: i.allowed_users };
}

/** Whether `ip` is in a comma CIDR list (an empty list holds nothing). */
export function cidrListContains(ip: string, list: string): boolean {
  return list !== '' && ipInCidrs(ip, entries(list));
}

/**
 * The username creds/<role> issues the OTP for, or Vault's refusal: the default user when
 * none is asked for; otherwise one of allowed_users ("*" allows any), or the default user.
 */
export function otpUsername(role: OtpRole, requested: string): { username: string } | { error: string } {
  const username = requested === '' ? role.default_user : requested;
  if (username === '') return { error: "No default username registered. Use 'username' option" };
  if (role.allowed_users !== '') {
    const allowed = role.allowed_users === '*' || entries(role.allowed_users).some((u) => u.trim() === username);
    if (!allowed && username !== role.default_user) return { error: 'Username is not present is allowed users list' };
  } else if (username !== role.default_user) {
    return { error: 'Username has to be either in allowed users list or has to be a default username' };
  }
  return { username };
}

/**
 * Vault's validateIP: a zero-address role takes any IP; otherwise the IP must be in
 * cidr_list and not in exclude_cidr_list.
 */
export function otpIpAllowed(role: OtpRole, roleName: string, ip: string, zeroAddressRoles: readonly string[]): boolean {
  if (zeroAddressRoles.includes(roleName)) return true;
  if (isIP(ip) === 0 || !cidrListContains(ip, role.cidr_list)) return false;
  return !cidrListContains(ip, role.exclude_cidr_list);
}

/**
 * The IP as Go's net.IP.String() prints it (what Vault stores and returns): an IPv4-mapped
 * address as plain IPv4, IPv6 lower-case and compressed. Null when `ip` is no IP address.
 */
export function canonicalIp(ip: string): string | null {
  const v = normalizeIp(ip.trim() === ip ? ip : '');
  const kind = isIP(v);
  if (kind === 4) return v;
  // The WHATWG URL parser serialises an IPv6 host in RFC 5952 form, as Go does.
  if (kind === 6) return new URL(`http://[${v}]/`).hostname.slice(1, -1);
  return null;
}
