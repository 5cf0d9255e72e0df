/**
 * Parameter constraints over HTTP: a policy with allowed_parameters, denied_parameters or
 * required_parameters, a token holding it, and requests that pass and fail with Vault's
 * semantics (empty lists mean any value, `*` keys, prefix/suffix globs on values, denied
 * checked first, names compared lower-cased, constraints merged across policies). The
 * data is a KV v1 mount's, so the body is exactly the parameters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('policy parameter constraints over HTTP', () => {
  let s: TestServer;
  let root = '';
  let n = 0;

  /** A token whose only non-default policy is one rule on kv/<path> with `constraints`. */
  const tokenFor = async (path: string, constraints: string, capabilities = '["create", "update", "read"]'): Promise<string> => {
    const name = `params-${++n}`;
    const policy = `path "kv/${path}" {\n  capabilities = ${capabilities}\n  ${constraints}\n}\n`;
    const w = await api(s, 'PUT', `sys/policies/acl/${name}`, { token: root, body: { policy } });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const t = await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: [name] } });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    return t.body.auth.client_token as string;
  };
  /** Writes `body` to kv/<path> with `token`: 204 when allowed. */
  const write = async (token: string, path: string, body: Record<string, unknown>): Promise<number> => (await api(s, 'PUT', `kv/${path}`, { token, body })).status;
  const denied = async (token: string, path: string, body: Record<string, unknown>, why: string): Promise<void> => {
    const r = await api(s, 'PUT', `kv/${path}`, { token, body });
    assert.equal(r.status, 403, `${why}: ${JSON.stringify(body)}`);
    assert.match(errText(r), /permission denied/);
    const stored = await api(s, 'GET', `kv/${path}`, { token: root });
    assert.notDeepEqual(stored.body?.data, body, `${why}: the refused write did not land`);
  };

  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    assert.equal((await api(s, 'POST', 'sys/mounts/kv', { token: root, body: { type: 'kv', options: { version: '1' } } })).status, 204);
  });
  after(() => s.close());

  it('allowed_parameters: listed keys with listed values only; an empty list allows any value', async () => {
    const t = await tokenFor('allowed', 'allowed_parameters = {\n "env" = ["dev", "prod"]\n "owner" = []\n}');
    assert.equal(await write(t, 'allowed', { env: 'dev', owner: 'alice' }), 204);
    assert.equal(await write(t, 'allowed', { owner: 'any value at all' }), 204);
    assert.equal(await write(t, 'allowed', { env: 'prod' }), 204);
    await denied(t, 'allowed', { env: 'qa' }, 'a value not in the list');
    await denied(t, 'allowed', { env: 'dev', extra: 'x' }, 'a key not in the list');
    await denied(t, 'allowed', { ENV: 'qa' }, 'names compare lower-cased, so the value still counts');
    assert.equal(await write(t, 'allowed', { OWNER: 'bob' }), 204, 'names compare lower-cased');
    assert.deepEqual((await api(s, 'GET', 'kv/allowed', { token: root })).body.data, { OWNER: 'bob' });
  });

  it('allowed_parameters values: prefix and suffix globs', async () => {
    const t = await tokenFor('globs', 'allowed_parameters = {\n "env" = ["dev-*", "*-prod"]\n}');
    assert.equal(await write(t, 'globs', { env: 'dev-7' }), 204);
    assert.equal(await write(t, 'globs', { env: 'eu-prod' }), 204);
    await denied(t, 'globs', { env: 'prod-eu' }, 'neither glob matches');
    await denied(t, 'globs', { env: 'dev' }, '"dev-*" needs the dash');
  });

  it('allowed_parameters "*": any other key, while listed keys keep their values', async () => {
    const t = await tokenFor('star', 'allowed_parameters = {\n "*" = []\n "env" = ["dev"]\n}');
    assert.equal(await write(t, 'star', { anything: 1, env: 'dev' }), 204);
    assert.equal(await write(t, 'star', { anything: 'else' }), 204);
    await denied(t, 'star', { anything: 1, env: 'prod' }, 'env is still restricted');
  });

  it('an empty allowed_parameters map restricts nothing', async () => {
    const t = await tokenFor('none', 'allowed_parameters = {}');
    assert.equal(await write(t, 'none', { a: 1, b: 'two' }), 204);
  });

  it('denied_parameters: a key with any value, a key with listed values, and "*"', async () => {
    const key = await tokenFor('denykey', 'denied_parameters = {\n "admin" = []\n}');
    await denied(key, 'denykey', { admin: false }, 'admin with any value');
    assert.equal(await write(key, 'denykey', { user: 'x' }), 204);

    const value = await tokenFor('denyval', 'denied_parameters = {\n "env" = ["prod", "*-live"]\n}');
    await denied(value, 'denyval', { env: 'prod' }, 'a denied value');
    await denied(value, 'denyval', { env: 'eu-live' }, 'a denied glob');
    assert.equal(await write(value, 'denyval', { env: 'dev' }), 204);

    const all = await tokenFor('denyall', 'denied_parameters = {\n "*" = []\n}');
    await denied(all, 'denyall', { a: 1 }, '"*" denies every parameter');
    assert.equal((await api(s, 'GET', 'kv/denyall', { token: all })).status, 404, 'a read without parameters is still allowed (and finds nothing)');
  });

  it('denied is checked before allowed', async () => {
    const t = await tokenFor('both', 'allowed_parameters = {\n "env" = []\n}\n denied_parameters = {\n "env" = ["prod"]\n}');
    assert.equal(await write(t, 'both', { env: 'dev' }), 204);
    await denied(t, 'both', { env: 'prod' }, 'denied wins over an allowed any-value');
  });

  it('required_parameters: the request must carry each one', async () => {
    const t = await tokenFor('req', 'required_parameters = ["owner", "ticket"]');
    assert.equal(await write(t, 'req', { owner: 'alice', ticket: 'OPS-1', note: 'x' }), 204);
    await denied(t, 'req', { owner: 'alice' }, 'ticket missing');
    await denied(t, 'req', { note: 'x' }, 'both missing');
  });

  it('query parameters of a read count as request data', async () => {
    assert.equal(await write(await tokenFor('q', ''), 'q', { v: '1' }), 204);
    const t = await tokenFor('q', 'denied_parameters = {\n "version" = []\n}', '["read"]');
    assert.equal((await api(s, 'GET', 'kv/q', { token: t })).status, 200);
    const r = await api(s, 'GET', 'kv/q?version=1', { token: t });
    assert.equal(r.status, 403);
    assert.match(errText(r), /permission denied/);
  });

  it('constraints on the same path in two policies merge: either policy\'s values are allowed', async () => {
    const p1 = 'path "kv/merged" {\n capabilities = ["create", "update"]\n allowed_parameters = { "env" = ["dev"] }\n}';
    const p2 = 'path "kv/merged" {\n capabilities = ["update"]\n allowed_parameters = { "env" = ["prod"], "team" = [] }\n}';
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/merge-1', { token: root, body: { policy: p1 } })).status, 204);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/merge-2', { token: root, body: { policy: p2 } })).status, 204);
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['merge-1', 'merge-2'] } })).body.auth.client_token as string;
    assert.equal(await write(t, 'merged', { env: 'dev' }), 204);
    assert.equal(await write(t, 'merged', { env: 'prod', team: 'a' }), 204);
    await denied(t, 'merged', { env: 'qa' }, 'in neither policy');
  });
});
