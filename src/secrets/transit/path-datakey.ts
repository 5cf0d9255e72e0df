/**
 * `datakey/plaintext/:name` and `datakey/wrapped/:name`: a fresh random key, returned
 * encrypted under the named key (and, for `plaintext`, in the clear too).
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { encryptWith } from './cipher.js';
import { requireKey, type TransitContext } from './context.js';
import { cipherParams } from './path-encrypt.js';

const BITS = [128, 256, 512];

export function datakeyPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `datakey/(?<plaintext>plaintext|wrapped)/${genericName('name')}`,
    fields: {
      name: field.string({ description: 'Name of the key.', required: true }),
      plaintext: field.string({ description: '"plaintext" also returns the key in the clear; "wrapped" does not.', required: true }),
      bits: field.int({ description: 'Length of the data key: 128, 256 or 512.', default: 256 }),
      context: field.string({ description: 'Base64 derivation context (derived keys).' }),
      nonce: field.string({ description: 'Base64 nonce (legacy convergent keys only).' }),
      key_version: field.int({ description: 'Key version to encrypt with; latest when 0.' }),
      associated_data: field.string({ description: 'Base64 additional authenticated data.' }),
    },
    synopsis: 'Generate a data key.',
    operations: {
      async update(req, d) {
        const bits = d.get('bits');
        if (!BITS.includes(bits)) throw badRequest(`invalid bits value ${bits}; must be 128, 256 or 512`);
        const p = await requireKey(ctx, req, d.get('name'));
        const key = randomBytes(bits / 8);
        const out = encryptWith(p, d.get('key_version'), key, cipherParams(d));
        const data: Record<string, unknown> = { ciphertext: out.ciphertext, key_version: out.keyVersion };
        if (d.get('plaintext') === 'plaintext') data.plaintext = key.toString('base64');
        key.fill(0);
        return { data };
      },
    },
  });
}
