/**
 * `random[/:source][/:bytes]`: random bytes, as `sys/tools/random`.
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';

export const MAX_RANDOM_BYTES = 128 * 1024;

export function outputEncoding(format: string): 'hex' | 'base64' {
  if (format === 'hex' || format === 'base64') return format;
  throw badRequest(`unsupported encoding format ${format}; must be "hex" or "base64"`);
}

export function randomPath(): PathDef<Fields> {
  return definePath({
    pattern: 'random(?:/(?<source>[A-Za-z][\\w-]*))?(?:/(?<urlbytes>\\d+))?',
    fields: {
      source: field.string({ description: 'platform, seal or all.', default: 'platform' }),
      urlbytes: field.int({ description: 'Number of bytes, given in the URL.' }),
      bytes: field.int({ description: 'Number of bytes.', default: 32 }),
      format: field.string({ description: 'base64 or hex.', default: 'base64' }),
    },
    synopsis: 'Generate random bytes.',
    operations: {
      async update(_req, d) {
        const bytes = d.has('urlbytes') ? d.get('urlbytes') : d.get('bytes');
        if (bytes < 1) throw badRequest(`number of bytes must be positive, got ${bytes}`);
        if (bytes > MAX_RANDOM_BYTES) throw badRequest(`number of bytes must not exceed ${MAX_RANDOM_BYTES}, got ${bytes}`);
        const source = d.get('source') || 'platform';
        if (!['platform', 'seal', 'all'].includes(source)) throw badRequest(`unsupported entropy source ${source}; use "platform", "seal" or "all"`);
        // No seal supplies entropy of its own, so every source draws from the platform CSPRNG.
        return { data: { random_bytes: randomBytes(bytes).toString(outputEncoding(d.get('format') || 'base64')) } };
      },
    },
  });
}
