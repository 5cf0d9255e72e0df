/**
 * Where signing keys come from (static PEM keys, a JWKS URL, or OIDC discovery) and
 * signature verification with jose. Remote key sets are cached per mount and fetched
 * again once when a token names a `kid` the cache does not hold (the issuer rotated);
 * concurrent logins share one fetch, so a burst of tokens with a new kid costs one
 * request to the issuer. A refetch that did not bring the kid stops refetches for an
 * interval (lib/refetch-gate.ts): made-up kids must not become requests to the issuer.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, type CryptoKey, type JSONWebKeySet } from 'jose';
import { RefetchGate } from '../../lib/refetch-gate.js';
import { fetchJson } from './fetch-json.js';

export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

export interface KeySource {
  pubkeys: string[];
  jwksUrl: string;
  jwksCaPem: string;
  discoveryUrl: string;
  discoveryCaPem: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** Public keys of PEM blocks (keys or certificates); throws on anything else. */
export function parsePublicKeys(pem: string): KeyObject[] {
  const out: KeyObject[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (m[1] === 'CERTIFICATE') out.push(new X509Certificate(m[0]).publicKey);
    else if (m[1] === 'PUBLIC KEY' || m[1] === 'RSA PUBLIC KEY') out.push(createPublicKey(m[0]));
    else throw new Error(`unsupported PEM block "${m[1] ?? ''}"`);
  }
  if (out.length === 0) throw new Error('no public key found');
  return out;
}

/** The discovery document's issuer must be the URL it was fetched for (OIDC Discovery §4.3). */
export async function discover(url: string, caPem: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const base = url.replace(/\/+$/, '');
  const r = await fetchJson(`${base}/.well-known/openid-configuration`, { caPem, timeoutMs });
  if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) throw new Error(`discovery document: status ${r.status}`);
  const doc = r.body as Record<string, unknown>;
  if (typeof doc['issuer'] !== 'string' || doc['issuer'].replace(/\/+$/, '') !== base) {
    throw new Error(`issuer did not match the issuer returned by provider, expected "${url}" got "${String(doc['issuer'])}"`);
  }
  if (typeof doc['jwks_uri'] !== 'string') throw new Error('discovery document has no jwks_uri');
  return doc;
}

async function fetchJwks(url: string, caPem: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const r = await fetchJson(url, { caPem, timeoutMs });
  const keys = (r.body as { keys?: unknown } | null)?.keys;
  if (r.status !== 200 || !Array.isArray(keys)) throw new Error(`JWKS: status ${r.status}, no "keys" list`);
  return r.body as JSONWebKeySet;
}

/**
 * The claims of a verified JWS. jose's JWT claim checks are not used: the time claims are
 * checked afterwards with Vault's leeways and texts.
 */
function payloadOf(r: { payload: Uint8Array }): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(r.payload));
  } catch {
    throw new Error('token payload is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('token payload is not a JSON object');
  return v as Record<string, unknown>;
}

/**
 * Verifies against a key set. A token without a `kid` may match several keys of its
 * type; each is tried in turn (jose hands them over instead of choosing).
 */
async function verifyWithSet(token: string, jwks: JSONWebKeySet, algorithms: string[]): Promise<Record<string, unknown>> {
  try {
    return payloadOf(await compactVerify(token, createLocalJWKSet(jwks), { algorithms }));
  } catch (e) {
    if (!(e instanceof joseErrors.JWKSMultipleMatchingKeys)) throw e;
    for await (const key of e as unknown as AsyncIterable<CryptoKey>) {
      try {
        return payloadOf(await compactVerify(token, key, { algorithms }));
      } catch {
        // the next candidate
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}

const sourceKey = (s: KeySource): string => JSON.stringify([s.jwksUrl, s.jwksCaPem, s.discoveryUrl, s.discoveryCaPem]);

/** One mount's cache of its remote key set. */
export class KeySetCache {
  private key = '';
  private jwks: JSONWebKeySet | null = null;
  private inflight: Promise<JSONWebKeySet> | null = null;
  private doc: Record<string, unknown> | null = null;
  /** Unknown kids whose refetch found nothing, per key source. */
  private readonly refetches = new RefetchGate();

  constructor(
    private readonly timeoutMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Fetches the remote key set now (config writes check the source this way). */
  async load(s: KeySource): Promise<JSONWebKeySet> {
    const k = sourceKey(s);
    if (this.inflight && this.key === k) return this.inflight;
    if (this.key !== k) {
      // A new source: nothing cached for the old one may answer for it, even if this fetch fails.
      this.doc = null;
      this.jwks = null;
    }
    this.key = k;
    // One deadline for the whole load (discovery then JWKS), so a slow issuer holds a
    // login or a config write for at most timeoutMs.
    const deadline = Date.now() + this.timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const p = (async () => {
      if (s.jwksUrl !== '') return fetchJwks(s.jwksUrl, s.jwksCaPem, left());
      const doc = await discover(s.discoveryUrl, s.discoveryCaPem, left());
      this.doc = doc;
      return fetchJwks(doc['jwks_uri'] as string, s.discoveryCaPem, left());
    })();
    this.inflight = p;
    try {
      this.jwks = await p;
      return this.jwks;
    } finally {
      if (this.inflight === p) this.inflight = null;
    }
  }

  /**
   * The discovery document (endpoints of the browser flow), from the cache the key set
   * shares; fetched again whenever the key set is.
   */
  async discovery(s: KeySource): Promise<Record<string, unknown>> {
    if (this.doc && this.key === sourceKey(s) && this.doc['issuer'] !== undefined) return this.doc;
    await this.load(s);
    if (!this.doc) throw new Error('no discovery document');
    return this.doc;
  }

  private async current(s: KeySource): Promise<JSONWebKeySet> {
    if (this.jwks && this.key === sourceKey(s)) return this.jwks;
    return this.load(s);
  }

  /** Verified payload, or an Error with the validator's wording. */
  async verify(token: string, s: KeySource, algorithms: string[]): Promise<Record<string, unknown>> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new Error('error verifying token signature: malformed jwt');
    }
    // `none` and HS* never verify against public keys; refusing them before any key is
    // tried also keeps an HMAC-with-the-public-key confusion impossible.
    if (typeof alg !== 'string' || !algorithms.includes(alg)) throw new Error('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
    if (s.pubkeys.length > 0) return this.verifyStatic(token, s.pubkeys, algorithms);
    const fetchFailed = (e: Error): never => {
      throw new Error(`error verifying token signature: fetching keys failed: ${e.message}`);
    };
    const used = await this.current(s).catch(fetchFailed);
    try {
      return await verifyWithSet(token, used, algorithms);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey)) throw new Error('error verifying token signature: failed to verify id token signature');
    }
    const failed = (): never => {
      throw new Error('error verifying token signature: failed to verify id token signature');
    };
    // Another login may already have refetched since this one looked: use that set
    // rather than asking the issuer again; a refetch in flight is joined.
    const k = sourceKey(s);
    const fresher = this.jwks !== used && this.key === k && !this.inflight ? this.jwks : null;
    let jwks: JSONWebKeySet;
    if (fresher) jwks = fresher;
    else if (this.inflight && this.key === k) jwks = await this.inflight.catch(fetchFailed);
    else if (!this.refetches.allowed(k, this.nowMs())) return failed();
    else {
      // Closed while this refetch runs; reopened if it brings a key for the token.
      this.refetches.missed(k, this.nowMs());
      jwks = await this.load(s).catch(fetchFailed);
    }
    try {
      const payload = await verifyWithSet(token, jwks, algorithms);
      this.refetches.found(k);
      return payload;
    } catch {
      return failed();
    }
  }

  private async verifyStatic(token: string, pems: string[], algorithms: string[]): Promise<Record<string, unknown>> {
    for (const pem of pems) {
      for (const key of parsePublicKeys(pem)) {
        try {
          return payloadOf(await compactVerify(token, key, { algorithms }));
        } catch {
          // Try the next key; the claims checks come afterwards with Vault's leeways.
        }
      }
    }
    throw new Error('error verifying token signature: no known key successfully validated the token signature');
  }
}
