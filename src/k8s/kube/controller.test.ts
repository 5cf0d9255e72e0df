import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, TerminalError } from './controller.js';
import type { EventHandlers, EventSource } from './controller.js';
import { objectKey, splitKey } from './keys.js';

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fast = { baseMs: 1, maxMs: 4 };

test('keys are namespace/name, or name for cluster-scoped objects, and split back', () => {
  assert.equal(objectKey({ metadata: { namespace: 'ns', name: 'a' } }), 'ns/a');
  assert.equal(objectKey({ metadata: { name: 'cfg' } }), 'cfg');
  assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitKey('cfg'), { name: 'cfg' });
});

test('a thrown error requeues with backoff until reconcile succeeds, then the failure count is forgotten', async () => {
  const calls: string[] = [];
  let failuresLeft = 3;
  const c = new Controller({
    name: 't',
    backoff: fast,
    reconcile: async (key) => {
      calls.push(key);
      if (failuresLeft-- > 0) throw new Error('API server said no');
    },
  });
  c.start();
  c.enqueue('ns/a');
  await until('four attempts', () => calls.length === 4);
  await until('success forgets the failures', () => c.queue.numRequeues('ns/a') === 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(calls.length, 4, 'no further attempts after success');
  await c.stop();
});

test('a TerminalError is reported once and not requeued', async () => {
  const terminal: [string, string][] = [];
  const errors: string[] = [];
  let calls = 0;
  const c = new Controller({
    name: 't',
    backoff: fast,
    reconcile: async () => {
      calls++;
      throw new TerminalError('spec.refreshAfter: not a duration');
    },
    onTerminal: (key, err) => terminal.push([key, err.message]),
    onError: (key) => errors.push(key),
  });
  c.start();
  c.enqueue('ns/bad');
  await until('reported', () => terminal.length === 1);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(calls, 1);
  assert.deepEqual(terminal, [['ns/bad', 'spec.refreshAfter: not a duration']]);
  assert.deepEqual(errors, []);
  await c.stop();
});

test('requeueAfter runs the key again after the delay, without counting a failure', async () => {
  const times: number[] = [];
  const c = new Controller({
    name: 't',
    reconcile: async () => {
      times.push(Date.now());
      return times.length < 3 ? { requeueAfter: 25 } : undefined;
    },
  });
  c.start();
  c.enqueue('k');
  await until('three runs', () => times.length === 3);
  assert.equal(c.queue.numRequeues('k'), 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(times.length, 3, 'no requeue once the reconciler stops asking');
  await c.stop();
});

test('N workers reconcile different keys in parallel but never one key twice at once', async () => {
  let active = 0;
  let maxActive = 0;
  const activePerKey = new Map<string, number>();
  let clash = false;
  let runs = 0;
  const c = new Controller({
    name: 't',
    workers: 3,
    reconcile: async (key) => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      activePerKey.set(key, (activePerKey.get(key) ?? 0) + 1);
      if ((activePerKey.get(key) ?? 0) > 1) clash = true;
      await new Promise((r) => setTimeout(r, 15));
      activePerKey.set(key, (activePerKey.get(key) ?? 0) - 1);
      active--;
    },
  });
  c.start();
  for (const k of ['a', 'b', 'c']) c.enqueue(k);
  await until('three in parallel', () => maxActive === 3);
  for (let i = 0; i < 5; i++) c.enqueue('a');
  await until('a reconciled again', () => runs >= 4 && active === 0);
  assert.equal(clash, false);
  await c.stop();
});

test('informer events only enqueue keys; the reconciler sees the key, never the event payload', async () => {
  let handlers: EventHandlers | undefined;
  const source: EventSource = { addHandlers: (h) => (handlers = h) };
  const seen: string[] = [];
  const c = new Controller({ name: 't', reconcile: async (key) => void seen.push(key) });
  c.watch(source);
  c.start();
  handlers?.add?.({ metadata: { namespace: 'ns', name: 'x' } });
  handlers?.update?.({ metadata: { namespace: 'ns', name: 'x' } }, { metadata: { namespace: 'ns', name: 'x' } });
  handlers?.delete?.({ metadata: { namespace: 'ns', name: 'y' } });
  await until('both keys', () => seen.includes('ns/x') && seen.includes('ns/y'));
  await c.stop();
});

test('watch with a mapper enqueues the owner, not the watched object', async () => {
  let handlers: EventHandlers | undefined;
  const source: EventSource = { addHandlers: (h) => (handlers = h) };
  const seen: string[] = [];
  const c = new Controller({ name: 't', reconcile: async (key) => void seen.push(key) });
  c.watch(source, (obj) => [`owners/${obj.metadata?.name ?? ''}`]);
  c.start();
  handlers?.add?.({ metadata: { namespace: 'ns', name: 'secret-1' } });
  await until('owner key', () => seen.includes('owners/secret-1'));
  await c.stop();
});

test('stop waits for a reconcile in progress and no reconcile starts afterwards', async () => {
  let release!: () => void;
  let finished = false;
  let calls = 0;
  const c = new Controller({
    name: 't',
    reconcile: async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
      finished = true;
    },
  });
  c.start();
  c.enqueue('a');
  await until('in progress', () => calls === 1);
  const stopped = c.stop();
  c.enqueue('b');
  release();
  await stopped;
  assert.equal(finished, true);
  assert.equal(calls, 1);
});
