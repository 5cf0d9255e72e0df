/**
 * What a sign request gets from its role: certificate type, principals, lifetime, key ID,
 * options and extensions. Pure functions; each refusal throws an Error whose message is
 * Vault's, and the path turns it into a 400.
 */
import { createHash } from 'node:crypto';
import { HOST_CERT, USER_CERT } from './certificate.js';
import type { SshPublicKey } from './keys.js';
import type { SshRole } from './role.js';

const list = (s: string): string[] => [...new Set(s.split(',').map((x) => x.trim()).filter((x) => x !== ''))];

export function certTypeFor(role: SshRole, requested: string): typeof USER_CERT | typeof HOST_CERT {
  if (requested === 'user') {
    if (!role.allow_user_certificates) throw new Error("cert_type 'user' is not allowed by role");
    return USER_CERT;
  }
  if (requested === 'host') {
    if (!role.allow_host_certificates) throw new Error("cert_type 'host' is not allowed by role");
    return HOST_CERT;
  }
  throw new Error("cert_type must be either 'user' or 'host'");
}

/** Only the entity id is known to a backend; other identity templates stay unrendered (and so match nothing). */
function renderTemplate(s: string, entityId: string): string {
  return entityId === '' ? s : s.replace(/\{\{\s*identity\.entity\.id\s*\}\}/g, entityId);
}

function hostAllowed(role: SshRole, allowed: string[], name: string): boolean {
  return allowed.some((d) => (d === name && role.allow_bare_domains) || (role.allow_subdomains && name.endsWith(`.${d}`)));
}

/** `requested` is undefined when the request did not name valid_principals at all. */
export function principalsFor(role: SshRole, type: 'user' | 'host', requested: string | undefined, entityId: string): string[] {
  const isHost = type === 'host';
  const defaultPrincipal = isHost ? '' : role.default_user;
  let principals = list(requested ?? defaultPrincipal);
  const allowedRaw = isHost ? role.allowed_domains : role.allowed_users_template ? renderTemplate(role.allowed_users, entityId) : role.allowed_users;
  const allowed = list(allowedRaw);
  if (principals.length === 0 && defaultPrincipal !== '') principals = [defaultPrincipal];
  if (principals.length === 0) {
    if (role.allow_empty_principals) return [];
    throw new Error('empty valid principals not allowed by role');
  }
  if (allowed.length === 0) throw new Error('role is not configured to allow any principals');
  if (allowedRaw === '*') return principals;
  for (const p of principals) {
    const ok = isHost ? hostAllowed(role, allowed, p) : allowed.includes(p);
    if (!ok) throw new Error(`${p} is not a valid value for valid_principals`);
  }
  return principals;
}

/** Seconds. A requested TTL over the maximum is refused; a default one is capped. */
export function ttlFor(role: SshRole, requested: number | undefined, sys: { defaultTtl: number; maxTtl: number }): number {
  let ttl = requested ?? role.ttl;
  if (ttl === 0) ttl = sys.defaultTtl;
  const max = role.max_ttl || sys.maxTtl;
  if (ttl > max) {
    if (requested === undefined) return max;
    throw new Error(`ttl is larger than maximum allowed ${max}`);
  }
  return ttl;
}

function stringValues(m: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v !== null && typeof v === 'object') throw new Error(`value of ${JSON.stringify(k)} must be a string`);
    out[k] = String(v ?? '');
  }
  return out;
}

export function criticalOptionsFor(role: SshRole, requested: Record<string, unknown>): Record<string, string> {
  if (Object.keys(requested).length === 0) return { ...role.default_critical_options };
  const opts = stringValues(requested);
  if (role.allowed_critical_options !== '') {
    const allowed = role.allowed_critical_options.split(',');
    const bad = Object.keys(opts).filter((k) => !allowed.includes(k));
    if (bad.length > 0) throw new Error(`critical options not on allowed list: [${bad.join(' ')}]`);
  }
  return opts;
}

export function extensionsFor(role: SshRole, requested: Record<string, unknown>): Record<string, string> {
  if (Object.keys(requested).length === 0) return { ...role.default_extensions };
  const exts = stringValues(requested);
  if (role.allowed_extensions === '*') return exts;
  const allowed = role.allowed_extensions.split(',');
  const bad = Object.keys(exts).filter((k) => !allowed.includes(k));
  if (bad.length > 0) throw new Error(`extensions [${bad.join(' ')}] are not on allowed list`);
  return exts;
}

export function keyIdFor(role: SshRole, requested: string, displayName: string, roleName: string, pub: SshPublicKey): string {
  if (requested !== '') {
    if (!role.allow_user_key_ids) throw new Error('setting key_id is not allowed by role');
    return requested;
  }
  const format = role.key_id_format || (displayName === '' ? 'vault-{{public_key_hash}}' : 'vault-{{token_display_name}}-{{public_key_hash}}');
  const values: Record<string, string> = {
    token_display_name: displayName,
    role_name: roleName,
    public_key_hash: createHash('sha256').update(pub.blob).digest('hex'),
  };
  return format.replace(/\{\{(token_display_name|role_name|public_key_hash)\}\}/g, (_, k: string) => values[k]!);
}

/** The names a key may be listed under in allowed_user_key_lengths. */
function namesFor(pub: SshPublicKey): string[] {
  if (pub.kind === 'rsa') return ['rsa', 'ssh-rsa'];
  if (pub.kind === 'ed25519') return ['ed25519', 'ssh-ed25519'];
  return ['ec', 'ecdsa', pub.type];
}

export function checkKeyLength(role: SshRole, pub: SshPublicKey): void {
  const table = role.allowed_user_key_lengths;
  if (Object.keys(table).length === 0) return;
  let present = false;
  let pass = false;
  for (const name of namesFor(pub)) {
    const sizes = table[name];
    if (!sizes) continue;
    present = true;
    // RSA and the generic EC names are checked by size; a named curve or Ed25519 is its own size.
    const bySize = pub.kind === 'rsa' || name === 'ec' || name === 'ecdsa';
    if (sizes.some((v) => !bySize || v === pub.bits)) pass = true;
  }
  const kindName = pub.kind === 'ecdsa' ? 'ecdsa' : pub.kind;
  if (!present) throw new Error(`key of type ${kindName} is not allowed`);
  if (!pass) throw new Error(`key is of an invalid size: ${pub.bits}`);
}
