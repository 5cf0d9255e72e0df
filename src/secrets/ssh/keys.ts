/**
 * SSH public keys and signatures over node:crypto keys: the authorized_keys text form,
 * the wire blob a certificate embeds, and the signature formats of RFC 8332 (RSA with
 * SHA-2), RFC 5656 (ECDSA) and RFC 8709 (Ed25519).
 */
import { createPublicKey, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { WireReader, WireWriter } from './wire.js';

export type KeyKind = 'rsa' | 'ecdsa' | 'ed25519';

export interface SshPublicKey {
  /** The key's algorithm name, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`. */
  type: string;
  kind: KeyKind;
  /** RSA modulus bits, the curve's bits, or 256 for Ed25519. */
  bits: number;
  /** The whole wire blob (type string included). */
  blob: Buffer;
}

const CURVES: Record<string, { ssh: string; bits: number; hash: string; jwk: string }> = {
  nistp256: { ssh: 'nistp256', bits: 256, hash: 'sha256', jwk: 'P-256' },
  nistp384: { ssh: 'nistp384', bits: 384, hash: 'sha384', jwk: 'P-384' },
  nistp521: { ssh: 'nistp521', bits: 521, hash: 'sha512', jwk: 'P-521' },
};
const CURVE_BY_JWK: Record<string, string> = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' };

const b64u = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');
const bitLen = (b: Buffer): number => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
};

/** Parses a wire blob, checking every field is there and nothing trails. */
export function parsePublicBlob(blob: Buffer): SshPublicKey {
  const r = new WireReader(blob);
  const type = r.text();
  let out: SshPublicKey;
  if (type === 'ssh-ed25519') {
    if (r.string().length !== 32) throw new Error('ed25519 public key must be 32 bytes');
    out = { type, kind: 'ed25519', bits: 256, blob };
  } else if (type === 'ssh-rsa') {
    r.mpint();
    const n = r.mpint();
    out = { type, kind: 'rsa', bits: bitLen(n), blob };
  } else if (type.startsWith('ecdsa-sha2-')) {
    const curve = CURVES[r.text()];
    if (!curve || type !== `ecdsa-sha2-${curve.ssh}`) throw new Error(`unsupported ECDSA curve in ${type}`);
    const q = r.string();
    if (q[0] !== 4 || q.length !== 1 + 2 * Math.ceil(curve.bits / 8)) throw new Error(`ECDSA point is not an uncompressed ${curve.ssh} point`);
    out = { type, kind: 'ecdsa', bits: curve.bits, blob };
  } else {
    throw new Error(`unsupported key type ${JSON.stringify(type.slice(0, 40))}`);
  }
  if (!r.done) throw new Error('trailing data after the public key');
  return out;
}

/** Parses an authorized_keys line (`type base64 [comment]`, options before it allowed). */
export function parseAuthorizedKey(text: string): SshPublicKey {
  const words = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < words.length; i++) {
    if (!/^(ssh-|ecdsa-)/.test(words[i]!)) continue;
    const blob = Buffer.from(words[i + 1]!, 'base64');
    const key = parsePublicBlob(blob);
    if (key.type !== words[i]) throw new Error(`key type ${words[i]} does not match the encoded key`);
    return key;
  }
  throw new Error('no key found');
}

export function authorizedKey(blob: Buffer, type = new WireReader(blob).text()): string {
  return `${type} ${blob.toString('base64')}\n`;
}

/** The wire blob of a node:crypto public (or private) key. */
export function publicBlobOf(key: KeyObject): SshPublicKey {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' }) as JsonWebKey;
  const w = new WireWriter();
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') w.string('ssh-ed25519').string(b64u(jwk.x));
  else if (jwk.kty === 'RSA') w.string('ssh-rsa').mpint(b64u(jwk.e)).mpint(b64u(jwk.n));
  else if (jwk.kty === 'EC' && jwk.crv && CURVE_BY_JWK[jwk.crv]) {
    const c = CURVE_BY_JWK[jwk.crv]!;
    w.string(`ecdsa-sha2-${c}`).string(c).string(Buffer.concat([Buffer.from([4]), b64u(jwk.x), b64u(jwk.y)]));
  } else throw new Error(`unsupported key type ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}`);
  return parsePublicBlob(w.bytes());
}

const RSA_HASH: Record<string, string> = { 'ssh-rsa': 'sha1', 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512' };

/**
 * The signature algorithm a CA key signs with. `default` is rsa-sha2-256 for RSA (SHA-1
 * signatures are refused by current OpenSSH) and the key's own algorithm otherwise.
 */
export function signatureAlgorithm(ca: SshPublicKey, algorithmSigner: string): string {
  if (ca.kind !== 'rsa') return ca.type;
  return algorithmSigner === '' || algorithmSigner === 'default' ? 'rsa-sha2-256' : algorithmSigner;
}

/** Signs `data`, returning the SSH signature blob (string algorithm, string signature). */
export function sshSign(priv: KeyObject, ca: SshPublicKey, algorithm: string, data: Buffer): Buffer {
  const w = new WireWriter().string(algorithm);
  if (ca.kind === 'ed25519') return w.string(sign(null, data, priv)).bytes();
  if (ca.kind === 'rsa') {
    const hash = RSA_HASH[algorithm];
    if (!hash) throw new Error(`unsupported RSA signature algorithm ${algorithm}`);
    return w.string(sign(hash, data, priv)).bytes();
  }
  const curve = CURVES[ca.type.replace('ecdsa-sha2-', '')]!;
  const p1363 = sign(curve.hash, data, { key: priv, dsaEncoding: 'ieee-p1363' });
  const half = p1363.length / 2;
  const rs = new WireWriter().mpint(p1363.subarray(0, half)).mpint(p1363.subarray(half)).bytes();
  return w.string(rs).bytes();
}

/** The curve name for a key type (`ecdsa-sha2-nistp256` → `nistp256`); undefined for others. */
export function jwkCurve(sshCurve: string): string | undefined {
  return CURVES[sshCurve]?.jwk;
}
