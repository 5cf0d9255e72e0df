/**
 * `hmac/:name[/:algorithm]`: HMAC of base64 input with the named key's per-version
 * HMAC key, returned as `vault:vN:<base64>`.
 */
import { createHmac } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { batchItems, runBatch } from './batch.js';
import { requireKey, type TransitContext } from './context.js';
import { decodeBase64, formatVersioned } from './encoding.js';
import { DIGESTS, nodeHash } from './hashes.js';
import type { KeyVersion, Policy } from './policy.js';

export function hmacOf(v: KeyVersion, algorithm: string, input: Buffer): Buffer {
  return createHmac(nodeHash(algorithm, DIGESTS), v.hmacKey).update(input).digest();
}

const hmacItemFields = {
  input: field.string({ description: 'Base64 input.' }),
  key_version: field.int({ description: 'Key version; latest when 0.' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

const hmacFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  urlalgorithm: field.string({ description: 'Algorithm, given in the URL.' }),
  algorithm: field.string({ description: 'sha2-224/256/384/512 or sha3-224/256/384/512.', default: 'sha2-256' }),
  ...hmacItemFields,
  batch_input: field.raw({ description: 'List of items with input (and key_version, reference).' }),
  partial_failure_response_code: field.int({ description: 'Status for a batch where only some items failed.' }),
};

function hmacOne(p: Policy, algorithm: string, d: FieldData<typeof hmacItemFields>): Record<string, unknown> {
  if (!d.has('input')) throw badRequest('missing input for HMAC');
  const v = p.useVersion(d.get('key_version'), 'HMAC');
  return { hmac: formatVersioned(v.version, hmacOf(v, algorithm, decodeBase64(d.get('input'), 'input'))) };
}

export function hmacPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `hmac/${genericName('name')}(?:/(?<urlalgorithm>[\\w-]+))?`,
    fields: hmacFields,
    synopsis: 'Generate an HMAC of input data with a named key.',
    operations: {
      async update(req, d) {
        const algorithm = d.get('urlalgorithm') || d.get('algorithm') || 'sha2-256';
        nodeHash(algorithm, DIGESTS);
        const items = batchItems(d.opt('batch_input'));
        const p = await requireKey(ctx, req, d.get('name'));
        if (!items) return { data: hmacOne(p, algorithm, d) };
        return runBatch(items, hmacItemFields, async (item) => hmacOne(p, algorithm, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
