/**
 * Hash algorithm names on the wire and their node:crypto names, plus the DER
 * DigestInfo prefixes PKCS#1 v1.5 signatures of prehashed input need.
 */
import { badRequest } from '../../sdk/errors.js';
import { HASH_ALGORITHMS } from '../../sdk/helpers/tools.js';

/** The algorithms transit/hmac and transit/hash accept (no SHA-1): the same as sys/tools/hash. */
export const DIGESTS: Readonly<Record<string, string>> = HASH_ALGORITHMS;

/** Signatures also accept SHA-1. */
export const HASHES: Readonly<Record<string, string>> = { sha1: 'sha1', ...HASH_ALGORITHMS };

/** node:crypto digest name for a wire name; 400 when unknown. */
export function nodeHash(wire: string, table: Readonly<Record<string, string>> = HASHES): string {
  const h = table[wire];
  if (h === undefined) throw badRequest(`unsupported hash algorithm ${wire}`);
  return h;
}

/** Digest output lengths in bytes, by node name. */
export const DIGEST_BYTES: Readonly<Record<string, number>> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
  'sha3-224': 28,
  'sha3-256': 32,
  'sha3-384': 48,
  'sha3-512': 64,
};

/** DER of DigestInfo up to the digest bytes (RFC 8017 §9.2 note 1), by node name. */
export const DIGEST_INFO_PREFIX: Readonly<Record<string, Buffer>> = {
  sha1: Buffer.from('3021300906052b0e03021a05000414', 'hex'),
  sha224: Buffer.from('302d300d06096086480165030402040500041c', 'hex'),
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
  'sha3-224': Buffer.from('302d300d06096086480165030402070500041c', 'hex'),
  'sha3-256': Buffer.from('3031300d060960864801650304020805000420', 'hex'),
  'sha3-384': Buffer.from('3041300d060960864801650304020905000430', 'hex'),
  'sha3-512': Buffer.from('3051300d060960864801650304020a05000440', 'hex'),
};
