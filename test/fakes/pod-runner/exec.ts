/**
 * `kubectl exec` for the runner: `nsenter` into a running container's mount and PID
 * namespaces and root directory, as its user, with its environment.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { mapWardArgv, type WardBinary } from './argv.js';
import type { Launched } from './launch.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function execInContainer(pid: number, l: Launched, ward: WardBinary, argv: string[], timeoutMs: number): Promise<ExecResult> {
  const cmd = l.wardImage ? mapWardArgv(argv, ward) : argv;
  const user = l.user ? ['/usr/bin/setpriv', `--reuid=${l.user.uid}`, `--regid=${l.user.gid}`, '--clear-groups'] : [];
  // -r and -w take the target's root and working directory; -p forks into its PID namespace.
  const child = spawn('/usr/bin/nsenter', ['-t', String(pid), '-m', '-p', '-r', '-w', '--', ...user, ...cmd], { env: l.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((res) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      res({ exitCode: 126, stdout, stderr: stderr + err.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      res({ exitCode: code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0), stdout, stderr });
    });
  });
}
