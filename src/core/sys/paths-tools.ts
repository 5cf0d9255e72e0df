/**
 * `sys/tools/random` and `sys/tools/hash`: random bytes and digests for clients that
 * lack a good local source. Paths are relative to the sys mount.
 */
import { createHash, randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';

export const MAX_RANDOM_BYTES = 128 * 1024;

const RANDOM_SOURCES = ['platform', 'seal', 'all'];

/** Wire algorithm name → node:crypto digest name. */
const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
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

type Encoding = 'hex' | 'base64';

function encodingOf(format: string): Encoding {
  if (format === 'hex' || format === 'base64') return format;
  throw badRequest(`unsupported encoding format ${JSON.stringify(format)}; use "hex" or "base64"`);
}

const randomFields = {
  source: field.string({ description: 'Entropy source: platform, seal or all.', default: 'platform' }),
  urlbytes: field.int({ description: 'Number of bytes, given in the URL.' }),
  bytes: field.int({ description: 'Number of bytes to return.', default: 32 }),
  format: field.string({ description: 'Output encoding: base64 or hex.', default: 'base64' }),
};

const randomPath = definePath({
  // tools/random, tools/random/<source>, tools/random/<bytes>, tools/random/<source>/<bytes>
  pattern: 'tools/random(?:/(?<source>[A-Za-z][\\w-]*))?(?:/(?<urlbytes>\\d+))?',
  fields: randomFields,
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
      const encoding = encodingOf(d.get('format') || 'base64');
      // No seal provides entropy of its own here, so every source draws from the platform CSPRNG.
      return { data: { random_bytes: randomBytes(bytes).toString(encoding) } };
    },
  },
});

const hashFields = {
  urlalgorithm: field.string({ description: 'Algorithm, given in the URL.' }),
  algorithm: field.string({ description: 'sha2-224, sha2-256, sha2-384, sha2-512 or sha3-224/256/384/512.', default: 'sha2-256' }),
  input: field.string({ description: 'Base64 of the bytes to hash.' }),
  format: field.string({ description: 'Output encoding: hex or base64.', default: 'hex' }),
};

const hashPath = definePath({
  pattern: 'tools/hash(?:/(?<urlalgorithm>[\\w-]+))?',
  fields: hashFields,
  synopsis: 'Hash data.',
  operations: {
    async update(_req, d) {
      const algorithm = d.get('urlalgorithm') || d.get('algorithm') || 'sha2-256';
      const digest = HASH_ALGORITHMS[algorithm];
      if (digest === undefined) throw badRequest(`unsupported algorithm ${JSON.stringify(algorithm)}`);
      const encoding = encodingOf(d.get('format') || 'hex');
      const input = d.get('input').trim();
      if (!BASE64.test(input)) throw badRequest('unable to decode input as base64');
      return { data: { sum: createHash(digest).update(Buffer.from(input, 'base64')).digest(encoding) } };
    },
  },
});

/** The tools paths of the sys backend. */
export function toolsPaths(): PathDef<Fields>[] {
  return [randomPath, hashPath];
}
