/**
 * The documents of scale.test.ts, built, parsed and compiled inside a worker thread so
 * the test can give up on a quadratic run at a deadline (synchronous work cannot be
 * interrupted on the thread that runs it). Each case returns what the test asserts.
 */
import { ACL } from './acl.js';
import { parsePolicy } from './parse.js';

export type ScaleCase = 'repeated-key' | 'same-path-blocks' | 'same-path-policies';

export interface ScaleResult {
  values?: number;
  rules?: number;
  checks: Record<string, unknown>;
}

function repeatedKey(n: number): ScaleResult {
  const parts = Array.from({ length: n }, (_, i) => ({ x: [`v${i}`] }));
  const p = parsePolicy('rep', JSON.stringify({ path: { 'secret/a': { capabilities: ['update'], allowed_parameters: parts } } }));
  const values = p.rules[0]?.allowedParameters?.['x'] ?? [];
  const acl = new ACL([p]);
  const ask = (x: string): boolean => acl.allowOperation({ path: 'secret/a', operation: 'update', data: { x } }).allowed;
  return { values: values.length, checks: { first: values[0], last: values[n - 1], lastAllowed: ask(`v${n - 1}`), otherAllowed: ask('other') } };
}

function samePathBlocks(n: number): ScaleResult {
  const blocks = Array.from({ length: n }, (_, i) => ({
    'secret/b': { capabilities: [i === 0 ? 'read' : 'update'], allowed_parameters: { x: [`v${i}`], '*': [] }, required_parameters: [`r${i}`] },
  }));
  const p = parsePolicy('same', JSON.stringify({ path: blocks }));
  const acl = new ACL([p]);
  const required: Record<string, unknown> = Object.fromEntries(Array.from({ length: n }, (_, i) => [`r${i}`, 'y']));
  const ask = (data: Record<string, unknown>): boolean => acl.allowOperation({ path: 'secret/b', operation: 'update', data }).allowed;
  const missingOne = { ...required };
  delete missingOne['r7'];
  return {
    rules: p.rules.length,
    checks: {
      capabilities: acl.capabilities('secret/b'),
      lastValue: ask({ ...required, x: `v${n - 1}` }),
      otherValue: ask({ ...required, x: 'nope' }),
      missingRequired: ask({ ...missingOne, x: 'v0' }),
    },
  };
}

function samePathPolicies(n: number): ScaleResult {
  const policies = Array.from({ length: n }, (_, i) => parsePolicy(`p${i}`, JSON.stringify({ path: { 'secret/c': { capabilities: ['read'], allowed_parameters: { y: [`w${i}`] } } } })));
  const d = new ACL(policies).allowOperation({ path: 'secret/c', operation: 'read', data: { y: 'w0' } });
  return { checks: { allowed: d.allowed, granting: d.grantingPolicies.length, firstGranting: d.grantingPolicies[0], lastGranting: d.grantingPolicies[n - 1] } };
}

export function runScaleCase(c: ScaleCase, n: number): ScaleResult {
  if (c === 'repeated-key') return repeatedKey(n);
  if (c === 'same-path-blocks') return samePathBlocks(n);
  return samePathPolicies(n);
}
