/**
 * The suite's fuzz pass: 3,000 seeded requests against a real `bin/ward server -dev`
 * (every backend mounted, seeded, audited, sealed and unsealed three times). Any 5xx
 * outside the documented list, any answer later than 5 s, a dropped connection, a crash
 * or a changed canary fails it; the message is the full report with each reproducer.
 * Longer passes: `npm run fuzz -- --requests 30000 --seed S`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUZZ_TEST_SEED } from './known-findings.js';
import { formatReport } from './report.js';
import { run } from './runner.js';
import { GENERATORS } from './schedule.js';

test(`3,000 fuzz requests (seed ${FUZZ_TEST_SEED}): no 5xx, no hang, no crash, canaries intact`, { timeout: 5 * 60_000 }, async () => {
  const res = await run({ requests: 3000, seed: FUZZ_TEST_SEED, log: () => undefined });
  assert.equal(res.failures.length, 0, `the fuzzer found failures:\n${formatReport(res)}`);
  // The pass really happened: every request sent, every generator used, seal cycles and canary checks done.
  assert.equal(res.sent, 3000, formatReport(res));
  for (const g of GENERATORS) assert.ok(Object.keys(res.byGenerator[g.name] ?? {}).length > 0, `generator ${g.name} sent nothing`);
  assert.equal(res.sealCycles, 3);
  assert.ok(res.canaryChecks >= 6, `only ${res.canaryChecks} canary checks`);
});
