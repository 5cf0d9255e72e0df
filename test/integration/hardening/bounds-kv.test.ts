/**
 * A KV v2 key can never be bricked by what a client writes (issue 14, finding 3): values
 * past Vault's ranges are a 400 and change nothing, and a metadata record an older
 * version wrote as invalid JSON becomes readable and repairable again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

const NINES = '9'.repeat(400);

/** The key still answers every operation: read, write, read back, metadata, delete. */
async function assertUsable(s: TestServer, token: string, path: string): Promise<void> {
  const w = await api(s, 'POST', `secret/data/${path}`, { token, body: { data: { v: 'after' } } });
  assert.equal(w.status, 200, `write: ${JSON.stringify(w.body)}`);
  const r = await api(s, 'GET', `secret/data/${path}`, { token });
  assert.equal(r.status, 200, `read: ${JSON.stringify(r.body)}`);
  assert.deepEqual(r.body.data.data, { v: 'after' });
  const m = await api(s, 'GET', `secret/metadata/${path}`, { token });
  assert.equal(m.status, 200, `metadata: ${JSON.stringify(m.body)}`);
  assert.equal(m.body.data.delete_version_after, '0s');
  assert.equal((await api(s, 'DELETE', `secret/metadata/${path}`, { token })).status, 204);
  assert.equal((await api(s, 'GET', `secret/data/${path}`, { token })).status, 404);
}

describe('KV v2: values out of range are refused and never stored', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
  });
  after(async () => {
    await s.close();
  });

  for (const [label, body] of [
    ['400 nines as a string', `{"delete_version_after":"${NINES}"}`],
    ['400 nines as a number', `{"delete_version_after":${NINES}}`],
    ['"99999999999h"', '{"delete_version_after":"99999999999h"}'],
    ['one second past int64 nanoseconds', '{"delete_version_after":9223372037}'],
  ] as const) {
    it(`metadata delete_version_after = ${label} is a 400 and the key keeps working`, async () => {
      const path = `dva-${label.replace(/\W+/g, '-')}`;
      assert.equal((await api(s, 'POST', `secret/data/${path}`, { token: root, body: { data: { v: 'before' } } })).status, 200);
      const r = await api(s, 'POST', `secret/metadata/${path}`, { token: root, body });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(errText(r), /field "delete_version_after": time: invalid duration/);
      await assertUsable(s, root, path);
    });
  }

  it('the longest duration Go can hold is accepted and echoed', async () => {
    const r = await api(s, 'POST', 'secret/metadata/longest', { token: root, body: { delete_version_after: '2562047h47m16s' } });
    assert.equal(r.status, 204, JSON.stringify(r.body));
    assert.equal((await api(s, 'POST', 'secret/data/longest', { token: root, body: { data: { v: 1 } } })).status, 200);
    assert.equal((await api(s, 'GET', 'secret/metadata/longest', { token: root })).body.data.delete_version_after, '2562047h47m16s');
  });

  it('max_versions past the safe integers is a 400, not Infinity', async () => {
    for (const body of [`{"max_versions":"${NINES}"}`, '{"max_versions":1e300}']) {
      const r = await api(s, 'POST', 'secret/metadata/maxv', { token: root, body });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(errText(r), /field "max_versions": strconv\.ParseInt: parsing .*: value out of range/);
    }
    assert.equal((await api(s, 'GET', 'secret/metadata/maxv', { token: root })).status, 404, 'nothing was stored');
  });

  it('mount config refuses the same values and keeps its settings', async () => {
    for (const body of [`{"delete_version_after":"${NINES}"}`, '{"delete_version_after":"99999999999h"}', `{"max_versions":"${NINES}"}`]) {
      const r = await api(s, 'POST', 'secret/config', { token: root, body });
      assert.equal(r.status, 400, `${body.slice(0, 40)}: ${JSON.stringify(r.body)}`);
    }
    const c = await api(s, 'GET', 'secret/config', { token: root });
    assert.deepEqual([c.body.data.delete_version_after, c.body.data.max_versions], ['0s', 0]);
  });

  it('a number too large for a double is refused rather than stored as null', async () => {
    const r = await api(s, 'POST', 'secret/data/huge-number', { token: root, body: '{"data":{"n":1e400,"ok":1}}' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(errText(r), /numbers must be finite/);
    assert.equal((await api(s, 'GET', 'secret/data/huge-number', { token: root })).status, 404);
  });

  it('custom_metadata with an unpaired surrogate is refused', async () => {
    const r = await api(s, 'POST', 'secret/metadata/cm', { token: root, body: '{"custom_metadata":{"k":"a\\ud800"}}' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal((await api(s, 'GET', 'secret/metadata/cm', { token: root })).status, 404);
  });
});

describe('KV v2: a metadata record an older version left unparseable', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ward-bricked-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads, writes and deletes again after a restart', async () => {
    const sqlitePath = join(dir, 'ward.db');
    let s = await startTestServer({ sqlitePath });
    const root = s.rootToken;
    const key = s.unsealKeys[0] as string;
    try {
      assert.equal((await api(s, 'POST', 'secret/data/bricked', { token: root, body: { data: { v: 'before' } } })).status, 200);
      // What the old hand-written encoder stored for delete_version_after = "9"x400.
      const route = s.core.active?.router.get('secret/');
      assert.ok(route);
      const stored = await route.storage.get('metadata/bricked');
      assert.ok(stored);
      const legacy = stored.toString('utf8').replace(/"delete_version_after":\d+/, '"delete_version_after":Infinity');
      assert.notEqual(legacy, stored.toString('utf8'));
      await route.storage.put('metadata/bricked', Buffer.from(legacy, 'utf8'));
      await s.close();

      s = await startTestServer({ sqlitePath, dev: false });
      assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
      const r = await api(s, 'GET', 'secret/data/bricked', { token: root });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.data.data, { v: 'before' });
      await assertUsable(s, root, 'bricked');
    } finally {
      await s.close();
    }
  });
});
