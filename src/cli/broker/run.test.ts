import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDelivery, HttpDelivery, type Delivery, type Held } from './delivery.js';
import type { Device } from './inventory.js';
import { formatCounts, runBroker, type BrokerDeps } from './run.js';

const dev = (id: string, trusted = true, disk = true): Device => ({ id, trusted, posture: { disk_encrypted: disk } });

/** An in-memory orchestrator plus a fake server: tokens `w-<n>` are valid until `used`. */
function harness(held: Record<string, Held> = {}) {
  const delivered: Record<string, string> = {};
  const used = new Set<string>();
  let n = 0;
  const delivery: Delivery = {
    target: 'memory',
    held: async (id) => held[id] ?? { kind: 'none' },
    deliver: async (id, token) => {
      if (id === 'broken') throw new Error(`disk full while writing ${token}`);
      delivered[id] = token;
      held[id] = { kind: 'token', token };
    },
  };
  const deps: BrokerDeps = {
    delivery,
    rules: {},
    mint: async (id) => {
      if (id === 'no-mint') throw new Error('permission denied (HTTP 403)');
      return `w-${++n}`;
    },
    stillValid: async (t) => t.startsWith('w-') && !used.has(t),
  };
  return { deps, delivered, used };
}

test('only trusted devices get a token; counts add up; failures never stop the pass', async () => {
  const h = harness();
  const devices = [dev('a'), dev('b', false), dev('c', true, false), dev('no-mint'), dev('broken'), dev('d')];
  const { outcomes, counts } = await runBroker(devices, h.deps);
  assert.deepEqual(outcomes.map((o) => [o.id, o.kind]), [
    ['a', 'delivered'], ['b', 'untrusted'], ['c', 'untrusted'], ['no-mint', 'failed'], ['broken', 'failed'], ['d', 'delivered'],
  ]);
  assert.deepEqual(Object.keys(h.delivered), ['a', 'd']);
  assert.equal(formatCounts(counts), 'trusted: 4, delivered: 2, skipped (untrusted): 2, skipped (already delivered): 0, failed: 2');
  const broken = outcomes.find((o) => o.id === 'broken');
  assert.equal(broken?.detail, 'disk full while writing <redacted>', 'a token echoed in an error is redacted');
});

test('a second pass skips unconsumed tokens and replaces used ones', async () => {
  const h = harness();
  await runBroker([dev('a'), dev('b')], h.deps);
  const first = { ...h.delivered };
  h.used.add(first['b'] ?? '');
  const { outcomes, counts } = await runBroker([dev('a'), dev('b')], h.deps);
  assert.deepEqual(outcomes.map((o) => [o.id, o.kind, o.detail]), [
    ['a', 'already-delivered', 'the delivered token is still unwrappable'],
    ['b', 'delivered', 'replaced a used or expired token'],
  ]);
  assert.equal(h.delivered['a'], first['a']);
  assert.notEqual(h.delivered['b'], first['b']);
  assert.deepEqual([counts.delivered, counts.alreadyDelivered], [1, 1]);
});

test('an orchestrator reporting a pending token is skipped without minting', async () => {
  const h = harness({ p: { kind: 'pending' } });
  let minted = 0;
  const mint = h.deps.mint;
  h.deps.mint = async (id) => (minted++, mint(id));
  const { counts } = await runBroker([dev('p')], h.deps);
  assert.deepEqual([counts.alreadyDelivered, minted], [1, 0]);
});

test('FileDelivery writes <id>.token with mode 0600 atomically and reads it back', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ward-deliver-')), 'out');
  const f = new FileDelivery(dir);
  assert.deepEqual(await f.held('d1'), { kind: 'none' });
  await f.deliver('d1', 'hvs.first');
  await f.deliver('d1', 'hvs.second');
  assert.equal(readFileSync(join(dir, 'd1.token'), 'utf8'), 'hvs.second\n');
  assert.equal(statSync(join(dir, 'd1.token')).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(dir), ['d1.token'], 'no temporary files are left behind');
  assert.deepEqual(await f.held('d1'), { kind: 'token', token: 'hvs.second' });
  writeFileSync(join(dir, 'empty.token'), '\n');
  assert.deepEqual(await f.held('empty'), { kind: 'none' });
});

test('HttpDelivery: GET <url>/<id> says what is held; POST delivers; errors carry only the status', async () => {
  const calls: string[] = [];
  const answers: Record<string, Response> = {};
  const fake: typeof fetch = async (input, init) => {
    const url = String(input);
    calls.push(`${init?.method ?? 'GET'} ${url} ${typeof init?.body === 'string' ? init.body : ''}`.trim());
    return answers[url] ?? new Response('', { status: 404 });
  };
  const h = new HttpDelivery('http://orch.example/tokens/', fake);
  assert.deepEqual(await h.held('d1'), { kind: 'none' });
  answers['http://orch.example/tokens/d2'] = Response.json({ wrapping_token: 'hvs.x' });
  assert.deepEqual(await h.held('d2'), { kind: 'token', token: 'hvs.x' });
  answers['http://orch.example/tokens/d3'] = Response.json({ pending: true });
  assert.deepEqual(await h.held('d3'), { kind: 'pending' });
  answers['http://orch.example/tokens/d4'] = new Response('oops', { status: 500 });
  await assert.rejects(h.held('d4'), /HTTP 500/);
  answers['http://orch.example/tokens/'] = new Response('{"echo":"hvs.secret"}', { status: 502 });
  await assert.rejects(h.deliver('d1', 'hvs.secret'), (e: Error) => /HTTP 502/.test(e.message) && !e.message.includes('hvs.secret'));
  assert.equal(calls.at(-1), 'POST http://orch.example/tokens/ {"device_id":"d1","wrapping_token":"hvs.secret"}');
});
