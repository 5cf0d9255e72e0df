/**
 * The OIDC browser flow: `oidc/auth_url` starts a login (state, nonce, PKCE) for a role
 * and an allowed redirect URI; `oidc/callback` (GET, or POST with response_mode
 * form_post) finishes it by exchanging the code at the provider. Both are
 * unauthenticated. Texts follow Vault's: an auth_url request for an unknown redirect URI
 * gets an empty auth_url, so the endpoint does not reveal which URIs are allowed.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath } from '../../sdk/framework/path.js';
import type { Logger } from '../../sdk/logical.js';
import type { KeySetCache } from './keyset.js';
import { authUrl, exchangeCode } from './oidc-exchange.js';
import type { PendingLogins } from './oidc-state.js';
import { loadConfig } from './path-config.js';
import { authFor, roleForLogin } from './path-login.js';
import { loadRole } from './role.js';

export interface OidcDeps {
  keys: KeySetCache;
  pending: PendingLogins;
  nowMs: () => number;
  timeoutMs: number;
  logger: Logger;
}

const LOGIN_FAILED = 'Vault login failed.';
const NO_CODE = 'no_code';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Exact match, except that a loopback redirect may use any port (RFC 8252 §7.3), as Vault allows. */
export function validRedirect(uri: string, allowed: readonly string[]): boolean {
  if (allowed.includes(uri)) return true;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (!LOOPBACK.has(u.hostname)) return false;
  return allowed.some((a) => {
    try {
      const x = new URL(a);
      return LOOPBACK.has(x.hostname) && x.hostname === u.hostname && x.protocol === u.protocol && x.pathname === u.pathname && x.search === u.search;
    } catch {
      return false;
    }
  });
}

export function authUrlPath(deps: OidcDeps) {
  return definePath({
    pattern: 'oidc/auth_url',
    fields: {
      role: field.lowerCaseString({ description: 'The role to log in against.' }),
      redirect_uri: field.string({ description: 'The OAuth redirect_uri to use in the authorization URL.' }),
      client_nonce: field.string({ description: 'Optional nonce the callback must repeat.' }),
    },
    synopsis: 'Request an authorization URL to start an OIDC login flow.',
    operations: {
      async update(req, d) {
        const config = await loadConfig(req.storage);
        if (!config) throw badRequest('could not load configuration');
        if (config.clientId === '') throw badRequest('OIDC login is not configured for this mount');
        const redirectUri = d.get('redirect_uri');
        if (redirectUri === '') throw badRequest('missing redirect_uri');
        const { name, role } = await roleForLogin(req, config, d.get('role'));
        if (role.roleType !== 'oidc') throw badRequest(`role "${name}" could not be found`);
        const empty = { data: { auth_url: '' } };
        if (!validRedirect(redirectUri, role.allowedRedirectUris)) {
          deps.logger.warn('unauthorized redirect_uri', { redirect_uri: redirectUri });
          return empty;
        }
        const { state, login } = deps.pending.create({ role: name, redirectUri, clientNonce: d.get('client_nonce') });
        try {
          return { data: { auth_url: await authUrl(config, role, state, login, deps.keys) } };
        } catch (e) {
          deps.pending.take(state);
          deps.logger.warn('error generating auth URL', { error: (e as Error).message });
          return empty;
        }
      },
    },
  });
}

const html = (status: number, text: string) => ({
  raw: { status, contentType: 'text/html; charset=utf-8', body: `<!DOCTYPE html><html><body><p>${text.replace(/[<>&"]/g, '')}</p></body></html>` },
});

export function callbackPath(deps: OidcDeps) {
  return definePath({
    pattern: 'oidc/callback',
    fields: {
      state: field.string({ description: 'The state returned by the provider.' }),
      code: field.string({ description: 'The authorization code.', sensitive: true }),
      id_token: field.string({ description: 'ID token (implicit flow; not supported).', sensitive: true }),
      client_nonce: field.string({ description: 'The client_nonce given to auth_url, if any.' }),
    },
    synopsis: 'Callback endpoint to complete an OIDC login.',
    operations: {
      async read(req, d) {
        const login = deps.pending.take(d.get('state'));
        if (!login) throw badRequest(`${LOGIN_FAILED} Expired or missing OAuth state.`);
        if (login.clientNonce !== '' && d.get('client_nonce') !== login.clientNonce) throw badRequest('invalid client_nonce');
        const config = await loadConfig(req.storage);
        if (!config) throw badRequest(`${LOGIN_FAILED} Could not load configuration.`);
        const role = await loadRole(req.storage, login.role);
        if (!role) throw badRequest(`${LOGIN_FAILED} Role could not be found`);
        if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
        const code = d.get('code') === NO_CODE ? login.code : d.get('code');
        if (code === '') throw badRequest(`${LOGIN_FAILED} No code or id_token received.`);
        let claims;
        try {
          claims = await exchangeCode(config, role, login, code, deps.keys, { timeoutMs: deps.timeoutMs, nowMs: deps.nowMs() });
        } catch (e) {
          throw badRequest(`${LOGIN_FAILED} Error exchanging oidc code: "${(e as Error).message}".`);
        }
        if (role.verboseOidcLogging) deps.logger.debug('OIDC provider response', { claims: Object.keys(claims).join(',') });
        if (role.boundSubject !== '' && claims['sub'] !== role.boundSubject) throw permissionDenied('sub claim does not match bound subject');
        return { auth: authFor(claims, login.role, role) };
      },

      async update(req, d) {
        const config = await loadConfig(req.storage);
        if (!config || config.responseMode !== 'form_post') return html(405, 'Method Not Allowed');
        const login = deps.pending.amend(d.get('state'), d.get('code'));
        if (!login) return html(400, `${LOGIN_FAILED} Expired or missing OAuth state.`);
        // Hand the browser on to the GET leg, which completes the login where the flow began.
        const next = new URL(login.redirectUri);
        next.searchParams.set('state', d.get('state'));
        next.searchParams.set('code', NO_CODE);
        const target = next.toString().replace(/"/g, '%22');
        return { raw: { status: 200, contentType: 'text/html; charset=utf-8', body: `<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;url=${target}"></head><body><a href="${target}">Continue</a></body></html>` } };
      },
    },
  });
}
