/**
 * `sign/:name[/:hash_algorithm]`: sign base64 input with an asymmetric key. The
 * option fields and their parsing are shared with verify.
 */
import { badRequest, internalError } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { batchItems, runBatch } from './batch.js';
import { requireKey, SIGNING_KEY_NOT_FOUND, type TransitContext } from './context.js';
import { signWith, type SignOptions } from './crypto-sign.js';
import { decodeBase64, formatVersioned } from './encoding.js';
import type { Policy } from './policy.js';

/** Options shared by sign and verify. */
export const signOptionFields = {
  name: field.string({ description: 'Name of the key.', required: true }),
  urlalgorithm: field.string({ description: 'Hash algorithm, given in the URL.' }),
  hash_algorithm: field.string({ description: 'sha1, sha2-224/256/384/512, sha3-224/256/384/512 or none (RSA PKCS#1 v1.5).' }),
  algorithm: field.string({ description: 'Deprecated alias of hash_algorithm.' }),
  prehashed: field.bool({ description: 'Input is already a digest (RSA PKCS#1 v1.5 only).' }),
  signature_algorithm: field.string({ description: 'RSA padding: pss (default) or pkcs1v15.' }),
  marshaling_algorithm: field.string({ description: 'ECDSA encoding: asn1 (default) or jws.', default: 'asn1' }),
  salt_length: field.string({ description: 'PSS salt length: auto (default), hash, or a byte count.', default: 'auto' }),
  batch_input: field.raw({ description: 'List of items.' }),
  partial_failure_response_code: field.int({ description: 'Status for a batch where only some items failed.' }),
};

export function signOptions(d: FieldData<typeof signOptionFields>): SignOptions {
  const sigAlg = d.get('signature_algorithm') || 'pss';
  if (sigAlg !== 'pss' && sigAlg !== 'pkcs1v15') throw badRequest(`unsupported signature algorithm ${sigAlg}`);
  const marshaling = d.get('marshaling_algorithm') || 'asn1';
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw badRequest(`unsupported marshaling algorithm ${marshaling}`);
  return {
    hashAlgorithm: d.get('urlalgorithm') || d.get('hash_algorithm') || d.get('algorithm') || 'sha2-256',
    prehashed: d.get('prehashed'),
    signatureAlgorithm: sigAlg,
    marshaling,
    saltLength: d.get('salt_length'),
  };
}

const signItemFields = {
  input: field.string({ description: 'Base64 input.' }),
  key_version: field.int({ description: 'Key version; latest when 0.' }),
  context: field.string({ description: 'Base64 context (derived keys).' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

function signOne(p: Policy, o: SignOptions, d: FieldData<typeof signItemFields>): Record<string, unknown> {
  if (!d.has('input')) throw badRequest('missing input to sign');
  const input = decodeBase64(d.get('input'), 'input');
  const v = p.useVersion(d.get('key_version'), 'signing');
  if (!v.privateKey) throw internalError('transit key version lacks a private key');
  const sig = signWith(p.type, v.privateKey, input, o);
  return { signature: formatVersioned(v.version, sig, o.marshaling === 'jws'), key_version: v.version };
}

export function signPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `sign/${genericName('name')}(?:/(?<urlalgorithm>[\\w-]+))?`,
    fields: { ...signOptionFields, ...signItemFields },
    synopsis: 'Sign input with a named asymmetric key.',
    operations: {
      async update(req, d) {
        const o = signOptions(d);
        const items = batchItems(d.opt('batch_input'));
        const p = await requireKey(ctx, req, d.get('name'), SIGNING_KEY_NOT_FOUND);
        if (!p.info.supportsSigning) throw badRequest(`key type ${p.type} does not support signing`);
        if (!items) return { data: signOne(p, o, d) };
        return runBatch(items, signItemFields, async (item) => signOne(p, o, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
