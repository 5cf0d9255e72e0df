/**
 * JWT login over real sockets: Ward fetches keys from a local HTTPS issuer (JWKS URL and
 * OIDC discovery), follows a key rotation with exactly one refetch, refuses bad tokens
 * with Vault's errors, and ties logins to entities (claim_mappings as alias metadata).
 */
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT, UnsecuredJWT, exportSPKI } from 'jose';
import { describe, it, before, after } from 'node:test';
import { startOidcProvider, type OidcProvider } from '../../fakes/oidc-provider/index.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const now = (): number => Math.floor(Date.now() / 1000);

describe('jwt auth login', () => {
  let ward: TestServer;
  let idp: OidcProvider;
  let root: { token: string };
  before(async () => {
    ward = await startTestServer();
    idp = await startOidcProvider();
    root = { token: ward.rootToken };
    assert.equal((await api(ward, 'POST', 'sys/auth/jwt', { ...root, body: { type: 'jwt' } })).status, 204);
    assert.equal((await api(ward, 'POST', 'sys/auth/oidc', { ...root, body: { type: 'oidc' } })).status, 204);
  });
  after(async () => {
    await ward?.close();
    await idp?.close();
  });

  const claims = (extra: Record<string, unknown> = {}) => ({ iss: idp.issuer, sub: 'ci-runner-7', aud: 'ward', team: 'blue', project_path: 'acme/app', iat: now() - 5, exp: now() + 300, ...extra });
  const login = (jwt: string, role = 'ci', mount = 'jwt') => api(ward, 'POST', `auth/${mount}/login`, { body: { role, jwt } });
  const refused = async (jwt: string, message: string, role = 'ci') => {
    const r = await login(jwt, role);
    assert.deepEqual([r.status, r.body], [400, { errors: [message] }]);
  };

  it('validates config writes: one key source, a reachable https issuer trusted by the given CA', async () => {
    const none = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: {} });
    assert.deepEqual([none.status, none.body.errors], [400, ["exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set"]]);
    const two = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwks_url: `${idp.issuer}/keys`, oidc_discovery_url: idp.issuer } });
    assert.equal(two.status, 400);
    const untrusted = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwks_url: `${idp.issuer}/keys` } });
    assert.equal(untrusted.status, 400);
    assert.match(untrusted.body.errors[0], /^error checking jwks URL: .*(SELF_SIGNED|UNABLE_TO_VERIFY|issuer)/);
    const clear = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwks_url: 'http://127.0.0.1:1/keys' } });
    assert.deepEqual(clear.body.errors, ['invalid jwks_url "http://127.0.0.1:1/keys": must be an https URL']);
    const secretNoDiscovery = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwt_validation_pubkeys: [await pem()], oidc_client_id: 'x', oidc_client_secret: 'y' } });
    assert.deepEqual(secretNoDiscovery.body.errors, ["'oidc_discovery_url' must be set for OIDC"]);
    const ok = await api(ward, 'POST', 'auth/jwt/config', { ...root, body: { jwks_url: `${idp.issuer}/keys`, jwks_ca_pem: idp.caPem, bound_issuer: idp.issuer } });
    assert.equal(ok.status, 204, JSON.stringify(ok.body));
    const read = (await api(ward, 'GET', 'auth/jwt/config', root)).body.data;
    assert.deepEqual([read.jwks_url, read.bound_issuer, read.oidc_discovery_url], [`${idp.issuer}/keys`, idp.issuer, '']);
  });

  it('validates roles', async () => {
    const noUser = await api(ward, 'POST', 'auth/jwt/role/ci', { ...root, body: { role_type: 'jwt', bound_audiences: 'ward' } });
    assert.deepEqual(noUser.body.errors, ['a user claim must be defined on the role']);
    const noBound = await api(ward, 'POST', 'auth/jwt/role/ci', { ...root, body: { role_type: 'jwt', user_claim: 'sub' } });
    assert.deepEqual(noBound.body.errors, ['must have at least one bound constraint when creating/updating a role']);
    const oidcNoRedirect = await api(ward, 'POST', 'auth/jwt/role/web', { ...root, body: { user_claim: 'sub' } });
    assert.deepEqual(oidcNoRedirect.body.errors, ["'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."]);
    const badType = await api(ward, 'POST', 'auth/jwt/role/ci', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_subject: 'x', bound_claims_type: 'regex' } });
    assert.deepEqual(badType.body.errors, ["invalid 'bound_claims_type': regex"]);
    const created = await api(ward, 'POST', 'auth/jwt/role/ci', {
      ...root,
      body: {
        role_type: 'jwt', user_claim: 'sub', bound_audiences: ['ward'], bound_claims_type: 'glob',
        bound_claims: { team: ['blue', 'green'], project_path: 'acme/*' }, claim_mappings: { project_path: 'project' },
        token_policies: 'ci-read', token_ttl: '10m',
      },
    });
    assert.equal(created.status, 204, JSON.stringify(created.body));
    const r = (await api(ward, 'GET', 'auth/jwt/role/ci', root)).body.data;
    assert.deepEqual(
      [r.role_type, r.bound_audiences, r.bound_claims, r.claim_mappings, r.token_policies, r.token_ttl, r.clock_skew_leeway, r.expiration_leeway],
      ['jwt', ['ward'], { team: ['blue', 'green'], project_path: 'acme/*' }, { project_path: 'project' }, ['ci-read'], 600, 60, 150],
    );
    assert.deepEqual((await api(ward, 'LIST', 'auth/jwt/role', root)).body.data.keys, ['ci']);
  });

  it('logs in with a JWKS-verified token: alias from user_claim, metadata from claim_mappings, entity_id on the token', async () => {
    const r = await login(await idp.sign(claims()));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.auth.metadata, { role: 'ci', project: 'acme/app' });
    assert.deepEqual(r.body.auth.policies, ['ci-read', 'default']);
    assert.equal(r.body.auth.lease_duration, 600);
    const entityId = r.body.auth.entity_id as string;
    assert.ok(entityId.length > 0);
    const entity = (await api(ward, 'GET', `identity/entity/id/${entityId}`, root)).body.data;
    assert.deepEqual([entity.aliases[0].name, entity.aliases[0].mount_type, entity.aliases[0].metadata], ['ci-runner-7', 'jwt', { role: 'ci', project: 'acme/app' }]);
    assert.equal((await login(await idp.sign(claims()))).body.auth.entity_id, entityId, 'the same subject finds the same entity');
  });

  it('follows a key rotation with one JWKS fetch, then serves the new kid from cache', async () => {
    const before = idp.jwksFetches();
    await idp.rotate('ES256');
    assert.equal((await login(await idp.sign(claims()))).status, 200);
    assert.equal(idp.jwksFetches(), before + 1);
    assert.equal((await login(await idp.sign(claims()))).status, 200);
    assert.equal(idp.jwksFetches(), before + 1);
    await idp.rotate('EdDSA');
    idp.retire();
    assert.equal((await login(await idp.sign(claims()))).status, 200, 'EdDSA');
    // A burst of logins with a kid the cache does not hold costs the issuer one fetch.
    await idp.rotate('PS256');
    const burstFrom = idp.jwksFetches();
    const burst = await Promise.all(Array.from({ length: 8 }, async () => login(await idp.sign(claims()))));
    assert.deepEqual(burst.map((r) => r.status), Array(8).fill(200));
    assert.equal(idp.jwksFetches(), burstFrom + 1);
    // A token without a kid is checked against every key of its type.
    await idp.rotate('RS256');
    await idp.rotate('RS256');
    const noKid = await login(await idp.sign(claims(), { omitKid: true }));
    assert.equal(noKid.status, 200, JSON.stringify(noKid.body));
  });

  it("refuses bad tokens with Vault's errors", async () => {
    await refused(await idp.sign(claims({ exp: now() - 120, iat: now() - 600 })), 'error validating token: invalid expiration time (exp) claim: token is expired');
    await refused(await idp.sign(claims({ aud: 'someone-else' })), 'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience');
    await refused(await idp.sign(claims({ iss: 'https://evil.example' })), 'error validating token: invalid issuer (iss) claim');
    await refused(await idp.sign(claims({ team: 'red' })), 'error validating claims: claim "team" does not match any associated bound claim values');
    await refused(await idp.sign(claims({ project_path: 'other/app' })), 'error validating claims: claim "project_path" does not match any associated bound claim values');
    await refused(await idp.sign(claims({ team: undefined })), 'error validating claims: claim "team" is missing');
    await refused(await idp.sign(claims({ nbf: now() + 600 })), 'error validating token: invalid not before (nbf) claim: token not yet valid');
    await refused(await idp.sign(claims({ sub: undefined })), 'claim "sub" not found in token');
    await refused(new UnsecuredJWT(claims()).encode(), 'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: idp.kid() }).sign(new TextEncoder().encode('x'.repeat(32)));
    await refused(hs, 'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
    // Right kid and alg, wrong key: a forgery.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', kid: idp.kid() }).sign(privateKey);
    await refused(forged, 'error validating token: error verifying token signature: failed to verify id token signature');
    await refused('not-a-jwt', 'error validating token: error verifying token signature: malformed jwt');
    // Not found, missing pieces.
    assert.deepEqual((await login('x', 'nope')).body.errors, ['role "nope" could not be found']);
    assert.deepEqual((await api(ward, 'POST', 'auth/jwt/login', { body: { jwt: 'x' } })).body.errors, ['missing role']);
    assert.deepEqual((await api(ward, 'POST', 'auth/jwt/login', { body: { role: 'ci' } })).body.errors, ['missing token']);
  });

  it('renews while the role exists, with its current TTL', async () => {
    assert.equal((await api(ward, 'POST', 'auth/jwt/role/short', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward', token_ttl: '5m' } })).status, 204);
    const token = (await login(await idp.sign(claims()), 'short')).body.auth.client_token as string;
    const renewed = await api(ward, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(renewed.body.auth.lease_duration, 300);
    assert.equal((await api(ward, 'DELETE', 'auth/jwt/role/short', root)).status, 204);
    const gone = await api(ward, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(gone.status, 400);
    assert.match(gone.body.errors[0], /role short does not exist during renewal/);
  });

  it('a role without bound audiences refuses tokens that carry one', async () => {
    assert.equal((await api(ward, 'POST', 'auth/jwt/role/noaud', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_subject: 'ci-runner-7' } })).status, 204);
    await refused(await idp.sign(claims()), 'audience claim found in JWT but no audiences bound to the role', 'noaud');
    assert.equal((await login(await idp.sign(claims({ aud: undefined })), 'noaud')).status, 200);
    await refused(await idp.sign(claims({ aud: undefined, sub: 'other' })), 'error validating token: invalid subject (sub) claim', 'noaud');
  });

  it('a flood of tokens naming unknown kids costs the issuer one JWKS fetch, sequential or concurrent', async () => {
    // A mount of its own: its key cache starts empty, whatever the tests above fetched.
    assert.equal((await api(ward, 'POST', 'sys/auth/jwt-flood', { ...root, body: { type: 'jwt' } })).status, 204);
    assert.equal((await api(ward, 'POST', 'auth/jwt-flood/config', { ...root, body: { jwks_url: `${idp.issuer}/keys`, jwks_ca_pem: idp.caPem } })).status, 204);
    assert.equal((await api(ward, 'POST', 'auth/jwt-flood/role/ci', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['ward'] } })).status, 204);
    assert.equal((await login(await idp.sign(claims()), 'ci', 'jwt-flood')).status, 200);
    const { privateKey } = await generateKeyPair('RS256');
    const bogus = () => new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: `made-up-${Math.random()}` }).sign(privateKey);
    const refusedHere = async () => {
      const r = await login(await bogus(), 'ci', 'jwt-flood');
      assert.deepEqual([r.status, r.body], [400, { errors: ['error validating token: error verifying token signature: failed to verify id token signature'] }]);
    };
    const from = idp.jwksFetches();
    for (let i = 0; i < 10; i++) await refusedHere();
    await Promise.all(Array.from({ length: 10 }, refusedHere));
    assert.equal(idp.jwksFetches(), from + 1, 'the first unknown kid refetched and found nothing; the rest were refused without asking');
    assert.equal((await login(await idp.sign(claims()), 'ci', 'jwt-flood')).status, 200, 'known kids still verify');
  });

  it('verifies through OIDC discovery on an `oidc` mount, and with static keys', async () => {
    const cfg = await api(ward, 'POST', 'auth/oidc/config', { ...root, body: { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: idp.caPem, default_role: 'ci' } });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    assert.equal((await api(ward, 'POST', 'auth/oidc/role/ci', { ...root, body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'ward' } })).status, 204);
    const r = await api(ward, 'POST', 'auth/oidc/login', { body: { jwt: await idp.sign(claims()) } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.notEqual(r.body.auth.accessor, '');

    const { privateKey, publicKey } = await generateKeyPair('RS256');
    assert.equal((await api(ward, 'POST', 'auth/oidc/config', { ...root, body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], jwt_supported_algs: 'RS256' } })).status, 204);
    const signed = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    assert.equal((await login(signed, 'ci', 'oidc')).status, 200);
    const wrongKey = await idp.sign(claims());
    const bad = await login(wrongKey, 'ci', 'oidc');
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0], /^error validating token: /);
  });
});

async function pem(): Promise<string> {
  return exportSPKI((await generateKeyPair('ES256')).publicKey);
}
