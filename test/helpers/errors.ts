/**
 * Error assertions shared by unit tests (a thrown WardError) and HTTP tests (Vault's
 * `{"errors": [...]}` envelope), so each test states the status and text it expects
 * instead of carrying its own copy of the plumbing.
 */
import assert from 'node:assert/strict';
import { WardError } from '../../src/sdk/errors.js';

/** The `errors` of an HTTP answer joined with ` | ` ('' when there are none). */
// any: api() bodies are untyped JSON; only `errors` is read here.
export const errText = (r: { body: any }): string => ((r.body?.errors ?? []) as unknown[]).join(' | ');

/** Awaits `p` (or calls `fn`) and returns the WardError it throws; fails when it succeeds or throws something else. */
export async function wardErrorOf(p: Promise<unknown> | (() => unknown)): Promise<WardError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (WardError.is(e)) return e;
    throw e;
  }
  return assert.fail('expected a WardError, but the call succeeded');
}

/** Like wardErrorOf, for synchronous code. */
export function wardErrorOfSync(fn: () => unknown): WardError {
  try {
    fn();
  } catch (e) {
    if (WardError.is(e)) return e;
    throw e;
  }
  return assert.fail('expected a WardError, but the call succeeded');
}

/**
 * What a test expects an error to say: a string is one of the error's messages exactly;
 * a pattern matches one of them, or all of them joined with ` | `.
 */
export type ExpectedText = string | RegExp;

function describeError(e: WardError): string {
  return `${e.status} ${JSON.stringify(e.messages)}`;
}

/** Asserts a WardError's status and, when given, its text (see ExpectedText). */
export function assertWardError(e: WardError, status: number, text?: ExpectedText): void {
  assert.equal(e.status, status, `status of ${describeError(e)}`);
  if (typeof text === 'string') assert.ok(e.messages.includes(text), `expected the message ${JSON.stringify(text)}, got ${describeError(e)}`);
  else if (text) assert.ok(e.messages.some((m) => text.test(m)) || text.test(e.messages.join(' | ')), `expected messages matching ${String(text)}, got ${describeError(e)}`);
}

/**
 * A validator for assert.rejects / assert.throws: the error must be a WardError with
 * `status` and `text` (see ExpectedText). It fails with what was thrown instead of
 * assert's bare "validation function is expected to return true".
 */
export function isWardError(status: number, text?: ExpectedText): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(WardError.is(e), `expected a WardError, got ${String(e)}`);
    assertWardError(e, status, text);
    return true;
  };
}

/** Asserts that `p` rejects (or `fn` throws) a WardError with `status` and, when given, `text`; returns it. */
export async function rejectsWard(p: Promise<unknown> | (() => unknown), status: number, text?: ExpectedText): Promise<WardError> {
  const e = await wardErrorOf(p);
  assertWardError(e, status, text);
  return e;
}
