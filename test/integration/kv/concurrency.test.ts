/**
 * Races a client can create with parallel requests: CAS, version numbering, merge
 * patches, use-limited tokens and single-use wrapping tokens must hold under concurrency.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const MERGE = { 'Content-Type': 'application/merge-patch+json' };

describe('concurrent requests', () => {
  let s: TestServer;
  let root = '';
  const par = <T>(n: number, f: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => f(i)));
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
  });
  after(async () => {
    await s.close();
  });

  it('20 writes with the same cas: exactly one wins', async () => {
    await api(s, 'POST', 'secret/data/cas', { token: root, body: { data: { v: 0 } } });
    const rs = await par(20, (i) => api(s, 'POST', 'secret/data/cas', { token: root, body: { data: { v: i }, options: { cas: 1 } } }));
    assert.equal(rs.filter((r) => r.status === 200).length, 1);
    assert.equal(rs.filter((r) => r.status === 400).length, 19);
    assert.equal((await api(s, 'GET', 'secret/metadata/cas', { token: root })).body.data.current_version, 2);
  });

  it('20 unconditional writes get versions 1..20', async () => {
    const rs = await par(20, (i) => api(s, 'POST', 'secret/data/seq', { token: root, body: { data: { v: i } } }));
    assert.deepEqual(
      rs.map((r) => r.body.data.version).sort((a: number, b: number) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('10 parallel merge patches all land', async () => {
    await api(s, 'POST', 'secret/data/patch', { token: root, body: { data: { base: true } } });
    const rs = await par(10, (i) => api(s, 'PATCH', 'secret/data/patch', { token: root, body: { data: { [`k${i}`]: i } }, headers: MERGE }));
    assert.ok(rs.every((r) => r.status === 200));
    const r = await api(s, 'GET', 'secret/data/patch', { token: root });
    assert.equal(Object.keys(r.body.data.data).length, 11);
    assert.equal(r.body.data.metadata.version, 11);
  });

  it('a 3-use token used 10 times in parallel succeeds exactly 3 times', async () => {
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'], num_uses: 3 } })).body.auth.client_token;
    const rs = await par(10, () => api(s, 'GET', 'auth/token/lookup-self', { token: t }));
    assert.equal(rs.filter((r) => r.status === 200).length, 3);
    assert.ok(rs.filter((r) => r.status !== 200).every((r) => r.status === 403));
  });

  it('a wrapping token unwrapped 10 times in parallel yields the secret once', async () => {
    await api(s, 'POST', 'secret/data/w', { token: root, body: { data: { pw: 'once' } } });
    const w = (await api(s, 'GET', 'secret/data/w', { token: root, headers: { 'X-Vault-Wrap-TTL': '60' } })).body.wrap_info.token;
    const rs = await par(10, (i) => (i % 2 ? api(s, 'POST', 'sys/wrapping/unwrap', { token: w }) : api(s, 'POST', 'sys/wrapping/unwrap', { token: root, body: { token: w } })));
    assert.equal(rs.filter((r) => r.status === 200).length, 1);
    assert.ok(rs.filter((r) => r.status !== 200).every((r) => r.status === 400 || r.status === 403), rs.map((r) => r.status).join(','));
  });

  it('rewrap raced 10 times issues one new token', async () => {
    const w = (await api(s, 'GET', 'secret/data/w', { token: root, headers: { 'X-Vault-Wrap-TTL': '60' } })).body.wrap_info.token;
    const rs = await par(10, () => api(s, 'POST', 'sys/wrapping/rewrap', { token: root, body: { token: w } }));
    assert.equal(rs.filter((r) => r.status === 200).length, 1);
  });
});
