/**
 * The authorization-code flow on the local provider, checking what a real one checks:
 * the client id and registered redirect URI at /authorize (a 302 back with code and
 * state, or an auto-submitting form for response_mode=form_post), and at /token the
 * client secret (HTTP Basic), the one-time code, the same redirect_uri and the PKCE S256
 * verifier. The ID token carries the nonce from /authorize and the user's claims.
 */
import { createHash, randomBytes } from 'node:crypto';
import { json, type OidcProvider } from './index.js';

export interface CodeFlowOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Claims of the user who "signs in" at /authorize. */
  user: () => Record<string, unknown>;
  /** Rewrites the ID token's claims: a misbehaving or replaying provider (tests of refusals). */
  tamper?: (claims: Record<string, unknown>) => Record<string, unknown>;
}

interface Grant {
  redirectUri: string;
  nonce: string;
  challenge: string;
}

export interface CodeFlow {
  /** Token requests refused so far, with the reason (for assertions). */
  refusals: string[];
}

export function enableCodeFlow(idp: OidcProvider, o: CodeFlowOptions): CodeFlow {
  const grants = new Map<string, Grant>();
  const flow: CodeFlow = { refusals: [] };
  idp.route('/authorize', (req, res) => {
    const q = new URL(req.url ?? '/', 'https://x').searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (q.get('client_id') !== o.clientId || !o.redirectUris.includes(redirectUri)) return json(res, 400, { error: 'invalid_request' });
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request' });
    if (!(q.get('scope') ?? '').split(' ').includes('openid')) return json(res, 400, { error: 'invalid_scope' });
    const code = randomBytes(16).toString('hex');
    grants.set(code, { redirectUri, nonce: q.get('nonce') ?? '', challenge: q.get('code_challenge') ?? '' });
    const state = q.get('state') ?? '';
    if (q.get('response_mode') === 'form_post') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<form method="post" action="${redirectUri}"><input type="hidden" name="code" value="${code}"><input type="hidden" name="state" value="${state}"></form>`);
      return;
    }
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', state);
    res.writeHead(302, { Location: back.toString() });
    res.end();
  });
  idp.route('/token', (req, res, body) => {
    const refuse = (why: string, error = 'invalid_grant') => {
      flow.refusals.push(why);
      json(res, 400, { error });
    };
    const expected = `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}`;
    if (req.method !== 'POST') return refuse('method', 'invalid_request');
    if (req.headers.authorization !== expected) return refuse('client authentication', 'invalid_client');
    const f = new URLSearchParams(body);
    const code = f.get('code') ?? '';
    const grant = grants.get(code);
    grants.delete(code);
    if (f.get('grant_type') !== 'authorization_code' || !grant) return refuse('code');
    if (f.get('redirect_uri') !== grant.redirectUri) return refuse('redirect_uri');
    const verifier = f.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return refuse('pkce');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, aud: o.clientId, iat: now, exp: now + 300, nonce: grant.nonce, ...o.user() };
    void idp
      .sign(o.tamper ? o.tamper(claims) : claims)
      .then((idToken) => json(res, 200, { access_token: randomBytes(8).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken }));
  });
  return flow;
}
