/**
 * `decrypt/:name`: decrypt `vault:vN:` ciphertexts, singly or in a batch.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { batchItems, runBatch } from './batch.js';
import { decryptWith } from './cipher.js';
import { requireKey, type TransitContext } from './context.js';
import { cipherParams } from './path-encrypt.js';
import type { Policy } from './policy.js';

const decryptItemFields = {
  ciphertext: field.string({ description: 'Ciphertext as returned by encrypt.' }),
  context: field.string({ description: 'Base64 derivation context (derived keys).' }),
  nonce: field.string({ description: 'Base64 nonce (legacy convergent keys only).' }),
  associated_data: field.string({ description: 'Base64 additional authenticated data given at encryption.' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

const decryptFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  ...decryptItemFields,
  batch_input: field.raw({ description: 'List of items, each with the fields above.' }),
  partial_failure_response_code: field.int({ description: 'Status for a batch where only some items failed.' }),
};

function decryptOne(p: Policy, d: FieldData<typeof decryptItemFields>): Record<string, unknown> {
  const ciphertext = d.get('ciphertext');
  if (ciphertext === '') throw badRequest('missing ciphertext to decrypt');
  // Decrypt does not take the nonce: it travels inside the ciphertext.
  const params = { ...cipherParams(d), nonce: Buffer.alloc(0) };
  return { plaintext: decryptWith(p, ciphertext, params).toString('base64') };
}

export function decryptPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `decrypt/${genericName('name')}`,
    fields: decryptFields,
    synopsis: 'Decrypt ciphertext with a named key.',
    operations: {
      async update(req, d) {
        const items = batchItems(d.opt('batch_input'));
        const p = await requireKey(ctx, req, d.get('name'));
        if (!items) return { data: decryptOne(p, d) };
        return runBatch(items, decryptItemFields, async (item) => decryptOne(p, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
