/**
 * Fields shared by the CA-generating paths (root/generate, intermediate/generate) and
 * the helpers that turn them into a subject, SANs and a fresh key.
 */
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { putJSON, type Storage } from '../../sdk/storage.js';
import type { SanList, SubjectFields } from './cert-builder.js';
import { generateKey, KEY_TYPES, type KeyType } from './keys.js';
import { checkCertText } from './name-bounds.js';
import { collectSans } from './names.js';
import { checkNewName, noteNewKey, resolveKey } from './registry.js';
import { keyPath, type StoredKey } from './store.js';

export const subjectFields = {
  common_name: field.string({ description: 'CN of the certificate.' }),
  alt_names: field.commaStringSlice({ description: 'DNS names and emails for the SAN extension.' }),
  ip_sans: field.commaStringSlice({ description: 'IP addresses for the SAN extension.' }),
  uri_sans: field.commaStringSlice({ description: 'URIs for the SAN extension.' }),
  exclude_cn_from_sans: field.bool({ description: 'Keep the CN out of the SANs.' }),
  organization: field.commaStringSlice({ description: 'O values.' }),
  ou: field.commaStringSlice({ description: 'OU values.' }),
  country: field.commaStringSlice({ description: 'C values.' }),
  locality: field.commaStringSlice({ description: 'L values.' }),
  province: field.commaStringSlice({ description: 'ST values.' }),
};

export const caGenFields = {
  exported: field.string({ required: true, description: '"internal" keeps the key; "exported" returns it once; "existing" uses key_ref.' }),
  ...subjectFields,
  ttl: field.durationSecond({ description: 'Requested lifetime.' }),
  key_type: field.string({ default: 'rsa', allowed: KEY_TYPES, description: 'rsa, ec or ed25519.' }),
  key_bits: field.int({ description: 'Key size; 0 picks the default for the type.' }),
  key_name: field.string({ description: 'Name for the generated key.' }),
  key_ref: field.string({ default: 'default', description: 'With type "existing": the key (id, name or "default") to use.' }),
  issuer_name: field.string({ description: 'Name for the new issuer.' }),
  max_path_length: field.int({ default: -1, description: 'Path length constraint; -1 for none.' }),
  add_basic_constraints: field.bool({ description: 'intermediate/generate: put CA basic constraints in the CSR.' }),
  format: field.string({ default: 'pem', allowed: ['pem', 'der', 'pem_bundle'], description: 'Output format.' }),
  private_key_format: field.string({ default: 'der', allowed: ['der', 'pem', 'pkcs8', ''], description: 'pkcs8 for PKCS#8 keys.' }),
};

type SubjectData = FieldData<typeof subjectFields>;

export function subjectFrom(d: SubjectData, commonName = d.get('common_name')): SubjectFields {
  return {
    commonName,
    organization: d.get('organization'),
    ou: d.get('ou'),
    country: d.get('country'),
    locality: d.get('locality'),
    province: d.get('province'),
  };
}

export function sansFrom(d: SubjectData, commonName = d.get('common_name')): SanList {
  return collectSans(commonName, d.get('alt_names'), d.get('ip_sans'), d.get('uri_sans'), d.get('exclude_cn_from_sans'));
}

export function exportedMode(d: FieldData<typeof caGenFields>): boolean {
  const mode = d.get('exported');
  if (mode !== 'internal' && mode !== 'exported' && mode !== 'existing') throw badRequest(`unsupported type "${mode}"; use "internal", "exported" or "existing"`);
  return mode === 'exported';
}

/**
 * Generates and stores a CA key (or, for type "existing", resolves key_ref), refusing
 * duplicate names and unencodable subjects first.
 */
export async function createCaKey(s: Storage, d: FieldData<typeof caGenFields>): Promise<StoredKey> {
  // Before the key exists: a certificate or CSR the encoder cannot build would leave it orphaned.
  checkCertText(subjectFrom(d), sansFrom(d));
  if (d.get('exported') === 'existing') return resolveKey(s, d.get('key_ref'));
  const type = d.get('key_type') as KeyType;
  const name = await checkNewName(s, 'key', d.get('key_name'));
  const gen = await generateKey(type, d.get('key_bits'));
  const key: StoredKey = { id: uuid(), name, ...gen };
  await putJSON(s, keyPath(key.id), key);
  await noteNewKey(s, key);
  return key;
}
