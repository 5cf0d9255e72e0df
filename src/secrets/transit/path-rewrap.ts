/**
 * `rewrap/:name`: re-encrypt ciphertexts under the latest (or a given) key version
 * without revealing the plaintext to the caller.
 */
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { batchItems, runBatch } from './batch.js';
import { decryptWith, encryptWith } from './cipher.js';
import { requireKey, type TransitContext } from './context.js';
import { cipherParams } from './path-encrypt.js';
import type { Policy } from './policy.js';

const rewrapItemFields = {
  ciphertext: field.string({ description: 'Ciphertext to re-encrypt.' }),
  context: field.string({ description: 'Base64 derivation context (derived keys).' }),
  nonce: field.string({ description: 'Base64 nonce (legacy convergent keys only).' }),
  associated_data: field.string({ description: 'Base64 additional authenticated data (kept across the rewrap).' }),
  key_version: field.int({ description: 'Version to re-encrypt with; latest when 0.' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

const rewrapFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  ...rewrapItemFields,
  batch_input: field.raw({ description: 'List of items, each with the fields above.' }),
  partial_failure_response_code: field.int({ description: 'Status for a batch where only some items failed.' }),
};

function rewrapOne(p: Policy, d: FieldData<typeof rewrapItemFields>): Record<string, unknown> {
  const ciphertext = d.get('ciphertext');
  if (ciphertext === '') throw badRequest('missing ciphertext to rewrap');
  const params = cipherParams(d);
  const plaintext = decryptWith(p, ciphertext, { ...params, nonce: Buffer.alloc(0) });
  const out = encryptWith(p, d.get('key_version'), plaintext, params);
  plaintext.fill(0);
  return { ciphertext: out.ciphertext, key_version: out.keyVersion };
}

export function rewrapPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `rewrap/${genericName('name')}`,
    fields: rewrapFields,
    synopsis: 'Re-encrypt ciphertext with the latest key version.',
    operations: {
      async update(req, d) {
        const items = batchItems(d.opt('batch_input'));
        const p = await requireKey(ctx, req, d.get('name'));
        if (!items) return { data: rewrapOne(p, d) };
        return runBatch(items, rewrapItemFields, async (item) => rewrapOne(p, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
