/**
 * Spawning real `bin/ward server …` processes for end-to-end tests: a free port, a
 * config file in a temp dir, waiting for sys/health, collecting output and exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';
import { waitFor } from './wait.js';

/** Repository root: this file compiles to dist/test/helpers/process.js. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const WARD_BIN = join(REPO_ROOT, 'bin', 'ward');

/** Re-exported for the tests that import it from here. */
export { freePort };

export interface WardProcess {
  child: ChildProcess;
  url: string;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128+signal number style: null code → -1) once the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running; resolves when it is gone. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `bin/ward <args>`; `url` is where it should listen (callers pass the port in
 * args/config); `env` adds to the test's environment; `wrap` is a command that execs the
 * rest (e.g. a setpriv prefix that changes user and capabilities).
 */
export function spawnWard(args: string[], url = '', env: NodeJS.ProcessEnv = {}, wrap: readonly string[] = []): WardProcess {
  const argv = [...wrap, process.execPath, WARD_BIN, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  // 'exit' can come before the last output is read (node: stdio may still be open then),
  // and callers read stdout/stderr right after. So wait for both pipes to close too, but
  // not for long: a grandchild that inherited a pipe (an agent's template command) may
  // keep it open after the process itself has gone.
  const drained = (stream: NodeJS.ReadableStream | null) => new Promise<void>((r) => (stream === null ? r() : stream.once('close', () => r())));
  const pipesClosed = Promise.all([drained(child.stdout), drained(child.stderr)]);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      const cap = setTimeout(() => res({ code, signal }), 2000);
      void pipesClosed.then(() => {
        clearTimeout(cap);
        res({ code, signal });
      });
    }),
  );
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `bin/ward <args>` to completion (killing it after `timeoutMs`). */
export async function runWard(args: string[], timeoutMs = 15_000, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const p = spawnWard(args, '', env);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.child.kill('SIGKILL');
  }, timeoutMs);
  const { code } = await p.exited;
  clearTimeout(timer);
  return { code, stdout: p.stdout(), stderr: p.stderr(), timedOut };
}

/** Polls `sys/health` until the server answers any HTTP status; throws with the process output on timeout or exit. */
export async function waitForHealth(p: WardProcess, timeoutMs = 15_000): Promise<number> {
  let exited = false;
  void p.exited.then(() => (exited = true));
  const output = (): string => `stdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`;
  return waitFor(
    'ward to answer sys/health',
    async () => {
      if (exited) throw new Error(`ward exited before becoming healthy\n${output()}`);
      try {
        const res = await fetch(`${p.url}/v1/sys/health`);
        await res.arrayBuffer();
        return res.status;
      } catch {
        return undefined; // not listening yet
      }
    },
    { timeoutMs, context: output },
  );
}

/** A temp dir holding a config file and (usually) the SQLite store. */
export interface ConfigDir {
  dir: string;
  dbPath: string;
  write(name: string, text: string): string;
  cleanup(): void;
}

export function configDir(): ConfigDir {
  const dir = mkdtempSync(join(tmpdir(), 'ward-proc-'));
  return {
    dir,
    dbPath: join(dir, 'ward.db'),
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The usual HCL: SQLite store, one plain-HTTP listener, allow_root as asked. */
export function sqliteConfig(o: { dbPath: string; port: number; allowRoot?: boolean; extra?: string }): string {
  return [
    `storage "sqlite" {`,
    `  path = "${o.dbPath}"`,
    `}`,
    ``,
    `listener "tcp" {`,
    `  address     = "127.0.0.1:${o.port}"`,
    `  tls_disable = true`,
    `}`,
    ...(o.allowRoot ? ['', 'allow_root = true'] : []),
    ...(o.extra ? ['', o.extra] : []),
    '',
  ].join('\n');
}

/** Starts a config-file server on a fresh port and waits until it answers. */
export async function startConfigServer(cfg: ConfigDir, o: { allowRoot?: boolean; port?: number } = {}): Promise<WardProcess> {
  const port = o.port ?? (await freePort());
  const file = cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: o.allowRoot ?? true }));
  const p = spawnWard(['server', `-config=${file}`], `http://127.0.0.1:${port}`);
  await waitForHealth(p);
  return p;
}
