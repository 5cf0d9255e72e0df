import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { LoopWatchdog, thresholdFromEnv } from './loop-watchdog.js';
import { InFlight } from './pipeline/in-flight.js';

/** Holds the thread for `ms` without yielding: the event loop is blocked for at least that long. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Line {
  msg: string;
  fields: Record<string, unknown>;
}

function capture(): { lines: Line[]; warn(msg: string, fields?: Record<string, unknown>): void } {
  const lines: Line[] = [];
  return { lines, warn: (msg, fields) => lines.push({ msg, fields: fields ?? {} }) };
}

/**
 * The line for the deliberate block: on a busy machine the scheduler can hold the process
 * long enough for an extra warning, so tests look at the longest block reported.
 */
function worst(lines: Line[]): Line {
  return lines.reduce((a, b) => (Number(b.fields['blocked_ms']) > Number(a.fields['blocked_ms']) ? b : a));
}

/** Polls until `cond` holds, giving up at a deadline (the loop is free while waiting). */
async function until(cond: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LoopWatchdog', () => {
  let w: LoopWatchdog | null = null;
  afterEach(() => {
    w?.stop();
    w = null;
  });

  it('logs a blocked turn with the paths of the requests in flight', async () => {
    const requests = new InFlight();
    const log = capture();
    w = new LoopWatchdog({ logger: log, thresholdMs: 100, intervalMs: 10, requests }).start();
    requests.begin('update', 'pki/issue/big');
    await new Promise((r) => setTimeout(r, 30));
    blockFor(300);
    await until(() => log.lines.length > 0, 'the warning');
    const line = worst(log.lines);
    assert.equal(line.msg, 'event loop blocked');
    assert.deepEqual(line.fields['requests'], ['update pki/issue/big']);
    assert.equal(line.fields['requests_in_flight'], 1);
    assert.equal(line.fields['threshold_ms'], 100);
    // The timer cannot fire before the block ends, so it is at least 300 ms minus one interval late.
    assert.ok(Number(line.fields['blocked_ms']) >= 250, `blocked_ms ${String(line.fields['blocked_ms'])}`);
    // The block ran as a callback, so the loop counts it as busy time.
    assert.ok(Number(line.fields['busy_ms']) >= 250, `busy_ms ${String(line.fields['busy_ms'])}`);
  });

  it('names a request that finished after blocking, before the timer could fire', async () => {
    const requests = new InFlight();
    const log = capture();
    w = new LoopWatchdog({ logger: log, thresholdMs: 100, intervalMs: 10, requests }).start();
    requests.begin('read', 'secret/data/quick');
    const quickDone = requests.begin('read', 'secret/data/fast');
    requests.end(quickDone);
    await new Promise((r) => setTimeout(r, 30));
    const id = requests.begin('update', 'sys/policies/acl/huge');
    blockFor(200);
    requests.end(id);
    await until(() => log.lines.length > 0, 'the warning');
    const named = worst(log.lines).fields['requests'] as string[];
    assert.ok(named.includes('update sys/policies/acl/huge'), JSON.stringify(named));
    assert.ok(named.includes('read secret/data/quick'), 'a request still in flight is named too');
    assert.ok(!named.includes('read secret/data/fast'), 'a request that finished quickly before the block is not');
  });

  it('counts stalls and reports delay percentiles in milliseconds', async () => {
    const log = capture();
    w = new LoopWatchdog({ logger: log, thresholdMs: 100, intervalMs: 10, requests: new InFlight() }).start();
    await new Promise((r) => setTimeout(r, 50));
    blockFor(200);
    await until(() => log.lines.length > 0, 'the warning');
    const s = w.stats();
    assert.equal(s.stalls, log.lines.length);
    assert.ok(s.stalls >= 1);
    assert.ok(s.worstStallMs >= 150, `worstStallMs ${s.worstStallMs}`);
    assert.ok(s.delay.count > 0);
    assert.ok(s.delay.max >= 150, `max delay ${s.delay.max} ms`);
    assert.ok(s.delay.p50 <= s.delay.p99 && s.delay.p99 <= s.delay.max);
    assert.ok(s.utilization > 0 && s.utilization <= 1);
  });

  it('reads its threshold from WARD_EVENT_LOOP_WARN_MS', () => {
    assert.equal(thresholdFromEnv({}), 200);
    assert.equal(thresholdFromEnv({ WARD_EVENT_LOOP_WARN_MS: '75' }), 75);
    for (const bad of ['0', '-5', 'soon', 'Infinity']) {
      assert.throws(() => thresholdFromEnv({ WARD_EVENT_LOOP_WARN_MS: bad }), /WARD_EVENT_LOOP_WARN_MS must be a positive number/);
    }
  });
});

describe('InFlight', () => {
  it('tracks requests until they end and forgets quick ones', () => {
    const t = new InFlight();
    t.slowMs = 1000;
    const a = t.begin('read', 'a');
    const b = t.begin('list', 'b/');
    assert.equal(t.size, 2);
    t.end(a);
    t.end(a);
    assert.equal(t.size, 1);
    assert.deepEqual(
      t.during(0, performance.now()).map((r) => r.path),
      ['b/'],
    );
    t.end(b);
    assert.equal(t.size, 0);
    assert.equal(t.total, 2);
  });
});
