/** Shared by the secure-introduction pattern tests: running example programs and the CLI. */
import assert from 'node:assert/strict';
import { runProgram, type CliResult } from '../../src/cli/testing.js';

export { runProgram };

/** Asserts a CLI or example run succeeded and returns its stdout. */
export async function ok(p: Promise<CliResult>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
