import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, routeMetricName, Timing } from './registry.js';

describe('metrics registry', () => {
  it('estimates quantiles within a bucket (at most 25% wide) of the true value, never above the largest seen', () => {
    const t = new Timing('x', {});
    for (let i = 1; i <= 1000; i++) t.observe(i / 10); // 0.1 … 100 ms
    for (const [q, exact] of [
      [0.5, 50],
      [0.9, 90],
      [0.99, 99],
    ] as const) {
      const got = t.quantile(q);
      assert.ok(got >= exact && got <= exact * 1.25, `q${q}: ${got} vs ${exact}`);
    }
    assert.equal(t.quantile(1), 100);
    assert.equal(t.count, 1000);
    assert.equal(t.min, 0.1);
    assert.ok(Math.abs(t.sum - 50050) < 1e-6);
    assert.ok(Number.isNaN(new Timing('y', {}).quantile(0.5)));
  });

  it('puts zero, negative and huge values in the end buckets', () => {
    const t = new Timing('x', {});
    t.observe(0);
    t.observe(-5);
    t.observe(1e9);
    assert.equal(t.count, 3);
    assert.equal(t.quantile(0.5), 0.001, 'the first bucket: under a microsecond');
    assert.equal(t.quantile(1), 1e9);
  });

  it('counts an instant observation with zero duration', () => {
    const t = new Timing('x', {});
    t.observe(2);
    t.observeInstant();
    assert.deepEqual([t.count, t.min, t.max, t.sum], [2, 0, 2, 2]);
    assert.equal(t.quantile(0.5), 0.001);
  });

  it('names route timers as Vault does and keeps one series per operation and mount', () => {
    assert.equal(routeMetricName('read', 'secret/'), 'vault.route.read.secret-');
    assert.equal(routeMetricName('create', 'auth/userpass/'), 'vault.route.create.auth-userpass-');
    const r = new MetricsRegistry();
    r.request('read', 'secret/', false, 1);
    r.request('read', 'secret/', false, 2);
    r.request('update', 'auth/userpass/', true, 3);
    r.request('read', null, false, 4);
    const byName = new Map([...r.allTimings()].map((t) => [t.name, t.count]));
    assert.equal(byName.get('vault.route.read.secret-'), 2);
    assert.equal(byName.get('vault.route.update.auth-userpass-'), 1);
    assert.equal(byName.get('vault.core.handle_request'), 3);
    assert.equal(byName.get('vault.core.handle_login_request'), 1);
  });
});
