import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { PeriodicUsage } from './usage-period.js';
import type { Gauge } from './collect.js';

const gauge = (value: number): Gauge[] => [{ name: 'vault.token.count', help: '', value, labels: { namespace: 'root' } }];

test('PeriodicUsage: collects on the first scrape, serves that until the period passes, then the refreshed values', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let tokens = 3;
    let collections = 0;
    const subs = {};
    let current: object | null = subs;
    const usage = new PeriodicUsage(() => current, async () => {
      collections++;
      return gauge(tokens);
    });
    assert.deepEqual(await usage.gauges(subs, 600), gauge(3));
    tokens = 5;
    assert.deepEqual(await usage.gauges(subs, 600), gauge(3), 'a scrape inside the period reads nothing');
    assert.equal(collections, 1);
    mock.timers.tick(600_000);
    await usage.settled();
    assert.equal(collections, 2);
    assert.deepEqual(await usage.gauges(subs, 600), gauge(5));
    // A seal (no subsystems) stops the collection at its next turn.
    current = null;
    mock.timers.tick(600_000);
    await usage.settled();
    assert.equal(collections, 2);
    // An unseal builds new subsystems: the first scrape collects from them at once.
    const next = {};
    current = next;
    tokens = 7;
    assert.deepEqual(await usage.gauges(next, 600), gauge(7));
    assert.equal(collections, 3);
    usage.stop();
  } finally {
    mock.timers.reset();
  }
});

test('PeriodicUsage: usage_gauge_period "none" (0) collects nothing', async () => {
  let collections = 0;
  const subs = {};
  const usage = new PeriodicUsage(() => subs, async () => {
    collections++;
    return gauge(1);
  });
  assert.deepEqual(await usage.gauges(subs, 0), []);
  assert.equal(collections, 0);
});

test('PeriodicUsage: a failed collection keeps the last values and the next period tries again', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let fail = false;
    let n = 0;
    const subs = {};
    const usage = new PeriodicUsage(() => subs, async () => {
      if (fail) throw new Error('storage sealed under us');
      return gauge(++n);
    });
    assert.deepEqual(await usage.gauges(subs, 60), gauge(1));
    fail = true;
    mock.timers.tick(60_000);
    await usage.settled();
    assert.deepEqual(await usage.gauges(subs, 60), gauge(1));
    fail = false;
    mock.timers.tick(60_000);
    await usage.settled();
    assert.deepEqual(await usage.gauges(subs, 60), gauge(2));
    usage.stop();
  } finally {
    mock.timers.reset();
  }
});
