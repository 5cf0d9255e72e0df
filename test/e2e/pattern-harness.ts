/** Shared by the secure-introduction pattern tests: running example programs and the CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { CliResult } from '../../src/cli/testing.js';

/** Runs a program to completion with exactly `env` (plus PATH), as an operator's shell would. */
export function runProgram(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Asserts a CLI or example run succeeded and returns its stdout. */
export async function ok(p: Promise<CliResult>): Promise<string> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
