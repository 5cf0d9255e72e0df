import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '../backoff.js';
import { planAfterFetch, planAfterRenew, renewDelayMs } from './schedule.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const mid = (): number => 0.5;
const lo = (): number => 0;
const hi = (): number => 0.999999;
const o = (random = mid) => ({ staticMs: 60_000, nowMs: NOW, random });

test('KV v2 (no lease): refreshed at 85–95% of static_secret_render_interval', () => {
  const m = { leaseId: '', leaseDuration: 0, renewable: false, data: { data: {}, metadata: {} } };
  assert.deepEqual(planAfterFetch(m, o()), { action: 'fetch', delayMs: 54_000 });
  assert.equal(planAfterFetch(m, o(lo)).delayMs, 51_000);
  assert.ok(Math.abs(planAfterFetch(m, o(hi)).delayMs - 57_000) < 1);
});

test('non-renewable lease (KV v1, some dynamic creds): about 90% of the lease', () => {
  const m = { leaseId: '', leaseDuration: 100, renewable: false, data: {} };
  assert.equal(planAfterFetch(m, o()).delayMs, 90_000);
  assert.equal(planAfterFetch({ ...m, leaseId: 'kubernetes/creds/r/abc' }, o()).delayMs, 90_000);
});

test('renewable lease: renew at about two thirds, then fetch when renewal no longer extends it', () => {
  const m = { leaseId: 'database/creds/app/x', leaseDuration: 30, renewable: true, data: {} };
  const p = planAfterFetch(m, o(hi));
  assert.equal(p.action, 'renew');
  assert.ok(Math.abs(p.delayMs - 20_000) < 1, `${p.delayMs}`);
  assert.equal(planAfterFetch(m, o(lo)).delayMs, 18_000, 'jitter takes at most 10% off');
  assert.equal(planAfterRenew(30, { leaseDuration: 30, renewable: true }, o(hi)).action, 'renew');
  // max_ttl reached: only 10 s granted instead of 30 → new credentials at ~90% of those 10 s.
  assert.deepEqual(planAfterRenew(30, { leaseDuration: 10, renewable: true }, o()), { action: 'fetch', delayMs: 9_000 });
  assert.equal(planAfterRenew(30, { leaseDuration: 30, renewable: false }, o()).action, 'fetch');
});

test('lease timeline with a fake clock: credentials are replaced before the lease ends', () => {
  // default_ttl 10s, max_ttl 10s: fetch at t=0, renew at ≤6.67s (granted what is left), re-fetch at ~90% of that.
  let t = 0;
  const max = 10;
  const first = planAfterFetch({ leaseId: 'l', leaseDuration: 10, renewable: true, data: {} }, o());
  assert.equal(first.action, 'renew');
  t += first.delayMs / 1000;
  const granted = Math.min(10, max - t);
  const next = planAfterRenew(10, { leaseDuration: granted, renewable: true }, o(hi));
  assert.equal(next.action, 'fetch');
  t += next.delayMs / 1000;
  assert.ok(t < max, `re-fetched at ${t.toFixed(2)}s, before the ${max}s lease ended`);
  assert.ok(t > max * 0.9, `but not long before (${t.toFixed(2)}s)`);
});

test('certificates, rotating static creds and secret IDs use their own base', () => {
  const cert = { leaseId: '', leaseDuration: 0, renewable: false, data: { certificate: 'PEM', expiration: NOW / 1000 + 1000 } };
  assert.equal(planAfterFetch(cert, o()).delayMs, 900_000);
  const rot = { leaseId: '', leaseDuration: 0, renewable: false, data: { rotation_period: 3600, ttl: 99 } };
  assert.deepEqual(planAfterFetch(rot, o()), { action: 'fetch', delayMs: 100_000 });
  const sid = { leaseId: '', leaseDuration: 0, renewable: false, data: { secret_id: 's', secret_id_ttl: 99 } };
  assert.equal(planAfterFetch(sid, o()).delayMs, 90_000);
});

test('renewal delay and backoff', () => {
  assert.equal(renewDelayMs(3, hi) > 1999, true);
  assert.equal(backoffMs(0, 1000, 300_000, hi) <= 1000, true);
  assert.equal(backoffMs(0, 1000, 300_000, lo), 750);
  assert.equal(backoffMs(3, 1000, 300_000, lo), 6000);
  assert.equal(backoffMs(20, 1000, 300_000, lo), 225_000, 'capped at max_backoff');
});
