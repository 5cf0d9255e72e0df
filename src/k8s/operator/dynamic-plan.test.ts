import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_WAIT_MS, nextStep, renewalOutcome, shouldRestart, staticCredsMeta, type PlanInput, type Step } from './dynamic-plan.js';

const T0 = 1_800_000_000; // unix seconds of the last issue/renewal
const at = (sec: number) => (T0 + sec) * 1000;
const lease = { id: 'database/creds/app/abc', duration: 60, renewable: true, requestID: 'r-1' };
const synced = { lastGeneration: 1, lastRenewalTime: T0, secretLease: lease, secretMAC: 'mac-1' };
const base: PlanInput = { generation: 1, status: synced, destinationMatches: true, renewalPercent: 67, allowStaticCreds: false, refreshAfterMs: undefined, nowMs: at(1), rand: 0 };
const staticMeta = { lastVaultRotation: T0 - 10, rotationPeriod: 30, rotationSchedule: '', ttl: 20 };

test('nextStep: issue, renew or wait, decided from the recorded status', () => {
  const table: Array<[string, Partial<PlanInput>, Step]> = [
    ['never synced', { status: {} }, { action: 'issue', reason: 'initial' }],
    ['no MAC recorded yet', { status: { ...synced, secretMAC: undefined } }, { action: 'issue', reason: 'initial' }],
    ['spec changed', { generation: 2 }, { action: 'issue', reason: 'resource-updated' }],
    ['Secret deleted or edited', { destinationMatches: false }, { action: 'issue', reason: 'destination-drift' }],
    // 67 % of 60 s = 40.2 s after the last renewal.
    ['before renewalPercent: wait for it', { nowMs: at(10) }, { action: 'wait', afterMs: 30_200 }],
    ['an operator restart mid-lease re-issues nothing', { nowMs: at(30) }, { action: 'wait', afterMs: 10_200 }],
    ['at renewalPercent: renew', { nowMs: at(40.2) }, { action: 'renew' }],
    ['within the jitter window (5 % of the horizon early): renew', { nowMs: at(38.5) }, { action: 'renew' }],
    ['past renewalPercent: renew', { nowMs: at(55) }, { action: 'renew' }],
    ['not renewable: new credentials at renewalPercent', { nowMs: at(41), status: { ...synced, secretLease: { ...lease, renewable: false } } }, { action: 'issue', reason: 'not-renewable' }],
    ['not renewable, before renewalPercent: wait', { nowMs: at(1), status: { ...synced, secretLease: { ...lease, renewable: false } } }, { action: 'wait', afterMs: 39_200 }],
    // lastRenewalTime is whole seconds: Ward, not our arithmetic, says whether the lease is gone (a refusal means new credentials).
    ['lease seemingly over (operator was down): renew anyway', { nowMs: at(60) }, { action: 'renew' }],
    ['a non-renewable lease over: new credentials', { nowMs: at(60), status: { ...synced, secretLease: { ...lease, renewable: false } } }, { action: 'issue', reason: 'lease-expired' }],
    ['renewalPercent 0 never hot-loops', { renewalPercent: 0, nowMs: at(0) }, { action: 'renew' }],
    ['a lease-less answer without refreshAfter: no requeue', { status: { ...synced, secretLease: { id: '', duration: 0, renewable: false, requestID: 'r' } } }, { action: 'wait', afterMs: undefined }],
    ['a lease-less answer with refreshAfter: wait', { refreshAfterMs: 30_000, nowMs: at(10), status: { ...synced, secretLease: { id: '', duration: 0, renewable: false, requestID: 'r' } } }, { action: 'wait', afterMs: 20_000 }],
    ['a lease-less answer with refreshAfter: read again', { refreshAfterMs: 30_000, nowMs: at(30), status: { ...synced, secretLease: { id: '', duration: 0, renewable: false, requestID: 'r' } } }, { action: 'issue', reason: 'refresh' }],
    ['static creds: wait until the ttl ran out, plus half a second', { allowStaticCreds: true, nowMs: at(5), status: { ...synced, secretLease: undefined, staticCredsMetaData: staticMeta } }, { action: 'wait', afterMs: 15_500 }],
    ['static creds: read again after the rotation', { allowStaticCreds: true, nowMs: at(20.5), status: { ...synced, secretLease: undefined, staticCredsMetaData: staticMeta } }, { action: 'issue', reason: 'static-rotation' }],
    ['allowStaticCreds with a non-static answer and no refreshAfter: no requeue', { allowStaticCreds: true, status: { ...synced, secretLease: undefined, staticCredsMetaData: { ...staticMeta, lastVaultRotation: 0 } } }, { action: 'wait', afterMs: undefined }],
  ];
  for (const [name, over, want] of table) assert.deepEqual(nextStep({ ...base, ...over }), want, name);
});

test('nextStep: jitter only ever moves the renewal earlier, and never below the minimum wait', () => {
  const noJitter = nextStep({ ...base, nowMs: at(10), rand: 0 });
  const full = nextStep({ ...base, nowMs: at(10), rand: 0.999 });
  assert.deepEqual(noJitter, { action: 'wait', afterMs: 30_200 });
  assert.equal(full.action, 'wait');
  const ms = (full as { afterMs: number }).afterMs;
  assert.ok(ms < 30_200 && ms >= 30_200 - 0.05 * 40_200, String(ms));
  assert.deepEqual(nextStep({ ...base, status: { ...synced, secretLease: { ...lease, duration: 1 } }, renewalPercent: 10, nowMs: at(0) - 900 }), { action: 'wait', afterMs: MIN_WAIT_MS });
});

test('renewalOutcome: a renewal granting less than asked means the max TTL is near', () => {
  assert.equal(renewalOutcome(60, { duration: 60 }), 'renewed');
  assert.equal(renewalOutcome(60, { duration: 90 }), 'renewed');
  assert.equal(renewalOutcome(60, { duration: 59 }), 'truncated');
  assert.equal(renewalOutcome(60, { duration: 0 }), 'truncated');
  assert.equal(renewalOutcome(60, 'refused'), 'refused');
});

test('shouldRestart: only new data replacing recorded data', () => {
  assert.equal(shouldRestart(undefined, 'a'), false);
  assert.equal(shouldRestart('a', 'a'), false);
  assert.equal(shouldRestart('a', 'b'), true);
});

test('staticCredsMeta: from a static-creds answer', () => {
  assert.deepEqual(staticCredsMeta({ username: 'u', password: 'p', last_vault_rotation: '2027-01-15T08:00:00.5Z', rotation_period: 3600, ttl: 1200 }), { lastVaultRotation: Date.parse('2027-01-15T08:00:00Z') / 1000, rotationPeriod: 3600, rotationSchedule: '', ttl: 1200 });
  assert.deepEqual(staticCredsMeta({ username: 'u' }), { lastVaultRotation: 0, rotationPeriod: 0, rotationSchedule: '', ttl: 0 });
  assert.deepEqual(staticCredsMeta({ rotation_schedule: '0 * * * *', ttl: 5 }), { lastVaultRotation: 0, rotationPeriod: 0, rotationSchedule: '0 * * * *', ttl: 5 });
  assert.throws(() => staticCredsMeta({ last_vault_rotation: 'yesterday' }), /last_vault_rotation is not an RFC 3339 time/);
  assert.throws(() => staticCredsMeta({ ttl: '20' }), /ttl is not a number/);
});
