/**
 * Private keys as OpenSSH and Vault hand them around: PEM (PKCS#1, SEC1, PKCS#8) through
 * node:crypto, and the unencrypted `openssh-key-v1` format (what `ssh-keygen` writes by
 * default and what Vault stores for Ed25519) written and read here.
 */
import { createPrivateKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { jwkCurve, publicBlobOf } from './keys.js';
import { WireReader, WireWriter } from './wire.js';

const MAGIC = Buffer.from('openssh-key-v1\0', 'binary');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

const b64u = (b: Buffer): string => b.toString('base64url');
const big = (b: Buffer): bigint => (b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`));
const unbig = (n: bigint): Buffer => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};

/** Writes an Ed25519 key in openssh-key-v1 (the format `ssh` and `ssh-keygen` read). */
export function encodeOpenSshEd25519(priv: KeyObject, comment = ''): string {
  const jwk = priv.export({ format: 'jwk' }) as JsonWebKey;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new Error('not an Ed25519 private key');
  const pk = Buffer.from(jwk.x, 'base64url');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = publicBlobOf(priv).blob;
  const check = randomBytes(4).readUInt32BE();
  const inner = new WireWriter().uint32(check).uint32(check).string('ssh-ed25519').string(pk).string(Buffer.concat([seed, pk])).string(comment);
  let body = inner.bytes();
  const pad: number[] = [];
  for (let i = 1; (body.length + pad.length) % 8 !== 0; i++) pad.push(i);
  body = Buffer.concat([body, Buffer.from(pad)]);
  const all = new WireWriter().raw(MAGIC).string('none').string('none').string('').uint32(1).string(pub).string(body).bytes();
  const lines = all.toString('base64').match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

function decodeOpenSsh(pem: string): KeyObject {
  const b64 = pem.slice(pem.indexOf(BEGIN) + BEGIN.length, pem.indexOf(END)).replace(/\s+/g, '');
  const all = Buffer.from(b64, 'base64');
  if (!all.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an openssh-key-v1 key');
  const r = new WireReader(all.subarray(MAGIC.length));
  const cipher = r.text();
  r.text();
  r.string();
  if (cipher !== 'none') throw new Error('encrypted private keys are not supported; decrypt it first (ssh-keygen -p)');
  if (r.uint32() !== 1) throw new Error('exactly one key expected');
  r.string();
  const p = new WireReader(r.string());
  if (p.uint32() !== p.uint32()) throw new Error('corrupt private key (check bytes differ)');
  const type = p.text();
  let jwk: JsonWebKey;
  if (type === 'ssh-ed25519') {
    const pk = p.string();
    const sk = p.string();
    if (pk.length !== 32 || sk.length !== 64) throw new Error('bad Ed25519 key lengths');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(pk), d: b64u(sk.subarray(0, 32)) };
  } else if (type === 'ssh-rsa') {
    const [n, e, d, iqmp, pp, q] = [p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint(), p.mpint()];
    const D = big(d);
    jwk = { kty: 'RSA', n: b64u(n), e: b64u(e), d: b64u(d), p: b64u(pp), q: b64u(q), qi: b64u(iqmp), dp: b64u(unbig(D % (big(pp) - 1n))), dq: b64u(unbig(D % (big(q) - 1n))) };
  } else if (type.startsWith('ecdsa-sha2-')) {
    const crv = jwkCurve(p.text());
    const point = p.string();
    const d = p.mpint();
    if (!crv || point[0] !== 4) throw new Error(`unsupported ECDSA key ${type}`);
    const size = (point.length - 1) / 2;
    const dPadded = Buffer.concat([Buffer.alloc(Math.max(0, size - d.length)), d]);
    jwk = { kty: 'EC', crv, x: b64u(point.subarray(1, 1 + size)), y: b64u(point.subarray(1 + size)), d: b64u(dPadded) };
  } else {
    throw new Error(`unsupported key type ${JSON.stringify(type.slice(0, 40))}`);
  }
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

/** Reads a private key in any of the forms above; throws with a reason that never quotes the key. */
export function parsePrivateKey(text: string): KeyObject {
  if (text.includes(BEGIN)) return decodeOpenSsh(text);
  try {
    return createPrivateKey(text);
  } catch {
    throw new Error('ssh: no key found');
  }
}

/** The PEM (or openssh-key-v1 for Ed25519) text Vault returns for a key of this kind. */
export function privateKeyText(priv: KeyObject): string {
  if (priv.asymmetricKeyType === 'ed25519') return encodeOpenSshEd25519(priv);
  if (priv.asymmetricKeyType === 'rsa') return priv.export({ format: 'pem', type: 'pkcs1' }).toString();
  return priv.export({ format: 'pem', type: 'sec1' }).toString();
}
