/**
 * The public key for a JWT's `kid`, found as Vault's gcp method finds it: first among
 * Google's OAuth2 keys (`<api>/oauth2/v3/certs`, which sign metadata-server identity
 * tokens), then among the subject service account's keys
 * (`<api>/service_accounts/v1/metadata/x509/<sub>`, which verify signJwt output). Both are
 * public documents; no Google credential is needed. `api` is `custom_endpoint.api`.
 */
import { importJWK, importX509, type CryptoKey, type JWK } from 'jose';

type KeyLike = CryptoKey;

export const DEFAULT_API_ENDPOINT = 'https://www.googleapis.com';

export class KeyError extends Error {}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

async function googleKey(api: string, kid: string, timeoutMs: number): Promise<KeyLike | Uint8Array | null> {
  const r = await getJson(`${api}/oauth2/v3/certs`, timeoutMs);
  const keys = (r.body as { keys?: JWK[] } | null)?.keys;
  const jwk = r.status === 200 && Array.isArray(keys) ? keys.find((k) => k.kid === kid) : undefined;
  return jwk ? importJWK({ ...jwk, alg: 'RS256' }, 'RS256') : null;
}

async function serviceAccountKey(api: string, sub: string, kid: string, timeoutMs: number): Promise<KeyLike> {
  const r = await getJson(`${api}/service_accounts/v1/metadata/x509/${encodeURIComponent(sub)}`, timeoutMs);
  if (r.status !== 200) throw new KeyError(`service account keys answered ${r.status}`);
  const pem = (r.body as Record<string, unknown> | null)?.[kid];
  if (typeof pem !== 'string') throw new KeyError(`no key with id "${kid}"`);
  return importX509(pem, 'RS256');
}

export async function signingKey(api: string, kid: string, sub: string, timeoutMs: number): Promise<KeyLike | Uint8Array> {
  try {
    const g = await googleKey(api, kid, timeoutMs);
    if (g) return g;
    return await serviceAccountKey(api, sub, kid, timeoutMs);
  } catch (e) {
    const why = e instanceof KeyError ? e.message : e instanceof Error && e.name === 'TimeoutError' ? `no answer from ${api} in time` : `could not reach ${api}: ${(e as Error).message}`;
    throw new KeyError(`unable to get public key "${kid}" for JWT subject "${sub}": ${why}`);
  }
}
