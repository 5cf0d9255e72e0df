/**
 * The run's own failure detection against a real server broken on purpose: a killed
 * process is a crash (and the run goes on with a fresh server), a canary written behind
 * the fuzzer's back is a changed canary. Without these, a quiet fuzz pass proves nothing.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCatalogue, type Target } from './catalogue.js';
import { run } from './runner.js';

let targets: Target[];
before(async () => {
  targets = await buildCatalogue();
});

describe('fuzz run against a server broken on purpose', () => {
  it('reports a crash at the request that found the server gone, then carries on with a fresh one', async () => {
    const res = await run({
      requests: 50,
      seed: 5,
      only: [0, 1, 2, 3],
      targets,
      log: () => undefined,
      beforeSend: async (i, server) => {
        if (i === 2) await server.proc.kill('SIGKILL');
      },
    });
    assert.deepEqual(
      res.failures.filter((f) => f.kind === 'crash' || f.kind === 'wedged').map((f) => [f.kind, f.index]),
      [['crash', 2]],
    );
    assert.equal(res.restarts, 1);
    assert.equal(res.sent, 4, 'request #3 went to the fresh server');
  });

  it('reports a canary changed behind its back', async () => {
    const res = await run({
      requests: 50,
      seed: 5,
      only: [0, 1],
      targets,
      log: () => undefined,
      beforeSend: async (i, server) => {
        if (i === 1) await server.api.must('POST', 'canary-kv1/c1', { body: { v: 'overwritten' } });
      },
    });
    const canary = res.failures.filter((f) => f.kind === 'canary');
    assert.equal(canary.length, 1, JSON.stringify(res.failures.map((f) => f.reason)));
    assert.match(canary[0]!.reason, /kv1 canary-kv1\/c1: expected .* got \{"v":"overwritten"\}/);
  });
});
