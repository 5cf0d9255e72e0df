import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './queue.js';

/** Takes whatever is queued right now without waiting (get() would block on an empty queue). */
async function takeAll(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) {
    const k = await q.get();
    if (k === undefined) break;
    out.push(k);
  }
  return out;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a key added many times is queued once, in first-added order', async () => {
  const q = new WorkQueue();
  for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
  assert.equal(q.len(), 3);
  assert.deepEqual(await takeAll(q), ['a', 'b', 'c']);
  q.shutDown();
});

test('a key is never handed to two workers at once; re-added while processing, it is processed again after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a'); // an event arrives while a worker reconciles 'a'
  q.add('a');
  assert.equal(q.len(), 0, 'not handed out while in flight');
  q.add('b');
  assert.equal(await q.get(), 'b');
  q.done('b');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(second, undefined, 'still waiting: a is in flight');
  q.done('a');
  await until('a handed out again', () => second === 'a');
  q.done('a');
  assert.equal(q.len(), 0, 'once more, not twice more');
  q.shutDown();
});

test('a waiting get() is woken by add', async () => {
  const q = new WorkQueue();
  const p = q.get();
  q.add('x');
  assert.equal(await p, 'x');
  q.shutDown();
});

test('addAfter queues the key only after the delay; an earlier add wins; a later addAfter does not push it back', async () => {
  const q = new WorkQueue();
  q.addAfter('late', 60);
  assert.equal(q.len(), 0);
  await until('late queued', () => q.len() === 1);
  assert.deepEqual(await takeAll(q), ['late']);
  q.done('late');

  q.addAfter('k', 10_000);
  q.add('k');
  assert.deepEqual(await takeAll(q), ['k'], 'add does not wait for a pending addAfter');
  q.done('k');

  q.addAfter('m', 30);
  q.addAfter('m', 60_000); // the earlier deadline stands
  await until('m queued at the earlier deadline', () => q.len() === 1);
  assert.deepEqual(await takeAll(q), ['m']);
  q.shutDown();
});

test('addAfter with zero or negative delay queues at once', async () => {
  const q = new WorkQueue();
  q.addAfter('now', 0);
  q.addAfter('past', -5);
  assert.deepEqual(await takeAll(q), ['now', 'past']);
  q.shutDown();
});

test('rate-limited requeue backs off per key with jitter bounds, and forget resets the key', async () => {
  const delays: number[] = [];
  const q = new WorkQueue({ backoff: { baseMs: 10, maxMs: 40 }, random: () => 0, onDelay: (_k, ms) => delays.push(ms) });
  for (let i = 0; i < 5; i++) q.addRateLimited('a');
  q.addRateLimited('b');
  assert.deepEqual(delays, [5, 10, 20, 20, 20, 5], 'half of 10, 20, 40, 40, 40 with random=0; b has its own count');
  assert.equal(q.numRequeues('a'), 5);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
  q.addRateLimited('a');
  assert.equal(delays.at(-1), 5);
  await until('both keys queued after their delays', () => q.len() === 2);
  q.shutDown();
});

test('shutDown wakes waiting workers with undefined, ignores later adds and cancels delayed ones', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.addAfter('later', 20);
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('x');
  assert.equal(await q.get(), undefined);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(q.len(), 0);
});

test('shutDownWithDrain resolves only after in-flight keys are done', async () => {
  const q = new WorkQueue();
  q.add('a');
  assert.equal(await q.get(), 'a');
  let drained = false;
  const d = q.shutDownWithDrain().then(() => (drained = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, false);
  q.done('a');
  await d;
  assert.equal(drained, true);
});

test('order is kept across the internal compaction of a long queue', async () => {
  const q = new WorkQueue();
  for (let i = 0; i < 3000; i++) q.add(`k${i}`);
  const first: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const k = (await q.get()) ?? '';
    first.push(k);
    q.done(k);
  }
  for (let i = 3000; i < 3010; i++) q.add(`k${i}`);
  const rest = await takeAll(q);
  assert.deepEqual([...first, ...rest], Array.from({ length: 3010 }, (_, i) => `k${i}`));
  q.shutDown();
});

test('rate-limited requeues share an overall token bucket (client-go: 10 per second, burst 100), so many keys failing together cannot stampede', () => {
  const delays: number[] = [];
  let now = 1_000_000;
  const q = new WorkQueue({ random: () => 1, onDelay: (_k, ms) => delays.push(ms), now: () => now });
  for (let i = 0; i < 1000; i++) q.addRateLimited(`ns/k${i}`);
  q.shutDown();
  assert.equal(delays.filter((ms) => ms <= 5).length, 100, 'the burst goes at the per-key delay');
  // Then one every 100 ms: the 1000th waits about 90 s.
  assert.equal(delays[100], 100);
  assert.equal(delays[999], 90_000);
  assert.ok(delays.every((ms, i) => i === 0 || ms >= (delays[i - 1] ?? 0)));
  // Tokens come back with time (computed even after shutDown, which cleared the timers).
  now += 200_000;
  q.addRateLimited('ns/late');
  assert.equal(delays[1000], 5);
});
