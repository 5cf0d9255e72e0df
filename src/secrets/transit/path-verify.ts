/**
 * `verify/:name[/:hash_algorithm]`: check a signature (asymmetric keys) or an HMAC
 * (any key) over base64 input. A mismatch is `valid: false`, not an error; malformed
 * or policy-disallowed signatures are 400s.
 */
import { timingSafeEqual } from 'node:crypto';
import { badRequest, internalError } from '../../sdk/errors.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { batchItems, runBatch } from './batch.js';
import { requireKey, type TransitContext } from './context.js';
import { verifyWith, type SignOptions } from './crypto-sign.js';
import { decodeBase64, parseVersioned } from './encoding.js';
import { hmacOf } from './path-hmac.js';
import { signOptionFields, signOptions } from './path-sign.js';
import type { Policy } from './policy.js';

const verifyItemFields = {
  input: field.string({ description: 'Base64 input.' }),
  signature: field.string({ description: 'Signature as returned by sign.' }),
  hmac: field.string({ description: 'HMAC as returned by hmac.' }),
  context: field.string({ description: 'Base64 context (derived keys).' }),
  reference: field.string({ description: 'Echoed back in the batch result.' }),
};

function verifyOne(p: Policy, o: SignOptions, d: FieldData<typeof verifyItemFields>): Record<string, unknown> {
  if (!d.has('input')) throw badRequest('missing input to verify');
  const input = decodeBase64(d.get('input'), 'input');
  const sig = d.get('signature');
  const mac = d.get('hmac');
  if (sig !== '' && mac !== '') throw badRequest('provide either signature or hmac, not both');
  if (sig === '' && mac === '') throw badRequest('missing signature or hmac to verify');
  if (mac !== '') {
    const { version, body } = parseVersioned(mac, 'hmac');
    const expected = hmacOf(p.openVersion(version, 'hmac'), o.hashAlgorithm, input);
    return { valid: body.length === expected.length && timingSafeEqual(body, expected) };
  }
  if (!p.info.supportsSigning) throw badRequest(`key type ${p.type} does not support verification`);
  const { version, body } = parseVersioned(sig, 'signature', o.marshaling === 'jws');
  const v = p.openVersion(version, 'signature');
  if (!v.publicKey) throw internalError('transit key version lacks a public key');
  let valid: boolean;
  try {
    valid = verifyWith(p.type, v.publicKey, input, body, o);
  } catch (e) {
    if (e instanceof Error && 'status' in e) throw e;
    valid = false; // OpenSSL rejects some malformed signatures by throwing
  }
  return { valid };
}

export function verifyPath(ctx: TransitContext): PathDef<Fields> {
  return definePath({
    pattern: `verify/${genericName('name')}(?:/(?<urlalgorithm>[\\w-]+))?`,
    fields: { ...signOptionFields, ...verifyItemFields },
    synopsis: 'Verify a signature or HMAC with a named key.',
    operations: {
      async update(req, d) {
        const o = signOptions(d);
        const items = batchItems(d.opt('batch_input'));
        const p = await requireKey(ctx, req, d.get('name'));
        if (!items) return { data: verifyOne(p, o, d) };
        return runBatch(items, verifyItemFields, async (item) => verifyOne(p, o, item), d.opt('partial_failure_response_code'));
      },
    },
  });
}
