/**
 * The random-bytes and hash endpoints that both `sys/tools/*` and transit serve, built
 * once. `prefix` is where they sit in the backend's path table (`tools/` or "").
 */
import { createHash, randomBytes } from 'node:crypto';
import { badRequest } from '../errors.js';
import { definePath, type PathDef } from '../framework/path.js';
import { field, type Fields } from '../framework/fields.js';

export const MAX_RANDOM_BYTES = 128 * 1024;

const RANDOM_SOURCES = ['platform', 'seal', 'all'];

/** Wire algorithm name → node:crypto digest name. */
export const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function outputEncoding(format: string): 'hex' | 'base64' {
  if (format === 'hex' || format === 'base64') return format;
  throw badRequest(`unsupported encoding format ${JSON.stringify(format)}; use "hex" or "base64"`);
}

/** `<prefix>random[/<source>][/<bytes>]`. */
export function randomBytesPath(prefix: string): PathDef<Fields> {
  return definePath({
    pattern: `${prefix}random(?:/(?<source>[A-Za-z][\\w-]*))?(?:/(?<urlbytes>\\d+))?`,
    fields: {
      source: field.string({ description: 'Entropy source: platform, seal or all.', default: 'platform' }),
      urlbytes: field.int({ description: 'Number of bytes, given in the URL.' }),
      bytes: field.int({ description: 'Number of bytes to return.', default: 32 }),
      format: field.string({ description: 'Output encoding: base64 or hex.', default: 'base64' }),
    },
    synopsis: 'Generate random bytes.',
    operations: {
      async update(_req, d) {
        const bytes = d.has('urlbytes') ? d.get('urlbytes') : d.get('bytes');
        if (bytes < 1) throw badRequest(`number of bytes must be positive, got ${bytes}`);
        if (bytes > MAX_RANDOM_BYTES) throw badRequest(`number of bytes must not exceed ${MAX_RANDOM_BYTES}, got ${bytes}`);
        const source = d.get('source') || 'platform';
        if (!RANDOM_SOURCES.includes(source)) {
          throw badRequest(`unsupported entropy source ${JSON.stringify(source)}; use "platform", "seal" or "all"`);
        }
        const encoding = outputEncoding(d.get('format') || 'base64');
        // No seal provides entropy of its own here, so every source draws from the platform CSPRNG.
        return { data: { random_bytes: randomBytes(bytes).toString(encoding) } };
      },
    },
  });
}

/** `<prefix>hash[/<algorithm>]`: a digest of base64 input. */
export function hashPath(prefix: string): PathDef<Fields> {
  return definePath({
    pattern: `${prefix}hash(?:/(?<urlalgorithm>[\\w-]+))?`,
    fields: {
      urlalgorithm: field.string({ description: 'Algorithm, given in the URL.' }),
      algorithm: field.string({ description: 'sha2-224, sha2-256, sha2-384, sha2-512 or sha3-224/256/384/512.', default: 'sha2-256' }),
      input: field.string({ description: 'Base64 of the bytes to hash.' }),
      format: field.string({ description: 'Output encoding: hex or base64.', default: 'hex' }),
    },
    synopsis: 'Hash data.',
    operations: {
      async update(_req, d) {
        const algorithm = d.get('urlalgorithm') || d.get('algorithm') || 'sha2-256';
        const digest = HASH_ALGORITHMS[algorithm];
        if (digest === undefined) throw badRequest(`unsupported hash algorithm ${JSON.stringify(algorithm)}`);
        const encoding = outputEncoding(d.get('format') || 'hex');
        const input = d.get('input').trim();
        if (!BASE64.test(input)) throw badRequest('unable to decode input as base64');
        return { data: { sum: createHash(digest).update(Buffer.from(input, 'base64')).digest(encoding) } };
      },
    },
  });
}
