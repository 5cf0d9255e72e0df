/**
 * Named signing keys for identity tokens (identity/oidc/key/:name). Each holds its current
 * private key and the public halves of rotated-out keys until their verification_ttl ends,
 * so tokens signed before a rotation still verify against the published JWKS. Rotation is
 * due `rotation_period` after the last one and happens lazily, on the next use of the key.
 */
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { getJSON, listRecursive, putJSON, type Storage } from '../../sdk/storage.js';

export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface NamedKey {
  name: string;
  algorithm: Algorithm;
  /** Seconds. */
  rotationPeriod: number;
  verificationTtl: number;
  allowedClientIds: string[];
  signing: { kid: string; privateJwk: JWK; publicJwk: JWK };
  /** Public keys of earlier signing keys, kept until `expireAt` (epoch ms). */
  verification: { kid: string; publicJwk: JWK; expireAt: number }[];
  /** Epoch ms. */
  nextRotation: number;
}

const KEY = 'oidc/key/';

export async function newSigningKey(algorithm: Algorithm): Promise<NamedKey['signing']> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: algorithm }, publicJwk };
}

export const readKey = (s: Storage, name: string): Promise<NamedKey | null> => getJSON<NamedKey>(s, KEY + name);
export const writeKey = (s: Storage, k: NamedKey): Promise<void> => putJSON(s, KEY + k.name, k);
export const deleteKey = (s: Storage, name: string): Promise<void> => s.delete(KEY + name);
export const listKeys = async (s: Storage): Promise<string[]> => (await listRecursive(s, KEY)).map((k) => k.slice(KEY.length)).sort();

/**
 * The `default` key: Vault writes its configuration when the identity store starts and
 * makes its key material on first use. Here it is virtual until first used (so reading
 * it needs no write and a standby serves it too): listed and read with these settings.
 */
export const DEFAULT_KEY = 'default';
const DAY = 86_400;
export const DEFAULT_KEY_SETTINGS = { algorithm: 'RS256', rotationPeriod: DAY, verificationTtl: DAY, allowedClientIds: ['*'] } as const;

/** The key names LIST shows: the stored ones and `default`. */
export const listKeyNames = async (s: Storage): Promise<string[]> => [...new Set([...(await listKeys(s)), DEFAULT_KEY])].sort();

/** The `default` key, written with fresh key material if it was still virtual. Call under the store's lock. */
export async function ensureDefaultKey(s: Storage, now: number): Promise<NamedKey> {
  const stored = await readKey(s, DEFAULT_KEY);
  if (stored) return stored;
  const d = DEFAULT_KEY_SETTINGS;
  const k: NamedKey = { name: DEFAULT_KEY, algorithm: d.algorithm, rotationPeriod: d.rotationPeriod, verificationTtl: d.verificationTtl, allowedClientIds: [...d.allowedClientIds], signing: await newSigningKey(d.algorithm), verification: [], nextRotation: now + d.rotationPeriod * 1000 };
  await writeKey(s, k);
  return k;
}

/** Replaces the signing key; the old public key verifies for `verificationTtl` more seconds. */
export async function rotate(k: NamedKey, now: number, verificationTtl = k.verificationTtl): Promise<NamedKey> {
  const verification = [...k.verification.filter((v) => v.expireAt > now), { kid: k.signing.kid, publicJwk: k.signing.publicJwk, expireAt: now + verificationTtl * 1000 }];
  return { ...k, signing: await newSigningKey(k.algorithm), verification, nextRotation: now + k.rotationPeriod * 1000 };
}

/** The key, rotated and stored first when its rotation is due. */
export async function current(s: Storage, k: NamedKey, now: number): Promise<NamedKey> {
  if (now < k.nextRotation) return k;
  const next = await rotate(k, now);
  await writeKey(s, next);
  return next;
}

/** Every public key a verifier may need: each key's current one and its unexpired predecessors. */
export function publicKeys(keys: NamedKey[], now: number): JWK[] {
  return keys.flatMap((k) => [k.signing.publicJwk, ...k.verification.filter((v) => v.expireAt > now).map((v) => v.publicJwk)]);
}

/**
 * The JWKS answer's Cache-Control, as Vault's: with keys published, they may be cached
 * until the soonest rotation is due (Vault: its next rotation run); none otherwise.
 */
export function jwksCacheControl(keys: NamedKey[], now: number): string | undefined {
  if (keys.length === 0) return undefined;
  const soonest = Math.min(...keys.map((k) => k.nextRotation));
  return soonest > now ? `max-age=${Math.round((soonest - now) / 1000)}` : undefined;
}
