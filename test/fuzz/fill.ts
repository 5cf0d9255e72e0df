/**
 * Plausible values: what a well-behaved client would send for a field or a path slot,
 * so that one hostile value at a time reaches the code behind the validation it targets.
 */
import type { FieldInfo, Target } from './catalogue.js';
import { SEED_NAME } from './mount-plan.js';
import type { Rng } from './prng.js';

/** JSON text of a plausible value for `f` on `t`. */
export function plausibleField(t: Target, f: FieldInfo, rng: Rng): string {
  const allowed = (f.allowed ?? []).filter((v) => v !== '');
  if (allowed.length > 0) return JSON.stringify(rng.pick(allowed));
  const hint = byName(t, f.name);
  if (hint !== undefined) return hint;
  switch (f.kind) {
    case 'int':
      return rng.pick(['1', '2', '"3"']);
    case 'bool':
      return rng.pick(['true', 'false', '"true"']);
    case 'duration_second':
    case 'signed_duration_second':
      return rng.pick(['"1h"', '3600', '"30m"']);
    case 'string_slice':
    case 'comma_string_slice':
      return rng.pick([`["${SEED_NAME}"]`, `"${SEED_NAME},b"`]);
    case 'comma_int_slice':
      return rng.pick(['[1]', '"1,2"']);
    case 'map':
    case 'kv_pairs':
      return '{"a":"b"}';
    default:
      return `"${SEED_NAME}"`;
  }
}

const PEM_JUNK = JSON.stringify('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n');

/** Field-name conventions shared by Vault's backends. */
function byName(t: Target, name: string): string | undefined {
  const mount = t.mountType;
  if (name === 'type') {
    if (mount === 'transit') return '"aes256-gcm96"';
    if (t.pattern.startsWith('audit/')) return '"file"';
    if (t.pattern.startsWith('mounts/')) return '"kv"';
    if (t.pattern.startsWith('auth/')) return '"userpass"';
    if (t.mount === 'auth/token/') return '"service"';
    return undefined;
  }
  if (name === 'options') {
    if (t.pattern.startsWith('audit/')) return '{"file_path":"discard"}';
    if (t.pattern.startsWith('mounts/')) return '{"version":"2"}';
    return '{}';
  }
  if (/^(common_name|alt_names|allowed_domains)$/.test(name)) return `"${SEED_NAME}.example.com"`;
  if (name === 'ip_sans') return '"127.0.0.1"';
  if (name === 'uri_sans') return '"spiffe://fz/x"';
  if (/cidr/.test(name)) return '"127.0.0.1/32"';
  if (name === 'policy' || name === 'rules') return JSON.stringify(`path "kv1/${SEED_NAME}" { capabilities = ["read"] }`);
  if (/^(plaintext|input|context|associated_data)$/.test(name)) return '"Zm9vYmFy"';
  if (name === 'nonce') return '"AAAAAAAAAAAAAAAA"';
  if (name === 'ciphertext') return '"vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"';
  if (name === 'signature') return '"vault:v1:AAAA"';
  if (name === 'hmac') return '"vault:v1:AAAA"';
  if (name === 'connection_url') return '"postgresql://{{username}}:{{password}}@127.0.0.1:1/fz"';
  if (name === 'kubernetes_host') return '"https://127.0.0.1:1"';
  if (/^(issuing_certificates|crl_distribution_points|ocsp_servers)$/.test(name)) return '"http://127.0.0.1:1/ca"';
  if (/statements$/.test(name)) return JSON.stringify(['CREATE ROLE "{{name}}";']);
  if (/^(policies|token_policies|allowed_policies)$/.test(name)) return '"default"';
  if (name === 'plugin_name') return '"postgresql-database-plugin"';
  if (/password/.test(name)) return '"fz-password-1234"';
  if (/algorithm$/.test(name)) return '"sha2-256"';
  if (name === 'data') return '{"a":"b"}';
  if (name === 'custom_metadata') return '{"fz":"1"}';
  if (name === 'metadata') return '"{\\"a\\":\\"b\\"}"';
  if (name === 'config') return '{"default_lease_ttl":"1h"}';
  if (name === 'batch_input') return '[{"plaintext":"Zm9v"}]';
  if (name === 'versions') return '[1]';
  if (name === 'jwt' || name === 'token_reviewer_jwt') return '"eyJhbGciOiJub25lIn0.e30."';
  if (/^(csr|certificate|kubernetes_ca_cert|pem_keys)$/.test(name)) return PEM_JUNK;
  if (name === 'backup') return '"e30="';
  if (name === 'paths' || name === 'path') return `"kv1/${SEED_NAME}"`;
  if (/^(from|to)$/.test(name)) return '"fz-new"';
  if (/^bound_service_account_/.test(name)) return '"*"';
  if (name === 'key') return '"AAAA"';
  return undefined;
}

const NAME_POOL = [SEED_NAME, `${SEED_NAME}-ed`, `${SEED_NAME}-2`, 'nope'];
const GENERIC_POOL = [
  ...NAME_POOL,
  `${SEED_NAME}/sub`,
  'sha2-256',
  'sha2-512',
  '32',
  '16',
  'plaintext',
  'wrapped',
  'internal',
  'exported',
  'hex',
  'base64',
  'platform',
  'all',
  'encryption-key',
  'signing-key',
  'hmac-key',
  'public-key',
  'latest',
  '1',
  '01-02-03',
];

/** Slots whose valid values are a small set: mostly valid ones, so the request gets past routing. */
const SLOT_VALUES: Record<string, string[]> = {
  exported: ['internal', 'exported', 'internal', 'exported', 'internal', 'exported', 'internal', 'exported', 'existing', 'kms'],
  type: ['encryption-key', 'signing-key', 'hmac-key', 'public-key', SEED_NAME],
  version: ['latest', '1', '0', SEED_NAME],
  urlalgorithm: ['sha2-256', 'sha2-512', 'sha3-256', SEED_NAME],
  source: ['platform', 'all', SEED_NAME],
  urlbytes: ['32', '0', '99999'],
};

const SECRET_MOUNTS = ['kv1', 'kv2', 'transit', 'pki', 'database', 'kubernetes', 'secret', 'cubbyhole', 'sys', 'fz-new', 'fz-new/sub'];
const AUTH_MOUNTS = ['approle', 'userpass', 'kubernetes', 'token', 'fz-new'];

/** Candidate values for a slot, before filtering by the slot's own expression. */
function slotCandidates(t: Target, name: string): string[] {
  if (t.mount === 'sys/') {
    const p = t.pattern;
    if (name === 'path' && p.startsWith('mounts/')) return SECRET_MOUNTS;
    if (name === 'path' && p.startsWith('auth/')) return AUTH_MOUNTS;
    if (name === 'path' && p.startsWith('internal/ui/mounts')) return [...SECRET_MOUNTS, ...AUTH_MOUNTS.map((m) => `auth/${m}`)];
    if (name === 'path') return ['fz-audit', 'fz-audit2', 'fz'];
    if (name === 'prefix') return ['database/', 'database/creds/fz/', 'pki/', 'pki/issue/fz/', 'auth/token/', 'auth/', ''];
    if (name === 'url_lease_id') return ['fz', 'database/creds/fz/abc'];
    if (name === 'id') return ['fz', '00000000-0000-0000-0000-000000000000'];
    if (name === 'name') return ['fz', 'fz-2', 'root', 'default'];
    if (name === 'mount_accessor') return ['auth_userpass_00000000', 'fz'];
  }
  const known = SLOT_VALUES[name];
  if (known) return known;
  if (name === '*rest') return [SEED_NAME, `${SEED_NAME}/sub`, `${SEED_NAME}/`, 'a/b/c', ''];
  if (name === 'path') return [SEED_NAME, `${SEED_NAME}/sub`, `${SEED_NAME}-2`];
  return GENERIC_POOL;
}

const slotRegexCache = new Map<string, RegExp>();
function slotRegex(inner: string): RegExp {
  let re = slotRegexCache.get(inner);
  if (!re) slotRegexCache.set(inner, (re = new RegExp(`^(?:${inner})$`)));
  return re;
}

/** A plausible value for a slot that matches the slot's expression (URL-safe, not encoded). */
export function plausibleSlot(t: Target, name: string, inner: string, rng: Rng): string {
  const re = slotRegex(inner);
  const ok = slotCandidates(t, name).filter((c) => re.test(c));
  if (ok.length > 0) {
    // The seeded object most of the time, so requests reach real state.
    const seeded = ok.filter((c) => c === SEED_NAME || (name === 'path' && t.mount === 'sys/') || SLOT_VALUES[name] !== undefined);
    return seeded.length > 0 && rng.chance(0.6) ? rng.pick(seeded) : rng.pick(ok);
  }
  const alts = /^[\w|-]+$/.test(inner) ? inner.split('|') : [];
  if (alts.length > 0) return rng.pick(alts);
  return SEED_NAME;
}
