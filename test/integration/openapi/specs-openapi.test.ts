/**
 * sys/internal/specs/openapi from a running server with several mounts: the document is
 * valid OpenAPI 3 (checked by @seriousme/openapi-schema-validator) and says exactly what
 * the mounted path tables declare, no more and no less.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { api, enableAll, startTestServer, type TestServer } from '../../helpers/server.js';
import { pathTableOf } from '../../../src/sdk/framework/backend.js';
import { expandPattern } from '../../../src/sdk/framework/openapi-pattern.js';
import type { OasDocument, OasOperation, OasPathItem } from '../../../src/sdk/framework/openapi-types.js';

const METHODS = ['get', 'post', 'delete', 'patch'] as const;
const METHOD_OF = { read: 'get', update: 'post', create: 'post', delete: 'delete', patch: 'patch' } as const;

/** "<path key> <method>" for every operation of the document. */
function operationsOf(doc: OasDocument): Set<string> {
  const out = new Set<string>();
  for (const [key, item] of Object.entries(doc.paths)) for (const m of METHODS) if (item[m]) out.add(`${key} ${m}`);
  return out;
}

/**
 * What the path tables of the mounted backends declare, worked out from the tables: each
 * expanded path gets its row's operations, a list on the path with a trailing slash. The
 * router takes the first row whose pattern matches, so a path another row already
 * produced stays that row's.
 */
function declared(s: TestServer): { ops: Set<string>; opaque: Set<string> } {
  const ops = new Set<string>();
  const opaque = new Set<string>();
  for (const route of s.core.active!.router.all()) {
    const owner = new Map<string, object>();
    for (const def of pathTableOf(route.backend) ?? []) {
      const ex = expandPattern(def.documentedPattern ?? def.pattern);
      if (ex === null) {
        opaque.add(`/${route.prefix}${def.pattern}`);
        continue;
      }
      for (const path of ex.paths) {
        const want: [string, string][] = [];
        for (const op of Object.keys(def.operations) as (keyof typeof def.operations)[]) {
          if (op === 'list') want.push([`/${route.prefix}${path.endsWith('/') ? path : `${path}/`}`, 'get']);
          else want.push([`/${route.prefix}${path}`, METHOD_OF[op]]);
        }
        for (const [key, method] of want) {
          if ((owner.get(key) ?? def) !== def) continue;
          owner.set(key, def);
          ops.add(`${key} ${method}`);
        }
      }
    }
  }
  return { ops, opaque };
}

async function fetchDoc(s: TestServer, query = '', token = s.rootToken): Promise<{ status: number; type: string | null; body: any }> {
  // any: the body is an OpenAPI document or an error, asserted piece by piece.
  const res = await fetch(`${s.url}/v1/sys/internal/specs/openapi${query}`, { headers: token ? { 'X-Vault-Token': token } : {} });
  return { status: res.status, type: res.headers.get('content-type'), body: JSON.parse(await res.text()) };
}

async function assertValidOpenApi3(doc: unknown): Promise<void> {
  const validator = new Validator();
  const res = await validator.validate(doc as Record<string, unknown>);
  assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1)?.slice(0, 2000));
  assert.equal(validator.version, '3.0');
}

/** Every `{param}` of every path has a path parameter; every $ref names a schema; ids are unique. */
function assertWellFormed(doc: OasDocument): void {
  const ids = new Map<string, string>();
  for (const [key, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op: OasOperation | undefined = item[m];
      if (!op) continue;
      const declaredParams = new Set([...(item.parameters ?? []), ...(op.parameters ?? [])].filter((p) => p.in === 'path').map((p) => p.name));
      for (const [, name] of key.matchAll(/\{(\w+)\}/g)) assert.ok(declaredParams.has(name!), `${key} ${m}: {${name}} has no parameter`);
      assert.equal(ids.get(op.operationId), undefined, `operationId ${op.operationId} used by ${ids.get(op.operationId)} and ${key} ${m}`);
      ids.set(op.operationId, `${key} ${m}`);
      const ref = op.requestBody?.content['application/json']?.schema.$ref;
      if (ref) assert.ok(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${key} ${m}: ${ref} is not defined`);
    }
  }
}

describe('sys/internal/specs/openapi', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await enableAll(s, s.rootToken, [
      ['sys/auth/approle', 'approle'],
      ['sys/auth/userpass', 'userpass'],
      ['sys/mounts/transit', 'transit'],
      ['sys/mounts/kv1', 'kv'],
      ['sys/mounts/team/pki', 'pki'],
      ['sys/mounts/totp', 'totp'],
      // The rest of the built-in types, so every path table goes through the generator.
      ['sys/auth/jwt', 'jwt'],
      ['sys/auth/kubernetes', 'kubernetes'],
      ['sys/auth/cert', 'cert'],
      ['sys/auth/aws', 'aws'],
      ['sys/auth/gcp', 'gcp'],
      ['sys/auth/azure', 'azure'],
      ['sys/mounts/database', 'database'],
      ['sys/mounts/ssh', 'ssh'],
      ['sys/mounts/k8s', 'kubernetes'],
    ]);
  });
  after(async () => {
    await s.close();
  });

  it('is a valid OpenAPI 3 document with exactly the mounted path tables\' paths and operations', async () => {
    const r = await fetchDoc(s);
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^application\/json/);
    const doc = r.body as OasDocument;
    await assertValidOpenApi3(doc);
    assertWellFormed(doc);
    assert.equal(doc.openapi, '3.0.2');
    assert.match(doc.info.version, /^1\.\d+\.\d+/);

    const want = declared(s);
    const got = operationsOf(doc);
    assert.deepEqual([...want.ops].filter((o) => !got.has(o)), [], 'declared but not documented');
    assert.deepEqual([...got].filter((o) => !want.ops.has(o)), [], 'documented but not declared');
    for (const key of want.opaque) assert.deepEqual(METHODS.filter((m) => doc.paths[key]?.[m]), [], `${key} is listed without operations`);
    const keys = Object.keys(doc.paths).filter((k) => !want.opaque.has(k));
    for (const key of keys) assert.ok(METHODS.some((m) => doc.paths[key]![m]), `${key} has no operation`);

    // Spot checks against Vault's shapes.
    const login: OasPathItem = doc.paths['/auth/approle/login']!;
    assert.equal(login['x-vault-unauthenticated'], true);
    assert.deepEqual(login.post!.tags, ['auth']);
    assert.equal(doc.paths['/sys/seal']?.['x-vault-sudo'], true);
    assert.deepEqual(doc.paths['/sys/seal']!.post!.tags, ['system']);
    const list = doc.paths['/auth/approle/role/']!.get!;
    assert.ok(list.parameters?.some((p) => p.name === 'list' && p.in === 'query' && p.required === true));
    assert.ok(doc.paths['/team/pki/roles/{name}'], 'a mount path with a slash');
    // KV v1 and the cubbyhole route with `.*`; the document shows them as Vault does.
    assert.ok(doc.paths['/kv1/{path}']?.post && doc.paths['/kv1/{path}/']?.get);
    assert.ok(doc.paths['/cubbyhole/{path}']?.get);
    assert.ok(doc.paths['/sys/internal/specs/openapi']!.get, 'the document describes itself');
    // Fields read from the query string are query parameters of the read (Vault's Query fields).
    const readParams = (key: string) => (doc.paths[key]!.get!.parameters ?? []).map((p) => `${p.in}:${p.name}`);
    assert.deepEqual(readParams('/secret/data/{path}'), ['query:version']);
    assert.deepEqual(readParams('/sys/metrics'), ['query:format']);
    assert.deepEqual(readParams('/sys/internal/specs/openapi'), ['query:context', 'query:generic_mount_paths']);
  });

  it('with generic_mount_paths, mounts are {<mount>_mount_path} parameters and singletons stay', async () => {
    const r = await fetchDoc(s, '?generic_mount_paths=true');
    assert.equal(r.status, 200);
    const doc = r.body as OasDocument;
    await assertValidOpenApi3(doc);
    assertWellFormed(doc);
    const login = doc.paths['/auth/{approle_mount_path}/login']!;
    assert.equal(login['x-vault-unauthenticated'], true);
    assert.deepEqual(login.parameters?.find((p) => p.name === 'approle_mount_path')?.schema, { type: 'string', default: 'approle' });
    assert.ok(doc.paths['/{team_pki_mount_path}/roles/{name}']);
    assert.ok(doc.paths['/sys/mounts']);
    assert.ok(doc.paths['/auth/token/create']);
    assert.ok(doc.paths['/cubbyhole/{path}']);
    assert.ok(doc.paths['/{kv1_mount_path}/{path}']);
    assert.equal(Object.keys(doc.paths).filter((k) => k.startsWith('/secret/') || k.startsWith('/transit/')).length, 0);
    // The same operations as the plain document, just placed differently.
    assert.equal(operationsOf(doc).size, operationsOf((await fetchDoc(s)).body).size);
  });

  it('shows a token only the mounts its policies reach, no token no mount here, a bad token a 403; bad input is a 400', async () => {
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/transit-only', { token: s.rootToken, body: { policy: 'path "transit/*" { capabilities = ["read"] }' } })).status, 204);
    const created = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['transit-only'], no_default_policy: true } });
    const limited = created.body.auth.client_token as string;
    const doc = (await fetchDoc(s, '', limited)).body as OasDocument;
    const mountsSeen = new Set(Object.keys(doc.paths).map((k) => k.split('/')[1]));
    assert.deepEqual([...mountsSeen].sort(), ['transit']);

    // No token: only mounts tuned listing_visibility=unauth, and this server has none
    // (specs-openapi-unauth.test.ts covers the rest).
    const none = await fetchDoc(s, '', '');
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.paths, {});
    const bad = await fetchDoc(s, '', 'hvs.not-a-token');
    assert.equal(bad.status, 403);
    assert.match(bad.body.errors[0], /permission denied[\s\S]*invalid token/);
    const flag = await fetchDoc(s, '?generic_mount_paths=maybe');
    assert.equal(flag.status, 400);
    assert.match(flag.body.errors[0], /generic_mount_paths/);
    // Vault takes the parameters in a POST body too.
    const posted = await api(s, 'POST', 'sys/internal/specs/openapi', { token: s.rootToken, body: { generic_mount_paths: true } });
    assert.equal(posted.status, 200);
    assert.ok(posted.body.paths['/auth/{approle_mount_path}/login']);
  });

  it('follows the mount table: a mount enabled, moved or disabled shows at once', async () => {
    const has = async (key: string) => ((await fetchDoc(s)).body as OasDocument).paths[key] !== undefined;
    assert.equal(await has('/later/keys/{name}'), false);
    await enableAll(s, s.rootToken, [['sys/mounts/later', 'transit']]);
    assert.equal(await has('/later/keys/{name}'), true);
    assert.equal((await api(s, 'POST', 'sys/remount', { token: s.rootToken, body: { from: 'later', to: 'moved' } })).status, 200);
    assert.equal(await has('/later/keys/{name}'), false);
    assert.equal(await has('/moved/keys/{name}'), true);
    // The same path again, now another type: the document is of the new backend.
    assert.equal((await api(s, 'DELETE', 'sys/mounts/moved', { token: s.rootToken })).status, 204);
    await enableAll(s, s.rootToken, [['sys/mounts/moved', 'totp']]);
    assert.equal(await has('/moved/keys/{name}'), true);
    assert.ok(((await fetchDoc(s)).body as OasDocument).paths['/moved/code/{name}'], 'the totp paths');
    assert.equal((await api(s, 'DELETE', 'sys/mounts/moved', { token: s.rootToken })).status, 204);
    assert.equal(await has('/moved/keys/{name}'), false);
  });

  it('?help=1 on a path answers from the same source as the document', async () => {
    const help = await api(s, 'GET', 'transit/keys/k1?help=1', { token: s.rootToken });
    assert.equal(help.status, 200);
    assert.match(help.body.help, /^Request: +keys\/k1$/m);
    const full = (await fetchDoc(s)).body as OasDocument;
    const fromHelp = (help.body.openapi as OasDocument).paths['/keys/{name}'];
    assert.deepEqual(fromHelp, full.paths['/transit/keys/{name}']);
  });
});
