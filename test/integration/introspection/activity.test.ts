/**
 * Client counting over a real socket: tokens used against the server become clients
 * (an entity, or Vault's non-entity client for tokens without one), counted once per
 * month, attributed to the auth mount that issued them; reports, the monthly view,
 * export (JSON lines and CSV), the configuration and the older token/entity counters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { nonEntityClientId } from '../../../src/core/activity/client-id.js';
import { runCli } from '../../../src/cli/testing.js';

describe('sys/internal/counters', () => {
  let s: TestServer;
  let userToken = '';
  before(async () => {
    s = await startTestServer();
    const root = s.rootToken;
    await api(s, 'POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } });
    await api(s, 'POST', 'auth/userpass/users/alice', { token: root, body: { password: 'pw-alice', token_policies: 'default' } });
  });
  after(async () => {
    await s.close();
  });

  it('answers 204 while no client has used a token (root tokens are not clients)', async () => {
    await api(s, 'GET', 'secret/data/none', { token: s.rootToken });
    assert.equal((await api(s, 'GET', 'sys/internal/counters/activity', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/internal/counters/activity/monthly', { token: s.rootToken })).status, 204);
  });

  it('counts an entity client and a non-entity client once each, by mount', async () => {
    const login = await api(s, 'POST', 'auth/userpass/login/alice', { body: { password: 'pw-alice' } });
    userToken = login.body.auth.client_token;
    const entityId = login.body.auth.entity_id;
    assert.ok(entityId);
    // Two tokens with the same policies and no entity are one client.
    const t1 = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } });
    const t2 = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } });
    for (const t of [userToken, userToken, t1.body.auth.client_token, t2.body.auth.client_token]) {
      assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 200);
    }
    const r = await api(s, 'GET', 'sys/internal/counters/activity', { token: s.rootToken });
    assert.equal(r.status, 200);
    const d = r.body.data;
    assert.deepEqual(d.total, { acme_clients: 0, clients: 2, distinct_entities: 1, entity_clients: 1, non_entity_clients: 1, non_entity_tokens: 1, secret_syncs: 0 });
    assert.equal(d.by_namespace[0].namespace_id, 'root');
    assert.deepEqual(d.by_namespace[0].mounts.map((m: { mount_path: string; counts: { clients: number } }) => [m.mount_path, m.counts.clients]), [['auth/token/', 1], ['auth/userpass/', 1]]);
    assert.equal(d.months.at(-1).counts.clients, 2);
    assert.match(d.start_time, /^\d{4}-\d\d-01T00:00:00Z$/);

    const monthly = await api(s, 'GET', 'sys/internal/counters/activity/monthly', { token: s.rootToken });
    assert.equal(monthly.status, 200);
    assert.equal(monthly.body.data.clients, 2);
    assert.equal(monthly.body.data.entity_clients, 1);

    const json = await fetch(`${s.url}/v1/sys/internal/counters/activity/export`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.equal(json.status, 200);
    const rows = (await json.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(rows.map((x) => [x['client_id'], x['client_type'], x['mount_path']]).sort(), [
      [entityId, 'entity', 'auth/userpass/'],
      [nonEntityClientId(['default']), 'non-entity-token', 'auth/token/'],
    ].sort());
    const csv = await fetch(`${s.url}/v1/sys/internal/counters/activity/export?format=csv`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines[0], 'client_id,client_type,namespace_id,namespace_path,mount_accessor,mount_path,mount_type,timestamp');
    assert.equal(lines.length, 3);

    const cli = await runCli(['operator', 'usage'], { VAULT_ADDR: s.url, VAULT_TOKEN: s.rootToken });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /\nTotal\s+1\s+1\s+0\s+0\s+2\n$/);
  });

  it('names the client of a request in sys/in-flight-req', async () => {
    await api(s, 'PUT', 'sys/policies/acl/inflight', { token: s.rootToken, body: { policy: 'path "sys/in-flight-req" { capabilities = ["read"] }' } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['inflight'] } });
    const res = await fetch(`${s.url}/v1/sys/in-flight-req`, { headers: { 'X-Vault-Token': t.body.auth.client_token } });
    const all = Object.values((await res.json()) as Record<string, { client_id: string }>);
    assert.deepEqual(all.map((e) => e.client_id), [nonEntityClientId(['default', 'inflight'])]);
  });

  it('refuses a backwards or malformed period with Vault\'s 400', async () => {
    const back = await api(s, 'GET', 'sys/internal/counters/activity?start_time=2026-05-01T00:00:00Z&end_time=2026-01-01T00:00:00Z', { token: s.rootToken });
    assert.equal(back.status, 400);
    assert.deepEqual(back.body, { errors: ['start_time is later than end_time'] });
    const bad = await api(s, 'GET', 'sys/internal/counters/activity?start_time=2026-13', { token: s.rootToken });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0], /field "start_time"/);
    const fmt = await api(s, 'GET', 'sys/internal/counters/activity/export?format=xml', { token: s.rootToken });
    assert.equal(fmt.status, 400);
    assert.deepEqual(fmt.body, { errors: ['invalid format: "xml"'] });
  });

  it('reports an earlier period without these clients as 204', async () => {
    const r = await api(s, 'GET', 'sys/internal/counters/activity?start_time=2020-01-01T00:00:00Z&end_time=2020-03-01T00:00:00Z', { token: s.rootToken });
    assert.equal(r.status, 204);
  });

  it('reads and writes the configuration with Vault\'s checks', async () => {
    const c = await api(s, 'GET', 'sys/internal/counters/config', { token: s.rootToken });
    assert.equal(c.body.data.enabled, 'default-enabled');
    assert.equal(c.body.data.retention_months, 48);
    const cases: [Record<string, unknown>, string][] = [
      [{ retention_months: -1 }, 'retention_months must be greater than or equal to 0'],
      [{ enabled: 'maybe' }, 'enabled must be one of "default", "enable", "disable"'],
      [{ retention_months: 0 }, 'retention_months cannot be 0 while enabled'],
    ];
    for (const [body, msg] of cases) {
      const r = await api(s, 'PUT', 'sys/internal/counters/config', { token: s.rootToken, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.deepEqual(r.body, { errors: [msg] });
    }
    const capped = await api(s, 'PUT', 'sys/internal/counters/config', { token: s.rootToken, body: { retention_months: 99 } });
    assert.equal(capped.status, 200);
    assert.deepEqual(capped.body.warnings, ['retention_months cannot be greater than 60; capped to 60.']);
    assert.equal((await api(s, 'GET', 'sys/internal/counters/config', { token: s.rootToken })).body.data.retention_months, 60);
  });

  it('stops counting when disabled, dropping this month\'s clients', async () => {
    const off = await api(s, 'PUT', 'sys/internal/counters/config', { token: s.rootToken, body: { enabled: 'disable' } });
    assert.equal(off.status, 200);
    assert.deepEqual(off.body.warnings, ['the current monthly segment will be deleted because the activity log was disabled']);
    await api(s, 'GET', 'auth/token/lookup-self', { token: userToken });
    assert.equal((await api(s, 'GET', 'sys/internal/counters/activity/monthly', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/internal/counters/config', { token: s.rootToken })).body.data.enabled, 'disable');
    assert.equal((await api(s, 'PUT', 'sys/internal/counters/config', { token: s.rootToken, body: { enabled: 'enable' } })).status, 204);
    await api(s, 'GET', 'auth/token/lookup-self', { token: userToken });
    assert.equal((await api(s, 'GET', 'sys/internal/counters/activity/monthly', { token: s.rootToken })).body.data.clients, 1);
  });

  it('keeps the older token and entity totals', async () => {
    const tokens = await api(s, 'GET', 'sys/internal/counters/tokens', { token: s.rootToken });
    assert.equal(tokens.status, 200);
    assert.ok(tokens.body.data.counters.service_tokens.total >= 4, JSON.stringify(tokens.body));
    const entities = await api(s, 'GET', 'sys/internal/counters/entities', { token: s.rootToken });
    assert.deepEqual(entities.body.data, { counters: { entities: { total: 1 } } });
  });
});

describe('client counting across a restart', () => {
  it('reports the clients recorded before a restart, and counts them once after it', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ward-activity-'));
    try {
      const path = join(dir, 'ward.db');
      const a = await startTestServer({ sqlitePath: path });
      const t = await api(a, 'POST', 'auth/token/create', { token: a.rootToken, body: { policies: ['default'] } });
      await api(a, 'GET', 'auth/token/lookup-self', { token: t.body.auth.client_token });
      const before = await (await fetch(`${a.url}/v1/sys/internal/counters/activity/export`, { headers: { 'X-Vault-Token': a.rootToken } })).text();
      await a.close();
      const b = await startTestServer({ sqlitePath: path, dev: false });
      try {
        assert.equal((await api(b, 'PUT', 'sys/unseal', { body: { key: a.unsealKeys[0] } })).body.sealed, false);
        await api(b, 'GET', 'auth/token/lookup-self', { token: t.body.auth.client_token });
        const m = await api(b, 'GET', 'sys/internal/counters/activity/monthly', { token: a.rootToken });
        assert.equal(m.body.data.clients, 1);
        const after = await (await fetch(`${b.url}/v1/sys/internal/counters/activity/export`, { headers: { 'X-Vault-Token': a.rootToken } })).text();
        assert.equal(after, before);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
