/**
 * The provider side of the OIDC authorization-code flow: the authorization URL (state,
 * nonce, PKCE S256, scopes, max_age, response_mode) and the code exchange at the token
 * endpoint with the client secret and PKCE verifier, then the ID token checks OIDC Core
 * §3.1.3.7 asks for (signature, issuer, audience = client_id, nonce, times).
 */
import { checkRegisteredClaims, type Claims } from './claims.js';
import { fetchJson } from './fetch-json.js';
import { SUPPORTED_ALGS, type KeySetCache } from './keyset.js';
import { codeChallenge, type PendingLogin } from './oidc-state.js';
import type { JwtConfig } from './path-config.js';
import type { JwtRole } from './role.js';

export async function authUrl(config: JwtConfig, role: JwtRole, state: string, login: PendingLogin, keys: KeySetCache): Promise<string> {
  const doc = await keys.discovery(config);
  if (typeof doc['authorization_endpoint'] !== 'string') throw new Error('discovery document has no authorization_endpoint');
  const u = new URL(doc['authorization_endpoint']);
  const scopes = ['openid', ...role.oidcScopes.filter((s) => s !== 'openid')];
  const params: Record<string, string> = {
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: login.redirectUri,
    scope: scopes.join(' '),
    state,
    nonce: login.nonce,
    code_challenge: codeChallenge(login.codeVerifier),
    code_challenge_method: 'S256',
  };
  if (config.responseMode === 'form_post') params['response_mode'] = 'form_post';
  if (role.maxAge > 0) params['max_age'] = String(role.maxAge);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** RFC 6749 §2.3.1: client credentials in Basic auth are form-encoded first. */
const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** Exchanges the code and returns the verified ID token's claims (nonce removed, as Vault does). */
export async function exchangeCode(
  config: JwtConfig,
  role: JwtRole,
  login: PendingLogin,
  code: string,
  keys: KeySetCache,
  o: { timeoutMs: number; nowMs: number },
): Promise<Claims> {
  const doc = await keys.discovery(config);
  if (typeof doc['token_endpoint'] !== 'string') throw new Error('discovery document has no token_endpoint');
  const r = await fetchJson(doc['token_endpoint'], {
    caPem: config.discoveryCaPem,
    timeoutMs: o.timeoutMs,
    method: 'POST',
    headers: { Authorization: basic(config.clientId, config.clientSecret) },
    form: { grant_type: 'authorization_code', code, redirect_uri: login.redirectUri, code_verifier: login.codeVerifier },
  });
  const body = (r.body ?? {}) as Record<string, unknown>;
  if (r.status !== 200) {
    const why = typeof body['error'] === 'string' ? body['error'] : `status ${r.status}`;
    throw new Error(`oauth2: cannot fetch token: ${why}`);
  }
  const idToken = body['id_token'];
  if (typeof idToken !== 'string' || idToken === '') throw new Error('id_token is missing from auth code exchange');
  const algs = config.supportedAlgs.length > 0 ? config.supportedAlgs : [...SUPPORTED_ALGS];
  const claims = await keys.verify(idToken, config, algs);
  const issuer = String(doc['issuer']);
  checkRegisteredClaims(claims, {
    issuer: config.boundIssuer !== '' ? config.boundIssuer : issuer,
    subject: '',
    audiences: [config.clientId],
    clockSkewLeeway: role.clockSkewLeeway,
    expirationLeeway: role.expirationLeeway,
    notBeforeLeeway: role.notBeforeLeeway,
    nowSeconds: Math.floor(o.nowMs / 1000),
  });
  if (role.boundAudiences.length > 0) {
    const aud = Array.isArray(claims['aud']) ? claims['aud'] : [claims['aud']];
    if (!role.boundAudiences.some((a) => aud.includes(a))) throw new Error('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  if (claims['nonce'] !== login.nonce) throw new Error('invalid id_token nonce: nonce does not match the one sent in the request');
  const { nonce: _nonce, ...rest } = claims;
  return rest;
}
