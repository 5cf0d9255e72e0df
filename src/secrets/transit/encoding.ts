/**
 * Wire encodings shared by the transit paths: strict base64 for client input and the
 * `vault:v<N>:<base64>` envelope that ciphertexts, HMACs and signatures travel in.
 */
import { badRequest } from '../../sdk/errors.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_RAW = /^[A-Za-z0-9_-]*$/;

export const PREFIX = 'vault:';

/** Decodes standard, padded base64 as Go's StdEncoding does (Node's decoder is too lenient). */
export function decodeBase64(value: string, what: string): Buffer {
  if (!BASE64.test(value)) throw badRequest(`failed to base64-decode ${what}`);
  return Buffer.from(value, 'base64');
}

/** Like decodeBase64, but an absent or empty value is an empty buffer. */
export function optionalBase64(value: string | undefined, what: string): Buffer {
  return value === undefined || value === '' ? Buffer.alloc(0) : decodeBase64(value, what);
}

export function formatVersioned(version: number, body: Buffer, urlSafe = false): string {
  return `${PREFIX}v${version}:${urlSafe ? body.toString('base64url') : body.toString('base64')}`;
}

export type VersionedKind = 'ciphertext' | 'signature' | 'hmac';

export interface Versioned {
  version: number;
  body: Buffer;
}

/**
 * Splits `vault:vN:payload`. Version 0 is read as 1 (very old ciphertexts carried it).
 * `urlSafe` accepts unpadded base64url (JWS-marshaled ECDSA signatures).
 */
export function parseVersioned(value: string, kind: VersionedKind, urlSafe = false): Versioned {
  if (!value.startsWith(PREFIX)) throw badRequest(`invalid ${kind}: no prefix`);
  const rest = value.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon === -1) throw badRequest(`invalid ${kind}: wrong number of fields`);
  const tag = rest.slice(0, colon);
  if (!/^v\d{1,9}$/.test(tag)) throw badRequest(`invalid ${kind}: version number could not be decoded`);
  const version = Math.max(1, Number.parseInt(tag.slice(1), 10));
  const payload = rest.slice(colon + 1);
  if (urlSafe ? !BASE64URL_RAW.test(payload) : !BASE64.test(payload)) throw badRequest(`invalid ${kind}: could not decode base64`);
  return { version, body: Buffer.from(payload, urlSafe ? 'base64url' : 'base64') };
}
