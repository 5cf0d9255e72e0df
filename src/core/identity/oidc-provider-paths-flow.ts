/**
 * The OIDC provider's endpoints: discovery and JWKS, authorize (authenticated with a Ward
 * token whose entity is the end user), and the unauthenticated token and userinfo
 * endpoints a relying party calls. Answers are OAuth bodies, not Vault's envelope.
 */
import { importJWK, SignJWT } from 'jose';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type HandlerResult, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { randomBase62 } from '../../lib/ids.js';
import { ALGORITHMS, current, readKey } from './oidc-keys.js';
import { AuthCodes } from './oidc-provider-codes.js';
import { providerPublicKeys, ScopeConflict, scopeClaims } from './oidc-provider-claims.js';
import { effectiveIssuer } from './oidc-provider-paths-config.js';
import { allowsClient, clientById, entityAssigned, OPENID, readAccessToken, readProvider, sweepAccessTokens, writeAccessToken } from './oidc-provider-store.js';
import { basicCredentials, CHALLENGE_METHODS, codeChallenge, DISCOVERY_HEADERS, halfHash, oauthError, oauthHeaders, parseScopes, rawJson, sameSecret } from './oidc-provider-wire.js';
import type { OidcDeps } from './paths-oidc.js';

const providerName = { name: field.string({ description: 'Name of the provider' }) };

export function providerFlowPaths(deps: OidcDeps): PathDef<Fields>[] {
  const codes = new AuthCodes(() => deps.clockMs());
  // Access tokens nobody presents again would stay in storage: swept at most hourly, on issuance.
  let nextSweep = 0;

  const authorizeFields = {
    ...providerName,
    client_id: field.string({ description: 'The ID of the requesting client.' }),
    scope: field.string({ description: "A space-delimited, case-sensitive list of scopes to be requested. The 'openid' scope is required." }),
    redirect_uri: field.string({ description: 'The redirection URI to which the response will be sent.' }),
    response_type: field.string({ description: "The OIDC authentication flow to be used. The following response types are supported: 'code'" }),
    state: field.string({ description: 'The value used to maintain state between the authentication request and client.' }),
    nonce: field.string({ description: 'The value that will be returned in the ID token nonce claim after a token exchange.' }),
    max_age: field.int({ description: 'The allowable elapsed time in seconds since the last time the end-user was actively authenticated.' }),
    code_challenge: field.string({ description: 'The code challenge derived from the code verifier.' }),
    code_challenge_method: field.string({ description: "The method that was used to derive the code challenge. The following methods are supported: 'S256', 'plain'. Defaults to 'plain'." }),
  };
  type AuthorizeData = Parameters<NonNullable<PathDef<typeof authorizeFields>['operations']['read']>>[1];

  const authorize = async (req: LogicalRequest, d: AuthorizeData): Promise<HandlerResult> => {
    const state = d.get('state');
    const fail = (code: string, description: string): HandlerResult => oauthError('authorize', code, description, state);
    const clientId = d.get('client_id');
    if (clientId === '') return fail('invalid_client_id', 'client_id parameter is required');
    const client = await clientById(req.storage, clientId);
    if (!client) return fail('invalid_client_id', 'client with client_id not found');
    const redirectUri = d.get('redirect_uri');
    if (redirectUri === '') return fail('invalid_request', 'redirect_uri parameter is required');
    if (!client.redirectUris.includes(redirectUri)) return fail('invalid_redirect_uri', 'redirect_uri is not allowed for the client');
    const provider = await readProvider(req.storage, d.get('name'));
    if (!provider) return fail('invalid_request', 'provider not found');
    if (!allowsClient(provider, clientId)) return fail('unauthorized_client', 'client is not authorized to use the provider');
    if (Object.hasOwn(d.raw, 'request')) return oauthError('authorize', 'request_not_supported', 'request parameter is not supported', '');
    if (Object.hasOwn(d.raw, 'request_uri')) return oauthError('authorize', 'request_uri_not_supported', 'request_uri parameter is not supported', '');
    const requested = parseScopes(d.get('scope'));
    if (!requested.includes(OPENID)) return fail('invalid_request', `scope parameter must contain the "${OPENID}" value`);
    // Scopes the provider does not support are ignored, as OIDC asks.
    const scopes = requested.filter((sc) => sc !== OPENID && provider.scopesSupported.includes(sc));
    const responseType = d.get('response_type');
    if (responseType === '') return fail('invalid_request', 'response_type parameter is required');
    if (responseType !== 'code') return fail('unsupported_response_type', 'unsupported response_type value');
    const entityId = req.caller?.entityId ?? '';
    if (entityId === '') return fail('access_denied', 'identity entity must be associated with the request');
    if (!deps.store.entity(entityId)) return fail('access_denied', 'identity entity associated with the request not found');
    if (!(await entityAssigned(req.storage, deps.store, entityId, client.assignments))) return fail('access_denied', 'identity entity not authorized by client assignment');

    let challenge = '';
    let method = '';
    if (d.has('code_challenge')) {
      challenge = d.get('code_challenge');
      method = d.get('code_challenge_method') || 'plain';
      if (!(CHALLENGE_METHODS as readonly string[]).includes(method)) return fail('invalid_request', 'invalid code_challenge_method');
      if (challenge.length < 43 || challenge.length > 128) return fail('invalid_request', 'invalid code_challenge');
    } else if (client.type === 'public') {
      return fail('invalid_request', 'PKCE is required for public clients');
    }
    let authTime = 0;
    if (d.has('max_age')) {
      const maxAge = d.get('max_age');
      if (maxAge < 1) return fail('invalid_request', 'max_age must be greater than zero');
      const issued = req.caller?.issueTime ?? 0;
      if (Math.floor((deps.clockMs() - issued) / 1000) > maxAge) return fail('max_age_violation', 'active re-authentication is required by max_age');
      authTime = Math.floor(issued / 1000);
    }
    const code = codes.issue({ provider: d.get('name'), clientId, entityId, redirectUri, nonce: d.get('nonce'), scopes, authTime, challenge, method });
    return rawJson({ code, state });
  };

  const tokenFields = {
    ...providerName,
    code: field.string({ description: 'The authorization code received from the provider’s authorization endpoint.' }),
    grant_type: field.string({ description: "The authorization grant type. The following grant types are supported: 'authorization_code'." }),
    redirect_uri: field.string({ description: 'The callback location where the authentication response was sent.' }),
    client_id: field.string({ description: 'The ID of the requesting client (client_secret_post or a public client).' }),
    client_secret: field.string({ description: 'The secret of the requesting client (client_secret_post).' }),
    code_verifier: field.string({ description: 'The code verifier associated with the authorization code.' }),
  };
  type TokenData = Parameters<NonNullable<PathDef<typeof tokenFields>['operations']['update']>>[1];

  const token = async (req: LogicalRequest, d: TokenData): Promise<HandlerResult> => {
    const fail = (code: string, description: string): HandlerResult => oauthError('token', code, description);
    const name = d.get('name');
    const provider = await readProvider(req.storage, name);
    if (!provider) return fail('invalid_request', 'provider not found');
    // client_secret_basic first, else client_secret_post (or a public client's bare id).
    const basic = basicCredentials(req.headers['authorization']);
    const clientId = basic?.id ?? d.get('client_id');
    if (clientId === '') return fail('invalid_request', 'client_id parameter is required');
    const secret = basic?.secret ?? d.get('client_secret');
    const client = await clientById(req.storage, clientId);
    if (!client) return fail('invalid_client', 'client failed to authenticate');
    if (client.type === 'confidential' && !sameSecret(client.clientSecret, secret)) return fail('invalid_client', 'client failed to authenticate');
    if (!allowsClient(provider, clientId)) return fail('invalid_client', 'client is not authorized to use the provider');
    const stored = await readKey(req.storage, client.key);
    if (!stored) return fail('server_error', `client key "${client.key}" not found`);
    if (!stored.allowedClientIds.includes('*') && !stored.allowedClientIds.includes(clientId)) return fail('invalid_client', 'client is not authorized to use the key');
    const grantType = d.get('grant_type');
    if (grantType === '') return fail('invalid_request', 'grant_type parameter is required');
    if (grantType !== 'authorization_code') return fail('unsupported_grant_type', 'unsupported grant_type value');
    const codeValue = d.get('code');
    if (codeValue === '') return fail('invalid_request', 'code parameter is required');
    // Single use: taken out whatever happens next.
    const grant = codes.take(codeValue);
    if (!grant) return fail('invalid_grant', 'authorization grant is invalid or expired');
    if (grant.clientId !== clientId) return fail('invalid_grant', 'authorization code was not issued to the client');
    if (grant.provider !== name) return fail('invalid_grant', 'authorization code was not issued by the provider');
    const redirectUri = d.get('redirect_uri');
    if (redirectUri === '') return fail('invalid_request', 'redirect_uri parameter is required');
    if (grant.redirectUri !== redirectUri) return fail('invalid_grant', 'redirect_uri does not match the redirect_uri used in the authorization request');
    if (!deps.store.entity(grant.entityId)) return fail('invalid_request', 'identity entity associated with the request not found');
    if (!(await entityAssigned(req.storage, deps.store, grant.entityId, client.assignments))) return fail('invalid_request', 'identity entity not authorized by client assignment');
    const verifier = d.get('code_verifier');
    const usedPkce = grant.challenge !== '';
    if (!usedPkce && client.type === 'public') return fail('invalid_request', 'PKCE is required for public clients');
    if (!usedPkce && verifier !== '') return fail('invalid_request', 'unexpected code_verifier for token exchange');
    if (usedPkce && verifier === '') return fail('invalid_request', 'expected code_verifier for token exchange');
    if (usedPkce && !sameSecret(codeChallenge(verifier, grant.method), grant.challenge)) return fail('invalid_grant', 'invalid code_verifier for token exchange');

    let claims: Record<string, unknown>;
    try {
      claims = await scopeClaims(req.storage, deps.effective, grant.entityId, grant.scopes);
    } catch (e) {
      if (e instanceof ScopeConflict) return fail('invalid_request', e.message);
      throw e;
    }
    const now = deps.clockMs();
    if (now >= nextSweep) {
      nextSweep = now + 3_600_000;
      await sweepAccessTokens(req.storage, now);
    }
    const accessToken = randomBase62(48);
    await writeAccessToken(req.storage, accessToken, { provider: name, clientId, entityId: grant.entityId, scopes: grant.scopes, expireAt: now + client.accessTokenTtl * 1000 });
    // A due rotation writes the key: under the store's lock, re-read, as identity tokens do.
    const key = now < stored.nextRotation ? stored : await deps.store.exclusive(async () => current(req.storage, (await readKey(req.storage, client.key)) ?? stored, now));
    const iat = Math.floor(now / 1000);
    const payload: Record<string, unknown> = { ...claims, namespace: 'root', at_hash: halfHash(key.algorithm, accessToken), c_hash: halfHash(key.algorithm, codeValue) };
    if (grant.nonce !== '') payload.nonce = grant.nonce;
    if (grant.authTime > 0) payload.auth_time = grant.authTime;
    const idToken = await new SignJWT(payload)
      .setProtectedHeader({ alg: key.algorithm, kid: key.signing.kid })
      .setIssuer(effectiveIssuer(provider, name, deps.apiAddr()))
      .setSubject(grant.entityId)
      .setAudience(clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + client.idTokenTtl)
      .sign(await importJWK(key.signing.privateJwk, key.algorithm));
    return rawJson({ token_type: 'Bearer', access_token: accessToken, id_token: idToken, expires_in: client.accessTokenTtl }, 200, oauthHeaders('token', '', ''));
  };

  const userinfo = async (req: LogicalRequest, name: string): Promise<HandlerResult> => {
    const fail = (code: string, description: string): HandlerResult => oauthError('userinfo', code, description);
    const provider = await readProvider(req.storage, name);
    if (!provider) return fail('invalid_request', 'provider not found');
    if (req.clientToken === '') return fail('invalid_token', 'access token must be sent as a Bearer token');
    const at = await readAccessToken(req.storage, req.clientToken, deps.clockMs());
    // A token of another provider is as unknown here as a made-up one.
    if (!at || at.provider !== name) return fail('invalid_token', 'access token is expired');
    const client = await clientById(req.storage, at.clientId);
    if (!client) return fail('access_denied', 'client not found');
    if (!deps.store.entity(at.entityId)) return fail('access_denied', 'identity entity associated with the request not found');
    if (!(await entityAssigned(req.storage, deps.store, at.entityId, client.assignments))) return fail('access_denied', 'identity entity not authorized by client assignment');
    if (!allowsClient(provider, at.clientId)) return fail('access_denied', 'client is not authorized to use the provider');
    try {
      const claims = await scopeClaims(req.storage, deps.effective, at.entityId, at.scopes.filter((sc) => provider.scopesSupported.includes(sc)));
      return rawJson({ ...claims, sub: at.entityId });
    } catch (e) {
      if (e instanceof ScopeConflict) return fail('invalid_request', e.message);
      throw e;
    }
  };

  const base = `oidc/provider/${genericName('name')}`;
  return [
    definePath({
      pattern: `${base}/\\.well-known/openid-configuration`,
      fields: providerName,
      synopsis: 'Query OIDC configurations',
      operations: {
        read: async (req, d) => {
          const p = await readProvider(req.storage, d.get('name'));
          if (!p) return null;
          const iss = effectiveIssuer(p, d.get('name'), deps.apiAddr());
          return rawJson({
            issuer: iss,
            jwks_uri: `${iss}/.well-known/keys`,
            authorization_endpoint: `${iss.replace('/v1/', '/ui/vault/')}/authorize`,
            token_endpoint: `${iss}/token`,
            userinfo_endpoint: `${iss}/userinfo`,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
            id_token_signing_alg_values_supported: [...ALGORITHMS],
            response_types_supported: ['code'],
            scopes_supported: [...p.scopesSupported, OPENID],
            claims_supported: [],
            subject_types_supported: ['public'],
            grant_types_supported: ['authorization_code'],
            token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
            code_challenge_methods_supported: [...CHALLENGE_METHODS],
          }, 200, DISCOVERY_HEADERS);
        },
      },
    }),
    definePath({
      pattern: `${base}/\\.well-known/keys`,
      fields: providerName,
      synopsis: 'Retrieve public keys',
      operations: {
        read: async (req, d) => {
          const p = await readProvider(req.storage, d.get('name'));
          return p ? rawJson({ keys: await providerPublicKeys(req.storage, p, deps.clockMs()) }) : null;
        },
      },
    }),
    definePath({ pattern: `${base}/authorize`, fields: authorizeFields, synopsis: 'Provides the OIDC Authorization Endpoint.', operations: { read: authorize, update: authorize } }),
    definePath({ pattern: `${base}/token`, fields: tokenFields, synopsis: 'Provides the OIDC Token Endpoint.', operations: { update: token } }),
    definePath({
      pattern: `${base}/userinfo`,
      fields: providerName,
      synopsis: 'Provides the OIDC UserInfo Endpoint.',
      operations: { read: (req, d) => userinfo(req, d.get('name')), update: (req, d) => userinfo(req, d.get('name')) },
    }),
  ];
}
