/** Runs a template's `command` after its output changed, with a timeout. */
import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

/**
 * Runs `command` (a shell string, or an argv list run without a shell) and resolves with
 * its exit code; a command still running after `timeoutMs` is killed and reported as -1.
 * When `abort` fires (the agent is stopping) the command is sent SIGTERM, so a slow
 * command does not hold the agent past its shutdown; nothing starts after the abort.
 */
export function runCommand(command: string | string[], timeoutMs: number, log: Logger, env: NodeJS.ProcessEnv, abort?: AbortSignal): Promise<number> {
  const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0] ?? '', command.slice(1)];
  if (abort?.aborted) return Promise.resolve(-1);
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(abort ? { signal: abort, killSignal: 'SIGTERM' as const } : {}) });
    let output = '';
    const collect = (b: Buffer): void => {
      if (output.length < 4096) output += b.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      log.error(`command ${JSON.stringify(command)} timed out after ${timeoutMs}ms; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      // An abort is reported as an 'error' too; 'close' (which logs the signal) follows it,
      // and the timeout still applies to a command that ignores SIGTERM.
      if (e.name === 'AbortError') return;
      clearTimeout(timer);
      log.error(`command ${JSON.stringify(command)} could not start: ${e.message}`);
      resolve(-1);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = output.trim();
      if (code === 0) log.info(`command ${JSON.stringify(command)} succeeded${out ? `: ${out}` : ''}`);
      else log.error(`command ${JSON.stringify(command)} failed (${signal ?? `exit ${code}`})${out ? `: ${out}` : ''}`);
      resolve(signal ? -1 : (code ?? -1));
    });
  });
}
