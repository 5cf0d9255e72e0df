/**
 * Token-role policy globs are matched without regular expressions: a megabyte
 * allowed_policies_glob made `auth/token/create/<role>` answer 500 ("Invalid regular
 * expression: too large", found by the fuzzer, seed 14 #2404), and a glob with many
 * stars backtracked.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('token roles: allowed/disallowed policy globs of any size', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('a megabyte allowed_policies_glob is stored and simply does not match', async () => {
    const huge = `${'p*'.repeat(300_000)}z`;
    assert.equal((await api(s, 'POST', 'auth/token/roles/huge', { token: s.rootToken, body: { allowed_policies_glob: [huge, 'app-*'] } })).status, 204);
    const ok = await api(s, 'POST', 'auth/token/create/huge', { token: s.rootToken, body: { policies: ['app-web'] } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const refused = await api(s, 'POST', 'auth/token/create/huge', { token: s.rootToken, body: { policies: [`${'p'.repeat(5000)}y`] } });
    assert.equal(refused.status, 400, JSON.stringify(refused.body).slice(0, 300));
  });

  it('disallowed_policies_glob refuses what it matches', async () => {
    assert.equal((await api(s, 'POST', 'auth/token/roles/deny', { token: s.rootToken, body: { disallowed_policies_glob: ['admin-*'] } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/token/create/deny', { token: s.rootToken, body: { policies: ['admin-x'] } })).status, 400);
    assert.equal((await api(s, 'POST', 'auth/token/create/deny', { token: s.rootToken, body: { policies: ['reader'] } })).status, 200);
  });
});
