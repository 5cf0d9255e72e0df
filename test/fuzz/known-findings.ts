/**
 * The seed of the suite's fuzz pass, and what "the plan can find issue 14's findings"
 * means as a check on requests: the inputs that exposed findings 1, 3, 5 and 6. The
 * schedule pins one request per finding at a fixed index of every plan (pinned.ts), built
 * by the generator and on the targets named here, so a change to the mounts or to the
 * random draw cannot drop them; the schedule test checks that, without a server (and
 * whether or not the bug is still there).
 */
import type { Target } from './catalogue.js';
import type { FuzzRequest } from './request.js';
import { OVERFLOW_DURATIONS } from './values.js';

/** Seed of test/fuzz/fuzz.test.ts (the issue number). */
export const FUZZ_TEST_SEED = 14;

export interface KnownFinding {
  /** Whether a request carries the finding's input. */
  matches(r: FuzzRequest): boolean;
  /** The generator that builds such a request. */
  generator: string;
  /** The targets it is built on (tried in id order until one request matches). */
  target(t: Target): boolean;
}

const PKI_GENERATE = /^pki\/(root|intermediate)\/generate\//;

export const KNOWN_FINDINGS: Record<string, KnownFinding> = {
  '1 (router loop on /v1/ and /v1//…)': {
    matches: (r) => r.target === '/v1/' || r.target.startsWith('/v1//'),
    generator: 'path-trick',
    target: (t) => t.mount === 'secret/',
  },
  '3 (KV v2 delete_version_after beyond int64 ns)': {
    matches: (r) =>
      (r.mount === 'kv2/' || r.mount === 'secret/') &&
      /(metadata|config)/.test(r.targetId ?? '') &&
      r.token.kind === 'root' &&
      ['POST', 'PUT', 'PATCH'].includes(r.method) &&
      OVERFLOW_DURATIONS.some((l) => r.note.includes(`delete_version_after=${l}`)),
    generator: 'duration',
    // secret/ is the dev server's own KV v2 mount: there whatever the fuzz mounts are.
    target: (t) => t.mount === 'secret/' && /(metadata|config)/.test(t.id) && t.fields.some((f) => f.name === 'delete_version_after'),
  },
  '5 (JSON nested past the stack)': {
    matches: (r) => r.generator === 'nesting' && /depth-(5000|20000)/.test(r.note) && (r.token.kind === 'root' || r.token.kind === 'default'),
    generator: 'nesting',
    target: (t) => t.mount === 'secret/',
  },
  '6 (lone surrogate in the lockout key)': {
    matches: (r) => r.targetId === 'auth/approle/login' && /role_id=(lone-high-surrogate|lone-low-surrogate|reversed-pair|surrogate-in-name)/.test(r.note),
    generator: 'bad-string',
    target: (t) => t.id === 'auth/approle/login',
  },
  '6 (megabyte or lone-surrogate PKI common_name)': {
    matches: (r) =>
      /^\/v1\/pki\/(root|intermediate)\/generate\/(internal|exported)$/.test(r.target) &&
      r.token.kind === 'root' &&
      /common_name=(str-1mib|str-1mib-multibyte|str-2mib-name|lone-high-surrogate|lone-low-surrogate|reversed-pair|surrogate-in-name)/.test(r.note),
    generator: 'bad-string',
    target: (t) => PKI_GENERATE.test(t.id),
  },
};

/** First request number that carries each finding's input, or -1. */
export function planCovers(reqs: readonly FuzzRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, finding] of Object.entries(KNOWN_FINDINGS)) out[name] = reqs.findIndex((r) => finding.matches(r));
  return out;
}
