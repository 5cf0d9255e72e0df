/**
 * The seed of the suite's fuzz pass, and what "the plan can find issue 14's findings"
 * means as a check on requests: the inputs that exposed findings 1, 3, 5 and 6. The
 * schedule test runs it on the suite's plan, so a change to the generators that loses
 * one of them fails without a server (and whether or not the bug is still there).
 */
import type { FuzzRequest } from './request.js';
import { OVERFLOW_DURATIONS } from './values.js';

/** Seed of test/fuzz/fuzz.test.ts (the issue number). */
export const FUZZ_TEST_SEED = 14;


export const KNOWN_FINDINGS: Record<string, (r: FuzzRequest) => boolean> = {
  '1 (router loop on /v1/ and /v1//…)': (r) => r.target === '/v1/' || r.target.startsWith('/v1//'),
  '3 (KV v2 delete_version_after beyond int64 ns)': (r) =>
    (r.mount === 'kv2/' || r.mount === 'secret/') &&
    /(metadata|config)/.test(r.targetId ?? '') &&
    r.token.kind === 'root' &&
    ['POST', 'PUT', 'PATCH'].includes(r.method) &&
    OVERFLOW_DURATIONS.some((l) => r.note.includes(`delete_version_after=${l}`)),
  '5 (JSON nested past the stack)': (r) => r.generator === 'nesting' && /depth-(5000|20000)/.test(r.note) && (r.token.kind === 'root' || r.token.kind === 'default'),
  '6 (lone surrogate in the lockout key)': (r) =>
    r.targetId === 'auth/approle/login' && /role_id=(lone-high-surrogate|lone-low-surrogate|reversed-pair|surrogate-in-name)/.test(r.note),
  '6 (megabyte or lone-surrogate PKI common_name)': (r) =>
    /^\/v1\/pki\/(root|intermediate)\/generate\/(internal|exported)$/.test(r.target) &&
    r.token.kind === 'root' &&
    /common_name=(str-1mib|str-1mib-multibyte|str-2mib-name|lone-high-surrogate|lone-low-surrogate|reversed-pair|surrogate-in-name)/.test(r.note),
};

/** First request number that carries each finding's input, or -1. */
export function planCovers(reqs: readonly FuzzRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, test] of Object.entries(KNOWN_FINDINGS)) out[name] = reqs.findIndex(test);
  return out;
}
