/**
 * sys/internal/specs/openapi is one of Vault's unauthenticated sys paths, and Vault builds
 * it on sys/internal/ui/mounts' visibility: without a token the document covers the mounts
 * tuned `listing_visibility=unauth` and nothing else; with a token, those plus the mounts
 * its policies reach; a token that names nothing is Vault's 403 (permission denied,
 * invalid token). Over HTTP against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { api, enableAll, startTestServer, type TestServer } from '../../helpers/server.js';
import type { OasDocument } from '../../../src/sdk/framework/openapi-types.js';

async function fetchDoc(s: TestServer, query = '', token = ''): Promise<{ status: number; type: string | null; body: any }> {
  // any: the body is an OpenAPI document or an error, asserted piece by piece.
  const res = await fetch(`${s.url}/v1/sys/internal/specs/openapi${query}`, { headers: token ? { 'X-Vault-Token': token } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(await res.text()) };
}

/** The mounts a document covers, by the first segments of its paths ("auth/userpass", "pub"). */
function mountsOf(doc: OasDocument): string[] {
  const seen = new Set<string>();
  for (const key of Object.keys(doc.paths)) {
    const parts = key.split('/');
    seen.add(parts[1] === 'auth' ? `auth/${parts[2]}` : parts[1]!);
  }
  return [...seen].sort();
}

describe('sys/internal/specs/openapi without a token', () => {
  let s: TestServer;
  const root = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, body });
  before(async () => {
    s = await startTestServer();
    await enableAll(s, s.rootToken, [
      ['sys/auth/userpass', 'userpass'],
      ['sys/auth/approle', 'approle'],
      ['sys/mounts/pub', 'kv'],
      ['sys/mounts/priv', 'transit'],
    ]);
    assert.equal((await root('POST', 'sys/auth/userpass/tune', { listing_visibility: 'unauth' })).status, 204);
    assert.equal((await root('POST', 'sys/mounts/pub/tune', { listing_visibility: 'unauth' })).status, 204);
  });
  after(async () => {
    await s?.close();
  });

  it('is a valid document of exactly the mounts listed for callers without a token', async () => {
    const r = await fetchDoc(s);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.type ?? '', /^application\/json/);
    const doc = r.body as OasDocument;
    const validator = new Validator();
    const res = await validator.validate(doc as unknown as Record<string, unknown>);
    assert.equal(res.valid, true, JSON.stringify(res.errors)?.slice(0, 2000));
    assert.deepEqual(mountsOf(doc), ['auth/userpass', 'pub']);
    assert.equal(doc.paths['/auth/userpass/login/{username}']?.['x-vault-unauthenticated'], true);
    assert.ok(doc.paths['/pub/{path}']?.get);
  });

  it('takes generic_mount_paths and context as with a token', async () => {
    const r = await fetchDoc(s, '?generic_mount_paths=true&context=anon');
    assert.equal(r.status, 200);
    const doc = r.body as OasDocument;
    assert.ok(doc.paths['/auth/{userpass_mount_path}/login/{username}']);
    const ids = Object.values(doc.paths).flatMap((item) => (['get', 'post', 'delete', 'patch'] as const).flatMap((m) => (item[m] ? [item[m].operationId] : [])));
    assert.ok(ids.length > 0);
    assert.deepEqual(ids.filter((id) => !id.endsWith('_anon')), []);
  });

  it('follows a tune of listing_visibility at once', async () => {
    assert.equal((await root('POST', 'sys/mounts/pub/tune', { listing_visibility: 'hidden' })).status, 204);
    assert.deepEqual(mountsOf((await fetchDoc(s)).body), ['auth/userpass']);
    assert.equal((await root('POST', 'sys/mounts/pub/tune', { listing_visibility: 'unauth' })).status, 204);
    assert.deepEqual(mountsOf((await fetchDoc(s)).body), ['auth/userpass', 'pub']);
  });

  it('a token sees the listed mounts plus those its policies reach', async () => {
    assert.equal((await root('PUT', 'sys/policies/acl/priv-only', { policy: 'path "priv/*" { capabilities = ["read"] }' })).status, 204);
    const created = await root('POST', 'auth/token/create', { policies: ['priv-only'], no_default_policy: true });
    const doc = (await fetchDoc(s, '', created.body.auth.client_token)).body as OasDocument;
    assert.deepEqual(mountsOf(doc), ['auth/userpass', 'priv', 'pub']);
  });

  it('a token that names nothing is Vault\'s 403, not the anonymous document', async () => {
    const bad = await fetchDoc(s, '', 'hvs.not-a-token');
    assert.equal(bad.status, 403);
    assert.match(bad.body.errors[0], /permission denied[\s\S]*invalid token/);
  });

  it('a context longer than 256 characters is a 400: it is copied into every operationId, so 100k of it made a 110 MB document', async () => {
    const ok = await fetchDoc(s, `?context=${'c'.repeat(256)}`, s.rootToken);
    assert.equal(ok.status, 200);
    for (const token of ['', s.rootToken]) {
      const long = await fetchDoc(s, `?context=${'c'.repeat(257)}`, token);
      assert.equal(long.status, 400, JSON.stringify(long.body).slice(0, 200));
      assert.deepEqual(long.body, { errors: ['"context" must be at most 256 characters'] });
    }
  });
});
