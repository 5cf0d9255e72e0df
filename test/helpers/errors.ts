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

/** Asserts a WardError's status and, optionally, its text (a substring of the message, or a pattern). */
export function assertWardError(e: WardError, status: number, message?: string | RegExp): void {
  assert.equal(e.status, status, `status of "${e.message}"`);
  if (typeof message === 'string') assert.ok(e.message.includes(message), `"${e.message}" should contain "${message}"`);
  else if (message) assert.match(e.message, message);
}

/** Asserts that `p` rejects with a WardError of `status` whose text matches `message` when given. */
export async function rejectsWard(p: Promise<unknown> | (() => unknown), status: number, message?: string | RegExp): Promise<WardError> {
  const e = await wardErrorOf(p);
  assertWardError(e, status, message);
  return e;
}
