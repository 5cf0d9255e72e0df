/**
 * sys/metrics after known requests, over a real socket, parsed by a strict Prometheus text
 * parser: request timers by route and for logins, barrier and storage timers, token and
 * lease counts computed at scrape time, audit timers, seal and HA state; the JSON form
 * carries the same series. The registry is process-wide (as Vault's go-metrics), so
 * request counts are compared as deltas between two scrapes. Token counts are collected every
 * usage_gauge_period (1s here, polled for; 10m by default, where a scrape serves the last
 * collection: see the second suite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/process.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { parsePrometheusText, sampleValue, type Family } from '../../helpers/prometheus.js';
import { waitFor } from '../../helpers/wait.js';
import { DEV_TELEMETRY } from '../../../src/core/metrics/telemetry.js';

async function scrape(s: TestServer): Promise<Map<string, Family>> {
  const res = await fetch(`${s.url}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': s.rootToken } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

const v = (f: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => sampleValue(f, name, labels) ?? 0;

describe('sys/metrics after known requests', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-metrics-'));
    s = await startTestServer({ telemetry: { ...DEV_TELEMETRY, usageGaugePeriodSeconds: 1 } });
    assert.equal((await api(s, 'PUT', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: join(dir, 'audit.log') } } })).status, 204);
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('times every request by route (operation and mount) and logins apart', async () => {
    assert.equal((await api(s, 'POST', 'sys/auth/userpass', { token: s.rootToken, body: { type: 'userpass' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/userpass/users/ann', { token: s.rootToken, body: { password: 'pw-ann', policies: ['default'] } })).status, 204);
    const a = await scrape(s);
    assert.equal((await api(s, 'POST', 'secret/data/m1', { token: s.rootToken, body: { data: { k: 'v' } } })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await api(s, 'GET', 'secret/data/m1', { token: s.rootToken })).status, 200);
    assert.equal((await api(s, 'POST', 'auth/userpass/login/ann', { body: { password: 'pw-ann' } })).status, 200);
    const b = await scrape(s);
    assert.equal(b.get('vault_route_read_secret_')?.type, 'summary');
    assert.equal(v(b, 'vault_route_read_secret__count') - v(a, 'vault_route_read_secret__count'), 3);
    assert.equal(v(b, 'vault_route_create_secret__count') + v(b, 'vault_route_update_secret__count') - v(a, 'vault_route_create_secret__count') - v(a, 'vault_route_update_secret__count'), 1);
    assert.equal(v(b, 'vault_core_handle_login_request_count') - v(a, 'vault_core_handle_login_request_count'), 1);
    // The four requests above and the first scrape itself (a read of sys/metrics).
    assert.equal(v(b, 'vault_core_handle_request_count') - v(a, 'vault_core_handle_request_count'), 5);
    assert.equal(v(b, 'vault_route_read_sys__count') - v(a, 'vault_route_read_sys__count'), 1);
    const hr = b.get('vault_core_handle_request');
    assert.equal(hr?.type, 'summary');
    const q = (x: string): number => v(b, 'vault_core_handle_request', { quantile: x });
    assert.ok(q('0.5') > 0 && q('0.5') <= q('0.9') && q('0.9') <= q('0.99'), JSON.stringify(hr?.samples));
    assert.ok(v(b, 'vault_core_handle_request_sum') >= q('0.5'));
  });

  it('times barrier and storage operations', async () => {
    const a = await scrape(s);
    assert.equal((await api(s, 'POST', 'secret/data/m2', { token: s.rootToken, body: { data: { k: 'v' } } })).status, 200);
    const b = await scrape(s);
    for (const name of ['vault_barrier_get_count', 'vault_barrier_list_count', 'vault_inmem_get_count']) assert.ok(v(b, name) > 0, name);
    assert.ok(v(b, 'vault_barrier_put_count') > v(a, 'vault_barrier_put_count'));
    assert.ok(v(b, 'vault_inmem_put_count') + v(b, 'vault_inmem_transaction_count') > v(a, 'vault_inmem_put_count') + v(a, 'vault_inmem_transaction_count'));
    assert.equal(b.get('vault_barrier_get')?.type, 'summary');
  });

  it('counts tokens by policy and by auth method, and leases, every usage_gauge_period', async () => {
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/p1', { token: s.rootToken, body: { policy: 'path "secret/*" { capabilities = ["read"] }' } })).status, 204);
    const a = await scrape(s);
    const p1 = (f: Map<string, Family>): number => v(f, 'vault_token_count_by_policy', { namespace: 'root', policy: 'p1' });
    assert.equal(v(a, 'vault_token_count_by_policy', { namespace: 'root', policy: 'p1' }), 0);
    const made: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['p1'], ttl: '1h' } });
      made.push(r.body.auth.client_token);
    }
    const stored = (await s.core.active!.tokens.allEntries()).length;
    const b = await waitFor('the next collection to count the two p1 tokens', async () => {
      const f = await scrape(s);
      return p1(f) === 2 && v(f, 'vault_token_count', { namespace: 'root' }) === stored ? f : null;
    });
    assert.equal(b.get('vault_token_count_by_policy')?.type, 'gauge');
    const byAuth = b.get('vault_token_count_by_auth')?.samples ?? [];
    assert.equal(byAuth.reduce((sum, x) => sum + x.value, 0), stored, 'every token is counted under its auth method');
    assert.equal(v(b, 'vault_expire_num_leases') - v(a, 'vault_expire_num_leases'), 2);
    assert.equal(v(b, 'vault_expire_num_leases'), s.core.active!.expiration.count());
    assert.equal((await api(s, 'POST', 'auth/token/revoke', { token: s.rootToken, body: { token: made[0] } })).status, 204);
    await waitFor('the next collection to count one p1 token', async () => p1(await scrape(s)) === 1);
  });

  it('times audit writes and counts their failures', async () => {
    const b = await scrape(s);
    assert.ok(v(b, 'vault_audit_log_request_count') > 0);
    assert.ok(v(b, 'vault_audit_log_response_count') > 0);
    assert.equal(b.get('vault_audit_log_request_failure')?.type, 'counter');
    assert.equal(v(b, 'vault_audit_log_request_failure'), 0);
  });

  it('reports the seal and HA state', async () => {
    const b = await scrape(s);
    assert.equal(v(b, 'vault_core_unsealed'), 1);
    assert.equal(v(b, 'vault_core_active'), 1);
    assert.equal(b.get('vault_core_unsealed')?.type, 'gauge');
  });

  it('the JSON form carries the same series as Vault shapes them', async () => {
    const res = await fetch(`${s.url}/v1/sys/metrics`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { Gauges: { Name: string; Value: number; Labels: Record<string, string> }[]; Samples: { Name: string; Count: number; Sum: number; Min: number; Max: number; Labels: Record<string, string> }[]; Counters: { Name: string }[] };
    const sample = body.Samples.find((x) => x.Name === 'vault.core.handle_request');
    assert.ok(sample && sample.Count > 0 && sample.Max >= sample.Min && sample.Sum > 0, JSON.stringify(sample));
    assert.deepEqual(sample.Labels, {});
    assert.ok(body.Samples.some((x) => x.Name === 'vault.route.read.secret-'));
    assert.equal(body.Gauges.find((g) => g.Name === 'vault.core.unsealed')?.Value, 1);
    const p1 = body.Gauges.find((g) => g.Name === 'vault.token.count.by_policy' && g.Labels['policy'] === 'p1');
    assert.deepEqual(p1?.Labels, { namespace: 'root', policy: 'p1' });
    assert.ok(body.Counters.some((c) => c.Name === 'vault.audit.log_request_failure'));
  });

  it('answers a Prometheus scraper asking for OpenMetrics in the Prometheus format, without ?format', async () => {
    const accept = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const res = await fetch(`${s.url}/v1/sys/metrics`, { headers: { 'X-Vault-Token': s.rootToken, Accept: accept } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(parsePrometheusText(await res.text()).has('vault_core_handle_request'));
  });

  it('every series the Grafana dashboard queries is served', async () => {
    assert.equal((await api(s, 'DELETE', 'secret/metadata/m2', { token: s.rootToken })).status, 204);
    const dashboard = readFileSync(join(REPO_ROOT, 'deploy', 'grafana', 'ward-overview.json'), 'utf8');
    // Names given by regex (__name__=~"…") are families of routes or stores; the named ones must exist.
    const queried = new Set([...dashboard.replace(/__name__=~\\"[^\\]*\\"/g, '').matchAll(/\bvault_[a-zA-Z0-9_]+/g)].map((m) => m[0]));
    const notHere: Record<string, string> = {
      vault_expire_revoke: 'observed once a lease runs out',
      vault_ward_expire_leases_by_mount: 'needs a dynamic secret lease',
      vault_runtime_event_loop_delay_ms: 'the event-loop watchdog runs in ward server, not in this in-process core',
      vault_runtime_event_loop_stalls: 'the same watchdog',
    };
    const b = await scrape(s);
    const served = new Set<string>();
    for (const f of b.values()) {
      served.add(f.name);
      for (const x of f.samples) served.add(x.name);
    }
    assert.ok(queried.size > 15, [...queried].join(' '));
    const missing = [...queried].filter((n) => !served.has(n) && !(n in notHere));
    assert.deepEqual(missing, []);
  });
});

describe('sys/metrics with the default usage_gauge_period (10m)', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('a scrape serves the last collection: tokens made since do not show until the next one, leases in memory do', async () => {
    const a = await scrape(s);
    const tokens = v(a, 'vault_token_count', { namespace: 'root' });
    assert.ok(tokens >= 1, 'the first scrape after unseal collected (the root token at least)');
    for (let i = 0; i < 3; i++) assert.equal((await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'], ttl: '1h' } })).status, 200);
    const b = await scrape(s);
    assert.equal(v(b, 'vault_token_count', { namespace: 'root' }), tokens, 'no token was read for this scrape');
    assert.equal(v(b, 'vault_expire_num_leases') - v(a, 'vault_expire_num_leases'), 3, 'the heap size is read live');
  });
});
