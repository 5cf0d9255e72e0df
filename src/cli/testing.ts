import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from './main.js';

/** Captured result of an in-process CLI run. */
export type CliResult = { code: number; stdout: string; stderr: string };

/**
 * Runs the CLI in-process with a fake environment and stdin (never a TTY) and captures
 * its output. `env` replaces process.env entirely, so tests never see the caller's token.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    stdin: Readable.from([Buffer.from(stdin)]),
    env,
  });
  return { code, stdout, stderr };
}

/** Path of the `bin/ward` script (from dist/src/cli/ back to the repo root). */
export const WARD_BIN = fileURLToPath(new URL('../../../bin/ward', import.meta.url));

/**
 * Runs a program to completion with exactly `env` (plus PATH), as an operator's shell
 * would, feeding it `stdin`; asynchronous, so a server in the test process keeps answering.
 */
export function runProgram(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // a program that exits without reading stdin
    child.stdin.end(stdin);
  });
}

/** Runs the real `bin/ward` in a child process (see runProgram); `env` is its whole environment. */
export function spawnWard(argv: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliResult> {
  return runProgram(process.execPath, [WARD_BIN, ...argv], env, stdin);
}
