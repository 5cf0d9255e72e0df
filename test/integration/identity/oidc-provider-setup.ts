/**
 * Shared set-up for the OIDC provider tests: a userpass user (alice) in a group that an
 * assignment names, one who is not (mallory), a key, a templated scope, a confidential
 * client and a provider; and a form-encoded POST as a relying party sends it.
 */
import assert from 'node:assert/strict';
import { api, type TestServer } from '../../helpers/server.js';

// any: discovery, JWKS and OAuth bodies are asserted field by field.
export type Json = any;

export const REDIRECT = 'https://app.example.com/callback';
export const b64url = (b: Buffer): string => b.toString('base64url');

export async function form(s: TestServer, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${s.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function setup(s: TestServer) {
  const root = { token: s.rootToken };
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await api(s, method, path, { ...root, ...(body !== undefined ? { body } : {}) });
    assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await ok('POST', 'sys/auth/userpass', { type: 'userpass' });
  await ok('POST', 'auth/userpass/users/alice', { password: 'pw-alice-1' });
  await ok('POST', 'auth/userpass/users/mallory', { password: 'pw-mallory-1' });
  const alice = (await api(s, 'POST', 'auth/userpass/login/alice', { body: { password: 'pw-alice-1' } })).body.auth;
  const mallory = (await api(s, 'POST', 'auth/userpass/login/mallory', { body: { password: 'pw-mallory-1' } })).body.auth;
  await ok('POST', `identity/entity/id/${alice.entity_id}`, { metadata: { email: 'alice@example.com' } });
  const group = (await ok('POST', 'identity/group', { name: 'engineers', member_entity_ids: [alice.entity_id] })).data;

  await ok('POST', 'identity/oidc/key/app-key', { algorithm: 'RS256', allowed_client_ids: '*' });
  await ok('POST', 'identity/oidc/assignment/engineers', { group_ids: [group.id] });
  const template = '{"email": {{identity.entity.metadata.email}}, "groups": {{identity.entity.groups.names}}}';
  await ok('POST', 'identity/oidc/scope/user', { template, description: 'email and groups' });
  await ok('POST', 'identity/oidc/client/app', { key: 'app-key', redirect_uris: [REDIRECT], assignments: ['engineers'], id_token_ttl: '30m', access_token_ttl: '1h' });
  const client = (await ok('GET', 'identity/oidc/client/app')).data;
  await ok('POST', 'identity/oidc/provider/main', { issuer: s.url, allowed_client_ids: [client.client_id], scopes_supported: ['user'] });
  return { root, alice, mallory, group, client };
}

