/**
 * LIST `keys`, `key/:ref` (read, rename, delete unless an issuer uses it),
 * `keys/generate/(internal|exported)` and `keys/import`, with Vault's shapes and texts.
 */
import * as x509 from '@peculiar/x509';
import { uuid } from '../../lib/ids.js';
import { badRequest, WardError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import { putJSON, type Storage } from '../../sdk/storage.js';
import { ensureCrls } from './crl.js';
import { assertLongEnough, importKey, splitBundle } from './import.js';
import { colonSerial } from './format.js';
import { exportPrivateKey, generateKey, KEY_TYPES, normalizeKeyBits, publicKeyDerOf, type KeyType } from './keys.js';
import { checkNewName, issuerUsingKey, listKeys, locked, noteNewKey, readDefaultKeyId, resolveKey, writeDefaultKeyId } from './registry.js';
import { keyPath, type StoredKey } from './store.js';

const keyData = (k: StoredKey) => ({ key_id: k.id, key_name: k.name, key_type: k.type });

/** The key's Subject Key Identifier (SHA-1 of its public key), colon hex as Vault prints it. */
async function subjectKeyId(k: StoredKey): Promise<string> {
  const ext = await x509.SubjectKeyIdentifierExtension.create(new x509.PublicKey(publicKeyDerOf(k.privateKeyPem)));
  return colonSerial(ext.keyId);
}

const NAME_RE = /^\w(?:[\w.-]*\w)?$/;

async function deleteKey(s: Storage, ref: string): Promise<LogicalResponse | null> {
  const key = await resolveKey(s, ref).catch((e: unknown) => {
    if (WardError.is(e) && e.status === 400) return null; // Vault answers as if deleted
    throw e;
  });
  if (!key) return null;
  const user = await issuerUsingKey(s, key.id);
  if (user) throw badRequest(`Failed to Delete Key.  Key in Use by Issuer: ${user.id}`);
  await s.delete(keyPath(key.id));
  if ((await readDefaultKeyId(s)) === key.id) {
    await writeDefaultKeyId(s, '');
    return {
      warnings: [
        `Deleted key ${key.id} (via key_ref ${ref}); this was configured as the default key. Operations without an explicit key will not work until a new default is configured.`,
      ],
    };
  }
  return null;
}

export function keyPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'keys/?',
      fields: {},
      synopsis: 'List the keys of this mount.',
      operations: {
        async list(req) {
          const keys = (await listKeys(req.storage)).sort((a, b) => (a.id < b.id ? -1 : 1));
          const key_info: Record<string, unknown> = {};
          const dflt = await readDefaultKeyId(req.storage);
          for (const k of keys) key_info[k.id] = { key_name: k.name, is_default: k.id === dflt };
          return { data: { keys: keys.map((k) => k.id), key_info } };
        },
      },
    }),
    definePath({
      pattern: `key/${genericName('key_ref')}`,
      fields: {
        key_ref: field.string({ required: true, description: 'Key id, name, or "default".' }),
        key_name: field.string({ description: 'New name for the key; empty removes it.' }),
      },
      synopsis: 'Read, rename or delete one key (the private key is never returned).',
      operations: {
        async read(req, d) {
          const key = await resolveKey(req.storage, d.get('key_ref'));
          return { data: { ...keyData(key), subject_key_id: await subjectKeyId(key) } };
        },
        update: locked(async (req, d) => {
          const s = req.storage;
          const key = await resolveKey(s, d.get('key_ref'));
          const wanted = d.get('key_name').trim();
          if (wanted !== '' && !NAME_RE.test(wanted)) throw badRequest('new key name outside of valid character limits');
          const name = await checkNewName(s, 'key', wanted, key.id);
          const next = { ...key, name };
          if (name !== key.name) await putJSON(s, keyPath(key.id), next);
          const res: LogicalResponse = { data: keyData(next) };
          if (name === '') res.warnings = [`Name successfully deleted, you will now need to reference this key by it's Id: ${key.id}`];
          return res;
        }),
        delete: locked(async (req, d) => deleteKey(req.storage, d.get('key_ref'))),
      },
    }),
    definePath({
      pattern: 'keys/generate/(?<type>internal|exported)',
      fields: {
        type: field.string({ description: 'internal or exported.' }),
        key_name: field.string({ description: 'Optional name for the key.' }),
        key_type: field.string({ default: 'rsa', allowed: KEY_TYPES, description: 'rsa, ec or ed25519.' }),
        key_bits: field.int({ description: 'Key size; 0 picks the default for the type.' }),
      },
      synopsis: 'Generate a key for future issuers.',
      operations: {
        update: locked(async (req, d) => {
          const s = req.storage;
          const name = await checkNewName(s, 'key', d.get('key_name'));
          const type = d.get('key_type') as KeyType;
          try {
            normalizeKeyBits(type, d.get('key_bits'));
          } catch (e) {
            if (WardError.is(e)) throw badRequest(`Validation for key_type, key_bits failed: ${e.messages.join('; ')}`);
            throw e;
          }
          const gen = await generateKey(type, d.get('key_bits'));
          const key: StoredKey = { id: uuid(), name, ...gen };
          await putJSON(s, keyPath(key.id), key);
          await noteNewKey(s, key);
          const data: Record<string, unknown> = keyData(key);
          if (d.get('type') === 'exported') data.private_key = exportPrivateKey(key.privateKeyPem);
          return { data };
        }),
      },
    }),
    definePath({
      pattern: 'keys/import',
      fields: {
        pem_bundle: field.string({ required: true, sensitive: true, description: 'One unencrypted private key, PEM.' }),
        key_name: field.string({ description: 'Optional name for the key.' }),
      },
      synopsis: 'Import a private key for future issuers.',
      operations: {
        update: locked(async (req, d) => {
          const s = req.storage;
          const pem = d.get('pem_bundle');
          const name = await checkNewName(s, 'key', d.get('key_name'));
          assertLongEnough(pem, 64);
          const { keys, certs } = splitBundle(pem);
          if (keys.length + certs.length !== 1 || keys.length !== 1) throw badRequest('only a single key can be present within the pem_bundle for importing');
          const { key, existed } = await importKey(s, keys[0] ?? '', name);
          // A certificate imported before its key can sign its CRL now.
          await ensureCrls(s);
          const res: LogicalResponse = { data: keyData(key) };
          if (existed) res.warnings = ['Key already imported, use key/ endpoint to update name.'];
          return res;
        }),
      },
    }),
  ];
}
