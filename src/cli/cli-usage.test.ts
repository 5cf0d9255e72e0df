import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envelope, startFakeServer, type FakeRequest, type FakeReply } from '../api/fake-server.js';
import { runCli } from './testing.js';

const C = (e: number, n: number) => ({ acme_clients: 0, clients: e + n, distinct_entities: e, entity_clients: e, non_entity_clients: n, non_entity_tokens: n, secret_syncs: 0 });
const REPORT = { start_time: '2026-01-01T00:00:00Z', end_time: '2026-03-31T23:59:59Z', by_namespace: [{ namespace_id: 'root', namespace_path: '', counts: C(3, 2), mounts: [] }], months: [], total: C(3, 2) };

test('operator usage prints the period and the clients by namespace, with a total', async (t) => {
  let empty = false;
  const fake = await startFakeServer((r: FakeRequest): FakeReply | undefined => (r.path === 'sys/internal/counters/activity' ? (empty ? { status: 204 } : { status: 200, body: envelope(REPORT) }) : undefined));
  t.after(() => fake.close());
  const env = { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' } as NodeJS.ProcessEnv;
  const r = await runCli(['operator', 'usage', '-start-time=2026-01', '-end-time=2026-03-15T00:00:00Z'], env);
  assert.equal(r.code, 0, r.stderr);
  const q = fake.requests.at(-1)!.query;
  assert.equal(q.get('start_time'), '2026-01-01T00:00:00Z');
  assert.equal(q.get('end_time'), '2026-03-15T00:00:00Z');
  assert.match(r.stdout, /^Period start: 2026-01-01T00:00:00Z\nPeriod end: 2026-03-31T23:59:59Z\n\n/);
  assert.match(r.stdout, /Namespace path\s+Entity Clients\s+Non-Entity clients\s+Secret syncs\s+ACME clients\s+Active clients\n/);
  assert.match(r.stdout, /\n\[root\]\s+3\s+2\s+0\s+0\s+5\n/);
  assert.match(r.stdout, /\nTotal\s+3\s+2\s+0\s+0\s+5\n$/);
  assert.deepEqual(JSON.parse((await runCli(['operator', 'usage', '-format=json'], env)).stdout), REPORT);
  empty = true;
  const none = await runCli(['operator', 'usage'], env);
  assert.equal(none.code, 0);
  assert.match(none.stderr, /No data is available for the requested time range/);
  const bad = await runCli(['operator', 'usage', '-start-time=last-week'], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /-start-time/);
});
