/**
 * `encrypt/:name`: encrypt base64 plaintext, singly or in a batch. Encrypting with a
 * key that does not exist creates it ("upsert"), but only when the caller also holds
 * `create` on this path; with `update` alone the request is a plain 400.
 */
import { readKeysConfig } from './path-config-keys.js';
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { batchItems, runBatch } from './batch.js';
import { encryptWith, type CipherParams } from './cipher.js';
import { aclPath, ENCRYPTION_KEY_NOT_FOUND, type TransitContext } from './context.js';
import { decodeBase64, optionalBase64 } from './encoding.js';
import { isKeyType, KEY_TYPE_INFO } from './key-types.js';
import { newKeyOptions } from './path-keys.js';
import { newStoredPolicy, type Policy } from './policy.js';

/** Fields one encryption takes, at top level or per batch item. */
export const encryptItemFields = {
  plaintext: field.string({ description: 'Base64 plaintext.', sensitive: true }),
  context: field.string({ description: 'Base64 derivation context (derived keys).' }),
  nonce: field.string({ description: 'Base64 nonce (legacy convergent keys only).' }),
  key_version: field.int({ description: 'Key version to encrypt with; latest when 0.' }),
  associated_data: field.string({ description: 'Base64 additional authenticated data (AEAD keys).' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

const encryptFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  ...encryptItemFields,
  batch_input: field.raw({ description: 'List of items, each with the fields above.' }),
  type: field.string({ description: 'Key type when the key is created by this request.', default: 'aes256-gcm96' }),
  convergent_encryption: field.bool({ description: 'Convergent encryption when the key is created by this request.' }),
  partial_failure_response_code: field.int({ description: 'Status for a batch where only some items failed.' }),
};

/** Decodes an item's context, associated_data and nonce. */
export function cipherParams(d: FieldData<Pick<typeof encryptItemFields, 'context' | 'nonce' | 'associated_data'>>): CipherParams {
  return {
    context: optionalBase64(d.opt('context'), 'context'),
    aad: optionalBase64(d.opt('associated_data'), 'associated_data'),
    nonce: optionalBase64(d.opt('nonce'), 'nonce'),
  };
}

async function upsert(ctx: TransitContext, req: LogicalRequest, d: FieldData<typeof encryptFields>, derived: boolean): Promise<Policy> {
  const allowed = (await req.hasCapability?.(aclPath(req), 'create')) ?? false;
  if (!allowed || (await readKeysConfig(req.storage)).disable_upsert) throw badRequest(ENCRYPTION_KEY_NOT_FOUND);
  const type = d.get('type') || 'aes256-gcm96';
  if (isKeyType(type) && !KEY_TYPE_INFO[type].supportsEncryption) throw badRequest(`key type ${type} does not support encryption`);
  const name = d.get('name');
  const opts = newKeyOptions(name, {
    type,
    derived,
    convergent: d.get('convergent_encryption'),
    exportable: false,
    allowPlaintextBackup: false,
    autoRotatePeriod: 0,
  });
  const p = await ctx.keyring.write(req.storage, name, async (cur) => (cur ? undefined : newStoredPolicy(opts, ctx.keyring.clock.now())));
  if (!p) throw badRequest(ENCRYPTION_KEY_NOT_FOUND);
  return p;
}

function encryptOne(p: Policy, d: FieldData<typeof encryptItemFields>): Record<string, unknown> {
  if (!d.has('plaintext')) throw badRequest('missing plaintext to encrypt');
  const plaintext = decodeBase64(d.get('plaintext'), 'plaintext');
  const out = encryptWith(p, d.get('key_version'), plaintext, cipherParams(d));
  return { ciphertext: out.ciphertext, key_version: out.keyVersion };
}

export function encryptPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `encrypt/${genericName('name')}`,
    fields: encryptFields,
    synopsis: 'Encrypt base64 plaintext with a named key.',
    operations: {
      async update(req, d) {
        const items = batchItems(d.opt('batch_input'));
        let p = await ctx.keyring.forUse(req.storage, d.get('name'));
        if (!p) {
          const firstContext = items ? items[0]?.context : d.opt('context');
          p = await upsert(ctx, req, d, typeof firstContext === 'string' && firstContext !== '');
        }
        const key = p;
        if (!items) return { data: encryptOne(key, d) };
        return runBatch(items, encryptItemFields, async (item) => encryptOne(key, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
