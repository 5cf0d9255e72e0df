/**
 * `hash[/:algorithm]`: a digest of base64 input, as `sys/tools/hash`.
 */
import { createHash } from 'node:crypto';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { decodeBase64 } from './encoding.js';
import { DIGESTS, nodeHash } from './hashes.js';
import { outputEncoding } from './path-random.js';

export function hashPath(): PathDef<Fields> {
  return definePath({
    pattern: 'hash(?:/(?<urlalgorithm>[\\w-]+))?',
    fields: {
      urlalgorithm: field.string({ description: 'Algorithm, given in the URL.' }),
      algorithm: field.string({ description: 'sha2-224/256/384/512 or sha3-224/256/384/512.', default: 'sha2-256' }),
      input: field.string({ description: 'Base64 input.', required: true }),
      format: field.string({ description: 'hex or base64.', default: 'hex' }),
    },
    synopsis: 'Hash input data.',
    operations: {
      async update(_req, d) {
        const digest = nodeHash(d.get('urlalgorithm') || d.get('algorithm') || 'sha2-256', DIGESTS);
        const encoding = outputEncoding(d.get('format') || 'hex');
        const input = decodeBase64(d.get('input').trim(), 'input');
        return { data: { sum: createHash(digest).update(input).digest(encoding) } };
      },
    },
  });
}
