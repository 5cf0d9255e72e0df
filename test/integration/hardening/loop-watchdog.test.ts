/**
 * The event-loop watchdog end to end: a request whose backend holds the loop is named in
 * the watchdog's warning, and sys/metrics exports the delay (JSON and Prometheus), for
 * tokens allowed to read it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { startLoopWatchdog, stopLoopWatchdog, type LoopWatchdog } from '../../../src/core/loop-watchdog.js';
import { defineBackend, definePath, field } from '../../../src/sdk/index.js';
import { freePort, spawnWard, waitForHealth } from '../../helpers/process.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

/** Holds the thread for `ms`: what a synchronous computation in a backend does to the loop. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A backend whose `slow` path computes synchronously for 300 ms. */
function blockerEngine() {
  return Promise.resolve(
    defineBackend({
      type: 'blocker',
      kind: 'secret',
      paths: [
        definePath({
          pattern: 'slow',
          fields: { note: field.string() },
          operations: {
            read: async () => {
              blockFor(300);
              return { data: { done: true } };
            },
          },
        }),
      ],
    }),
  );
}

async function raw(s: TestServer, path: string, token: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${s.url}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function until(cond: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('event-loop watchdog and sys/metrics', () => {
  let s: TestServer;
  let w: LoopWatchdog;
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  before(async () => {
    const registry = builtinRegistry();
    registry.register('blocker', 'secret', blockerEngine);
    s = await startTestServer({ registry });
    await s.core.active!.mounts.mount('mounts', { path: 'blocker/', type: 'blocker' });
    w = startLoopWatchdog({ logger: { warn: (msg, fields) => warnings.push({ msg, fields: fields ?? {} }) }, thresholdMs: 100, intervalMs: 10 });
  });
  after(async () => {
    stopLoopWatchdog(w);
    await s.close();
  });

  it('a request that holds the event loop is named in the warning, without its data', async () => {
    const r = await api(s, 'GET', 'blocker/slow?note=hunter2-canary', { token: s.rootToken });
    assert.equal(r.status, 200);
    // The block's own warning: on a loaded machine a shorter stall may also fall while the
    // request is in flight and name it too.
    const names = (l: (typeof warnings)[number]): boolean => (l.fields['requests'] as string[]).includes('read blocker/slow');
    const theBlock = (l: (typeof warnings)[number]): boolean => names(l) && Number(l.fields['blocked_ms']) >= 200;
    await until(() => warnings.some(theBlock), 'a warning naming blocker/slow for the 300 ms block');
    const line = warnings.find(theBlock);
    assert.equal(line?.msg, 'event loop blocked');
    assert.ok(!JSON.stringify(warnings).includes('hunter2-canary'), 'request data never reaches the log');
  });

  it('GET sys/metrics answers Vault-shaped JSON with the event-loop delay', async () => {
    const r = await raw(s, 'sys/metrics', s.rootToken);
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/json/);
    const body = JSON.parse(r.text);
    assert.match(body.Timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    assert.deepEqual(Object.keys(body).sort(), ['Counters', 'Gauges', 'Points', 'Samples', 'Timestamp']);
    const gauge = (name: string) => body.Gauges.find((g: { Name: string }) => g.Name === name);
    assert.ok(gauge('vault.runtime.alloc_bytes').Value > 0);
    assert.ok(gauge('vault.runtime.event_loop.delay_max_ms').Value >= 200, 'the 300 ms block shows in the maximum');
    const stalls = body.Counters.find((c: { Name: string }) => c.Name === 'vault.runtime.event_loop.stalls');
    assert.ok(stalls.Count >= 1);
    const delay = body.Samples.find((x: { Name: string }) => x.Name === 'vault.runtime.event_loop.delay_ms');
    assert.ok(delay.Count > 0 && delay.Max >= 200);
    const lanes = body.Gauges.filter((g: { Name: string }) => g.Name === 'vault.ward.keygen.waiting').map((g: { Labels: { lane: string } }) => g.Labels.lane);
    assert.deepEqual(lanes.sort(), ['rsa', 'rsa-large']);
  });

  it('GET sys/metrics?format=prometheus answers the text exposition format', async () => {
    const r = await raw(s, 'sys/metrics?format=prometheus', s.rootToken);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    const lines = r.text.trimEnd().split('\n');
    for (const l of lines) {
      assert.match(l, /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? \S+)$/, `not exposition format: ${l}`);
    }
    assert.ok(lines.includes('# TYPE vault_runtime_event_loop_delay_ms summary'));
    assert.ok(lines.some((l) => l.startsWith('vault_runtime_event_loop_delay_ms{quantile="0.99"} ')));
    assert.ok(lines.some((l) => l.startsWith('vault_runtime_event_loop_delay_ms_count ')));
    assert.ok(lines.includes('# TYPE vault_runtime_event_loop_stalls counter'));
    assert.ok(lines.some((l) => l.startsWith('vault_ward_keygen_waiting{lane="rsa-large"} ')));
  });

  it('an unknown format gets Vault\'s plain-text 400', async () => {
    const r = await raw(s, 'sys/metrics?format=xml', s.rootToken);
    assert.equal(r.status, 400);
    assert.match(r.type, /^text\/plain/);
    assert.equal(r.text, 'metric response format "xml" unknown');
  });

  it('needs a token allowed to read sys/metrics', async () => {
    assert.equal((await raw(s, 'sys/metrics', '')).status, 403);
    const plain = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } });
    assert.equal((await raw(s, 'sys/metrics', plain.body.auth.client_token)).status, 403);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/metrics', { token: s.rootToken, body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' } })).status, 204);
    const reader = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['metrics'] } });
    assert.equal((await raw(s, 'sys/metrics?format=prometheus', reader.body.auth.client_token)).status, 200);
  });
});

describe('ward server runs the watchdog', () => {
  it('exports the threshold from WARD_EVENT_LOOP_WARN_MS in sys/metrics', async () => {
    const port = await freePort();
    const saved = process.env['WARD_EVENT_LOOP_WARN_MS'];
    process.env['WARD_EVENT_LOOP_WARN_MS'] = '75';
    const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem', '-dev-root-token-id=wd-root'], `http://127.0.0.1:${port}`);
    if (saved === undefined) delete process.env['WARD_EVENT_LOOP_WARN_MS'];
    else process.env['WARD_EVENT_LOOP_WARN_MS'] = saved;
    try {
      await waitForHealth(p);
      const res = await fetch(`${p.url}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': 'wd-root' } });
      const text = await res.text();
      assert.equal(res.status, 200);
      assert.ok(text.split('\n').includes('vault_runtime_event_loop_stall_threshold_ms 75'), text);
    } finally {
      await p.kill();
    }
  });

  it('logs a stall in the server log while the process could not run', async () => {
    // SIGSTOP stands in for a host that does not schedule the process: the watchdog's
    // timer fires late once it runs again. (Whether busy_ms is small depends on where the
    // stop lands: inside a callback, the pause counts as busy time.)
    const port = await freePort();
    const saved = process.env['WARD_EVENT_LOOP_WARN_MS'];
    process.env['WARD_EVENT_LOOP_WARN_MS'] = '100';
    const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem', '-log-level=warn'], `http://127.0.0.1:${port}`);
    if (saved === undefined) delete process.env['WARD_EVENT_LOOP_WARN_MS'];
    else process.env['WARD_EVENT_LOOP_WARN_MS'] = saved;
    try {
      await waitForHealth(p);
      // Only lines from the stop on: a stall while starting (a loaded machine) may name the
      // health checks that were in flight.
      const mark = p.stderr().length;
      p.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 500));
      p.child.kill('SIGCONT');
      const stalls = (): Record<string, unknown>[] =>
        p
          .stderr()
          .slice(mark)
          .split('\n')
          .filter((l) => l.includes('"event loop blocked"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      await until(() => stalls().some((l) => Number(l['blocked_ms']) >= 300), 'the watchdog warning in the server log');
      const line = stalls().find((l) => Number(l['blocked_ms']) >= 300) as Record<string, unknown>;
      assert.equal(line['@module'], 'watchdog');
      assert.equal(line['threshold_ms'], 100);
      assert.equal(typeof line['busy_ms'], 'number');
      assert.deepEqual(line['requests'], []);
    } finally {
      await p.kill();
    }
  });

  it('refuses to start with an invalid WARD_EVENT_LOOP_WARN_MS', async () => {
    const saved = process.env['WARD_EVENT_LOOP_WARN_MS'];
    process.env['WARD_EVENT_LOOP_WARN_MS'] = 'soon';
    const port = await freePort();
    const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    if (saved === undefined) delete process.env['WARD_EVENT_LOOP_WARN_MS'];
    else process.env['WARD_EVENT_LOOP_WARN_MS'] = saved;
    const { code } = await p.exited;
    assert.equal(code, 1);
    assert.match(p.stderr(), /WARD_EVENT_LOOP_WARN_MS must be a positive number of milliseconds, got "soon"/);
  });
});
