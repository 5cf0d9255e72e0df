/**
 * `keys/` (LIST) and `keys/:name` (create, read, delete).
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import type { TransitContext } from './context.js';
import { HMAC_KEY_SIZE, isKeyType, KEY_TYPE_INFO, type KeyType } from './key-types.js';
import { keyInfo, newStoredPolicy, type NewPolicyOptions } from './policy.js';

/** auto_rotate_period must be 0 (off) or at least this many seconds. */
export const MIN_AUTO_ROTATE_SECONDS = 3600;

export function checkAutoRotatePeriod(secs: number): void {
  if (secs !== 0 && secs < MIN_AUTO_ROTATE_SECONDS) throw badRequest('auto rotate period must be 0 to disable or at least an hour');
}

/** Validates create-time options shared by `keys/:name` and encrypt's upsert. */
export function newKeyOptions(name: string, o: { type: string; derived: boolean; convergent: boolean; exportable: boolean; allowPlaintextBackup: boolean; autoRotatePeriod: number; keySize?: number }): NewPolicyOptions {
  if (!isKeyType(o.type)) throw badRequest(`unknown key type ${o.type}`);
  const type: KeyType = o.type;
  const info = KEY_TYPE_INFO[type];
  if (o.convergent && !o.derived) throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
  if (o.derived && !info.supportsDerivation) throw badRequest(`key derivation and convergent encryption not supported for keys of type ${type}`);
  checkAutoRotatePeriod(o.autoRotatePeriod);
  let keySize: number = HMAC_KEY_SIZE.default;
  if (o.keySize !== undefined && o.keySize !== 0) {
    if (type !== 'hmac') throw badRequest(`key_size is not valid for algorithm ${type}`);
    if (o.keySize < HMAC_KEY_SIZE.min || o.keySize > HMAC_KEY_SIZE.max) throw badRequest(`invalid key_size: must be between ${HMAC_KEY_SIZE.min} and ${HMAC_KEY_SIZE.max} bytes`);
    keySize = o.keySize;
  }
  return { name, type, derived: o.derived, convergent: o.convergent, exportable: o.exportable, allowPlaintextBackup: o.allowPlaintextBackup, autoRotatePeriod: o.autoRotatePeriod, keySize };
}

const keyFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  type: field.string({ description: 'Key type; aes256-gcm96 when omitted.', default: 'aes256-gcm96' }),
  derived: field.bool({ description: 'Derive a key per request from the supplied context.' }),
  convergent_encryption: field.bool({ description: 'Deterministic encryption per (context, plaintext); requires derived.' }),
  exportable: field.bool({ description: 'Allow the key material to be exported (cannot be undone).' }),
  allow_plaintext_backup: field.bool({ description: 'Allow plaintext backups of the key (cannot be undone).' }),
  auto_rotate_period: field.durationSecond({ description: 'Rotate automatically this long after the latest version; 0 disables.' }),
  key_size: field.int({ description: 'HMAC key size in bytes (type hmac only).' }),
  context: field.string({ description: 'Accepted for compatibility; unused on create.' }),
};

export function keysPaths(ctx: TransitContext): PathDef<Fields>[] {
  const list = definePath({
    pattern: 'keys/?',
    fields: {},
    synopsis: 'List the named keys.',
    operations: {
      async list(req) {
        return { data: { keys: await ctx.keyring.list(req.storage) } };
      },
    },
  });

  async function create(req: LogicalRequest, d: FieldData<typeof keyFields>): Promise<LogicalResponse> {
    const name = d.get('name');
    const opts = newKeyOptions(name, {
      type: d.get('type') || 'aes256-gcm96',
      derived: d.get('derived'),
      convergent: d.get('convergent_encryption'),
      exportable: d.get('exportable'),
      allowPlaintextBackup: d.get('allow_plaintext_backup'),
      autoRotatePeriod: d.get('auto_rotate_period'),
      keySize: d.get('key_size'),
    });
    let existed = false;
    const p = await ctx.keyring.write(req.storage, name, async (cur) => {
      if (cur) {
        existed = true;
        return undefined;
      }
      return newStoredPolicy(opts, ctx.keyring.clock.now());
    });
    if (!p) throw badRequest(`failed to create key ${name}`);
    return existed ? { data: keyInfo(p), warnings: [`key ${name} already existed`] } : { data: keyInfo(p) };
  }

  const named = definePath({
    pattern: `keys/${genericName('name')}`,
    fields: keyFields,
    synopsis: 'Create, read or delete a named key.',
    operations: {
      update: create,
      async read(req, d) {
        const p = await ctx.keyring.get(req.storage, d.get('name'));
        return p ? { data: keyInfo(p) } : null;
      },
      async delete(req, d) {
        const name = d.get('name');
        await ctx.keyring.write(req.storage, name, async (cur) => {
          if (!cur) throw badRequest(`error deleting policy ${name}: could not delete key; not found`);
          if (!cur.stored.deletion_allowed) throw badRequest(`error deleting policy ${name}: deletion is not allowed for this key`);
          return null;
        });
        return null;
      },
    },
  });
  return [list, named];
}
