/**
 * Durations past Vault's range (Go time.Duration: int64 nanoseconds, about 292 years)
 * and integers past the safe integers are a 400 wherever a client may send them, and
 * leave nothing stored (issue 14, finding 3). Before, "9"x400 became Infinity (an AppRole
 * secret_id_ttl stored as null: SecretIDs that never expire) and "99999999999h" a date
 * no clock could hold.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, enableAll, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

const NINES = '9'.repeat(400);
const TOO_LONG = [`"${NINES}"`, NINES, '"99999999999h"', '9223372037', '"106752d"'];

describe('durations and integers past Vault\'s range', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    await enableAll(s, root, [
      ['sys/auth/approle', 'approle'],
      ['sys/auth/userpass', 'userpass'],
      ['sys/mounts/transit', 'transit'],
      ['sys/mounts/pki', 'pki'],
    ]);
  });
  after(async () => {
    await s.close();
  });

  /** POSTs `{"<field>": <raw>}` for each too-long duration; each must be a 400 naming the field. */
  async function refusesEach(path: string, fieldName: string, extra = ''): Promise<void> {
    for (const raw of TOO_LONG) {
      const r = await api(s, 'POST', path, { token: root, body: `{${extra}"${fieldName}":${raw}}` });
      assert.equal(r.status, 400, `${path} ${fieldName}=${raw.slice(0, 20)}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.match(errText(r), new RegExp(`field "${fieldName}": time: invalid duration`), `${path} ${fieldName}`);
    }
  }

  it('X-Vault-Wrap-TTL past the range is a 400 with Vault\'s header error', async () => {
    for (const ttl of [NINES, '99999999999h', '9223372037']) {
      const r = await api(s, 'GET', 'sys/mounts', { token: root, headers: { 'X-Vault-Wrap-TTL': ttl } });
      assert.equal(r.status, 400, `${ttl.slice(0, 20)}: ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), 'error parsing X-Vault-Wrap-TTL header');
    }
    const ok = await api(s, 'GET', 'sys/mounts', { token: root, headers: { 'X-Vault-Wrap-TTL': '5m' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.wrap_info.ttl, 300);
  });

  it('token create: ttl, explicit_max_ttl and period', async () => {
    const tokens = async () => (await api(s, 'LIST', 'auth/token/accessors', { token: root })).body.data.keys.length as number;
    const before = await tokens();
    for (const f of ['ttl', 'explicit_max_ttl', 'period']) await refusesEach('auth/token/create', f);
    assert.equal(await tokens(), before, 'no token was created');
  });

  it('token roles: token_ttl, token_max_ttl, token_explicit_max_ttl, token_period, and token_num_uses', async () => {
    for (const f of ['token_ttl', 'token_max_ttl', 'token_explicit_max_ttl', 'token_period']) await refusesEach('auth/token/roles/r', f);
    const r = await api(s, 'POST', 'auth/token/roles/r', { token: root, body: `{"token_num_uses":"${NINES}"}` });
    assert.equal(r.status, 400);
    assert.match(errText(r), /value out of range/);
    assert.equal((await api(s, 'GET', 'auth/token/roles/r', { token: root })).status, 404, 'no role was stored');
  });

  it('mount enable and tune: default_lease_ttl and max_lease_ttl', async () => {
    for (const f of ['default_lease_ttl', 'max_lease_ttl']) await refusesEach('sys/mounts/transit/tune', f);
    for (const raw of TOO_LONG) {
      const r = await api(s, 'POST', 'sys/mounts/kv2', { token: root, body: `{"type":"kv","config":{"max_lease_ttl":${raw}}}` });
      assert.equal(r.status, 400, `${raw.slice(0, 20)}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await api(s, 'GET', 'sys/mounts/kv2', { token: root })).status, 400, 'kv2 was not mounted');
    const tune = await api(s, 'GET', 'sys/mounts/transit/tune', { token: root });
    assert.deepEqual([tune.body.data.default_lease_ttl, tune.body.data.max_lease_ttl], [2764800, 2764800]);
    const lockout = await api(s, 'POST', 'sys/auth/userpass/tune', { token: root, body: { user_lockout_config: { lockout_duration: NINES } } });
    assert.equal(lockout.status, 400, JSON.stringify(lockout.body));
  });

  it('AppRole: secret_id_ttl, token_ttl and token_max_ttl on the role and its sub-paths', async () => {
    assert.equal((await api(s, 'POST', 'auth/approle/role/app', { token: root, body: { secret_id_ttl: '10m', token_ttl: '1h' } })).status, 204);
    for (const f of ['secret_id_ttl', 'token_ttl', 'token_max_ttl', 'token_period', 'token_explicit_max_ttl']) await refusesEach('auth/approle/role/app', f);
    await refusesEach('auth/approle/role/app/secret-id-ttl', 'secret_id_ttl');
    await refusesEach('auth/approle/role/app/token-ttl', 'token_ttl');
    const role = await api(s, 'GET', 'auth/approle/role/app', { token: root });
    assert.deepEqual([role.body.data.secret_id_ttl, role.body.data.token_ttl], [600, 3600], 'the role kept its TTLs');
    const n = await api(s, 'POST', 'auth/approle/role/app', { token: root, body: `{"secret_id_num_uses":${NINES}}` });
    assert.equal(n.status, 400);
  });

  it('userpass: token_ttl on a user', async () => {
    await refusesEach('auth/userpass/users/alice', 'token_ttl', '"password":"pw",');
    assert.equal((await api(s, 'GET', 'auth/userpass/users/alice', { token: root })).status, 404);
  });

  it('PKI: role ttl and max_ttl, and the ttl of an issue request', async () => {
    for (const f of ['ttl', 'max_ttl']) await refusesEach('pki/roles/web', f, '"allow_any_name":true,');
    assert.equal((await api(s, 'GET', 'pki/roles/web', { token: root })).status, 404);
  });

  it('transit: auto_rotate_period on a key', async () => {
    await refusesEach('transit/keys/k', 'auto_rotate_period');
  });

  it('the longest duration Go can hold is still accepted', async () => {
    const r = await api(s, 'POST', 'auth/token/create', { token: root, body: { ttl: '2562047h47m16s', policies: ['default'] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.auth.lease_duration, 2764800, 'capped by the mount max');
  });
});
