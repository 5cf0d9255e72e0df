/**
 * ServiceAccountIssuerDiscovery: `/.well-known/openid-configuration` and `/openid/v1/jwks`,
 * the documents a relying party (Ward's jwt auth with `oidc_discovery_url`) reads to verify
 * service-account tokens itself, without a TokenReview. Served to anonymous callers, as in the
 * clusters that bind `system:service-account-issuer-discovery` to `system:unauthenticated`
 * (the usual setup for an external verifier); a bearer that does not authenticate is 401.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from './accounts.js';
import { send } from './http-util.js';
import { unauthorized } from './status.js';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export interface IssuerDiscoveryDeps {
  issuer: string;
  /** The server's own URL: jwks_uri is served from it (the API server's default). */
  serverUrl: string;
  alg: string;
  jwks(): Promise<{ keys: unknown[] }>;
  authenticate(req: IncomingMessage): Promise<UserInfo | null>;
}

/** The discovery document as the API server builds it (only what it supports). */
export function discoveryDocument(d: Pick<IssuerDiscoveryDeps, 'issuer' | 'serverUrl' | 'alg'>): Record<string, unknown> {
  return {
    issuer: d.issuer,
    jwks_uri: `${d.serverUrl}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [d.alg],
  };
}

/** Serves the two documents; false when the request is for something else. */
export function serveIssuerDiscovery(d: IssuerDiscoveryDeps, req: IncomingMessage, res: ServerResponse, pathname: string, fail: (e: unknown) => void): boolean {
  if (req.method !== 'GET' || (pathname !== DISCOVERY_PATH && pathname !== JWKS_PATH)) return false;
  void (async () => {
    if (/^Bearer\s/i.test(req.headers.authorization ?? '') && !(await d.authenticate(req))) throw unauthorized();
    if (pathname === DISCOVERY_PATH) return send(res, 200, discoveryDocument(d));
    send(res, 200, await d.jwks(), { 'Content-Type': 'application/jwk-set+json' });
  })().catch(fail);
  return true;
}
