/**
 * Parsing and compiling stay linear in the size of the document. Each case builds a
 * document that the former quadratic merges took one to three minutes for and a linear
 * pass handles in about a second, and runs it in a worker thread: the test polls for the
 * answer with a deadline and stops the worker when it passes, so a regression fails
 * instead of hanging the suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL } from './acl.js';
import { parsePolicy } from './parse.js';
import type { ScaleCase, ScaleResult } from './scale.test-helper.js';
import { callInWorker } from '../../../test/helpers/loop.js';

const DEADLINE_MS = 45_000;
const HELPER = new URL('./scale.test-helper.js', import.meta.url).href;

async function runCase(c: ScaleCase, n: number): Promise<ScaleResult> {
  const r = await callInWorker<ScaleResult>(HELPER, 'runScaleCase', [c, n], DEADLINE_MS);
  if (!r.finished) throw new Error(`${c} with n=${n} did not finish within ${DEADLINE_MS} ms: parse or compile is superlinear`);
  if (r.error !== undefined || r.value === undefined) throw new Error(`${c} with n=${n} failed: ${r.error ?? 'no result'}`);
  return r.value;
}

describe('policy parse and compile scale linearly', () => {
  it('one parameter key repeated 100,000 times in allowed_parameters', async () => {
    const n = 100_000;
    const r = await runCase('repeated-key', n);
    assert.equal(r.values, n);
    assert.deepEqual(r.checks, { first: 'v0', last: `v${n - 1}`, lastAllowed: true, otherAllowed: false });
  });

  it('the same path in 80,000 blocks, each adding a parameter value and a required parameter', async () => {
    const n = 80_000;
    const r = await runCase('same-path-blocks', n);
    assert.equal(r.rules, n);
    assert.deepEqual(r.checks, { capabilities: ['read', 'update'], lastValue: true, otherValue: false, missingRequired: false });
  });

  it('the same path in 60,000 policies', async () => {
    const n = 60_000;
    const r = await runCase('same-path-policies', n);
    assert.deepEqual(r.checks, { allowed: true, granting: n, firstGranting: 'p0', lastGranting: `p${n - 1}` });
  });
});

describe('parameter names are data', () => {
  it('allowed_parameters naming "__proto__" still restricts the request', () => {
    // A plain-object accumulator turned this key into a prototype assignment, the
    // allow-list came out empty and every parameter was allowed.
    const p = parsePolicy('proto', '{"path": {"secret/p": {"capabilities": ["update"], "allowed_parameters": {"__proto__": ["x"]}}}}');
    assert.deepEqual(Object.keys(p.rules[0]?.allowedParameters ?? {}), ['__proto__']);
    const acl = new ACL([p]);
    assert.equal(acl.allowOperation({ path: 'secret/p', operation: 'update', data: { other: 'y' } }).allowed, false);
    assert.equal(acl.allowOperation({ path: 'secret/p', operation: 'update', data: JSON.parse('{"__proto__":"x"}') }).allowed, true);
  });
});
