/**
 * `keys/<name>`: generate a key (returning its otpauth URL once) or import one from a
 * base32 key or a URL; read shows everything but the secret; LIST `keys`.
 */
import { randomBytes } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { Fields } from '../../sdk/framework/fields.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import { BarcodeTooSmall, qrBarcode } from './barcode.js';
import { ALGORITHMS, base32Decode, base32Encode, keyUrl, parseKeyUrl, type Algorithm } from './otp.js';
import { deleteKey, keyName, listKeys, readKey, writeKey } from './store.js';


const keyFields = {
  name: field.string({ required: true, description: 'Name of the key.' }),
  generate: field.bool({ description: 'Generate the key in Ward rather than import one.' }),
  exported: field.bool({ default: true, description: 'Return the url (and barcode) of a generated key.' }),
  key_size: field.int({ default: 20, description: 'Size in bytes of a generated key.' }),
  key: field.string({ sensitive: true, description: 'Base32 shared secret to import.' }),
  url: field.string({ sensitive: true, description: 'otpauth:// URL to import.' }),
  issuer: field.string({ description: 'Issuing organization (required to generate).' }),
  account_name: field.string({ description: 'Account name (required to generate).' }),
  period: field.durationSecond({ default: 30, description: 'Length of a code period.' }),
  algorithm: field.string({ default: 'SHA1', description: 'SHA1, SHA256 or SHA512.' }),
  digits: field.int({ default: 6, description: '6 or 8.' }),
  skew: field.int({ default: 1, description: 'Periods either side accepted on validation: 0 or 1.' }),
  qr_size: field.int({ default: 200, description: 'QR code size in pixels; 0 returns no barcode.' }),
};

type KeyData = FieldData<typeof keyFields>;

/** Reads the request the way Vault does: a url's parameters override the fields. */
function settings(d: KeyData) {
  let { issuer, accountName, key, period, digits, algorithm } = {
    issuer: d.get('issuer'),
    accountName: d.get('account_name'),
    key: d.get('key'),
    period: d.get('period'),
    digits: d.get('digits'),
    algorithm: d.get('algorithm'),
  };
  const url = d.get('url');
  if (d.get('generate')) {
    if (key !== '') throw badRequest('a key should not be passed if generate is true');
    if (url !== '') throw badRequest('a url should not be passed if generate is true');
  }
  if (url !== '') {
    let parts;
    try {
      parts = parseKeyUrl(url);
    } catch {
      throw badRequest('an error occurred while parsing url string');
    }
    issuer = parts.issuer || issuer;
    accountName = parts.accountName;
    key = parts.secret;
    if (parts.period !== '') {
      if (!/^[-+]?\d+$/.test(parts.period)) throw badRequest('an error occurred while parsing period value in url');
      period = Number(parts.period);
    }
    if (parts.digits !== '') {
      if (!/^[-+]?\d+$/.test(parts.digits)) throw badRequest('an error occurred while parsing digits value in url');
      digits = Number(parts.digits);
    }
    if (parts.algorithm !== '') algorithm = parts.algorithm;
  }
  if (digits !== 6 && digits !== 8) throw badRequest('the digits value can only be 6 or 8');
  if (!ALGORITHMS.includes(algorithm as Algorithm)) throw badRequest('the algorithm value is not valid');
  if (period <= 0) throw badRequest('the period value must be greater than zero');
  const skew = d.get('skew');
  if (skew !== 0 && skew !== 1) throw badRequest('the skew value must be 0 or 1');
  if (d.get('qr_size') < 0) throw badRequest('the qr_size value must be greater than or equal to zero');
  if (d.get('key_size') <= 0) throw badRequest('the key_size value must be greater than zero');
  return { issuer, accountName, key, period, digits, algorithm: algorithm as Algorithm, skew };
}

/** Vault fails the request (before storing) when the image cannot hold the code; here a 400. */
function barcode(url: string, size: number): string {
  try {
    return qrBarcode(url, size);
  } catch (e) {
    if (e instanceof BarcodeTooSmall) throw badRequest(`failed to generate QR code image: ${e.message}`);
    throw e;
  }
}

async function create(req: LogicalRequest, d: KeyData): Promise<LogicalResponse | null> {
  const s = settings(d);
  let response: LogicalResponse | null = null;
  let secret = s.key;
  if (d.get('generate')) {
    if (s.accountName === '') throw badRequest('the account_name value is required for generated keys');
    if (s.issuer === '') throw badRequest('the issuer value is required for generated keys');
    // Not a Vault limit: a bound so one request cannot ask for gigabytes of randomness.
    if (d.get('key_size') > 1024) throw badRequest('the key_size value must be at most 1024');
    // Likewise: a 100000-pixel square image would be ten gigabytes of memory.
    if (d.get('qr_size') > 4096) throw badRequest('the qr_size value must be at most 4096');
    secret = base32Encode(randomBytes(d.get('key_size')));
    if (d.get('exported')) {
      const url = keyUrl({ issuer: s.issuer, accountName: s.accountName, secret, period: s.period, digits: s.digits, algorithm: s.algorithm });
      response = { data: d.get('qr_size') === 0 ? { url } : { url, barcode: barcode(url, d.get('qr_size')) } };
    }
  } else {
    if (secret === '') throw badRequest('the key value is required');
    if (secret.length % 8 !== 0) secret += '='.repeat(8 - (secret.length % 8));
    try {
      base32Decode(secret);
    } catch (e) {
      throw badRequest(`invalid key value: ${(e as Error).message}`);
    }
  }
  await writeKey(req.storage, d.get('name'), {
    key: secret,
    issuer: s.issuer,
    account_name: s.accountName,
    period: s.period,
    algorithm: s.algorithm,
    digits: s.digits,
    skew: s.skew,
  });
  return response;
}

export function keyPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'keys/?',
      fields: {},
      synopsis: 'List the TOTP keys.',
      operations: { list: async (req) => ({ data: { keys: await listKeys(req.storage) } }) },
    }),
    definePath({
      pattern: `keys/${keyName}`,
      fields: keyFields,
      synopsis: 'Create, read and delete TOTP keys.',
      operations: {
        async read(req, d) {
          const k = await readKey(req.storage, d.get('name'));
          if (!k) return null;
          return { data: { issuer: k.issuer, account_name: k.account_name, period: k.period, algorithm: k.algorithm, digits: k.digits } };
        },
        update: create,
        async delete(req, d) {
          await deleteKey(req.storage, d.get('name'));
          return null;
        },
      },
    }),
  ];
}
