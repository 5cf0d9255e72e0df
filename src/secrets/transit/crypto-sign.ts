/**
 * Signatures for transit: ed25519 (over the raw input), ECDSA (ASN.1 DER or JWS
 * r‖s marshaling) and RSA (PSS or PKCS#1 v1.5, including prehashed and hash "none"
 * input for v1.5). node:crypto cannot sign a caller-supplied digest with ECDSA or PSS,
 * so `prehashed` is refused for those with a clear 400.
 */
import { constants, privateEncrypt, publicDecrypt, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { DIGEST_BYTES, DIGEST_INFO_PREFIX, nodeHash } from './hashes.js';
import { KEY_TYPE_INFO, type KeyType } from './key-types.js';

export interface SignOptions {
  /** Wire hash name (`sha2-256`, …, or `none`). */
  hashAlgorithm: string;
  prehashed: boolean;
  signatureAlgorithm: 'pss' | 'pkcs1v15';
  marshaling: 'asn1' | 'jws';
  /** `auto`, `hash`, or a byte count (PSS only). */
  saltLength: string;
}

function pssSalt(raw: string, signing: boolean): number {
  if (raw === '' || raw === 'auto') return signing ? constants.RSA_PSS_SALTLEN_MAX_SIGN : constants.RSA_PSS_SALTLEN_AUTO;
  if (raw === 'hash') return constants.RSA_PSS_SALTLEN_DIGEST;
  if (!/^\d+$/.test(raw)) throw badRequest(`salt length must be "auto", "hash" or a non-negative integer, got "${raw}"`);
  return Number.parseInt(raw, 10);
}

/** The PKCS#1 v1.5 payload for prehashed or hash-"none" input (the rest of the padding is OpenSSL's). */
function pkcs1Payload(input: Buffer, o: SignOptions): Buffer {
  if (o.hashAlgorithm === 'none') return input;
  const h = nodeHash(o.hashAlgorithm);
  if (input.length !== DIGEST_BYTES[h]) throw badRequest(`prehashed input must be ${DIGEST_BYTES[h]} bytes for ${o.hashAlgorithm}`);
  return Buffer.concat([DIGEST_INFO_PREFIX[h] ?? Buffer.alloc(0), input]);
}

function rawRsa(o: SignOptions): boolean {
  if (o.hashAlgorithm === 'none' && o.signatureAlgorithm !== 'pkcs1v15') throw badRequest('hash_algorithm=none requires signature_algorithm=pkcs1v15');
  if (o.prehashed && o.signatureAlgorithm === 'pss') throw badRequest('prehashed input is not supported with signature_algorithm=pss');
  return o.signatureAlgorithm === 'pkcs1v15' && (o.prehashed || o.hashAlgorithm === 'none');
}

function ecdsaHash(o: SignOptions): string {
  if (o.prehashed) throw badRequest('prehashed input is not supported for ecdsa keys');
  if (o.hashAlgorithm === 'none') throw badRequest('hash_algorithm=none is not supported for ecdsa keys');
  return nodeHash(o.hashAlgorithm);
}

export function signWith(type: KeyType, key: KeyObject, input: Buffer, o: SignOptions): Buffer {
  switch (KEY_TYPE_INFO[type].family) {
    case 'ed25519':
      return sign(null, input, key);
    case 'ecdsa':
      return sign(ecdsaHash(o), input, { key, dsaEncoding: o.marshaling === 'jws' ? 'ieee-p1363' : 'der' });
    case 'rsa':
      if (rawRsa(o)) return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, pkcs1Payload(input, o));
      return sign(nodeHash(o.hashAlgorithm), input, {
        key,
        padding: o.signatureAlgorithm === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
        ...(o.signatureAlgorithm === 'pss' ? { saltLength: pssSalt(o.saltLength, true) } : {}),
      });
    default:
      throw badRequest(`key type ${type} does not support signing`);
  }
}

export function verifyWith(type: KeyType, key: KeyObject, input: Buffer, signature: Buffer, o: SignOptions): boolean {
  switch (KEY_TYPE_INFO[type].family) {
    case 'ed25519':
      return verify(null, input, key, signature);
    case 'ecdsa':
      return verify(ecdsaHash(o), input, { key, dsaEncoding: o.marshaling === 'jws' ? 'ieee-p1363' : 'der' }, signature);
    case 'rsa': {
      if (rawRsa(o)) {
        const expected = pkcs1Payload(input, o);
        let recovered: Buffer;
        try {
          recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
        } catch {
          return false;
        }
        return recovered.length === expected.length && timingSafeEqual(recovered, expected);
      }
      return verify(
        nodeHash(o.hashAlgorithm),
        input,
        {
          key,
          padding: o.signatureAlgorithm === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
          ...(o.signatureAlgorithm === 'pss' ? { saltLength: pssSalt(o.saltLength, false) } : {}),
        },
        signature,
      );
    }
    default:
      throw badRequest(`key type ${type} does not support verification`);
  }
}
