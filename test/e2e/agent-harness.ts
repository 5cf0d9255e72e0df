/**
 * Helpers for the agent end-to-end tests: spawn the real `bin/ward agent` against a
 * real in-process server, watch files appear, and clean up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARD_BIN } from '../../src/cli/testing.js';
import { api, type TestServer } from '../helpers/server.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

export type AgentProcess = {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  /** Resolves with the exit code and stderr once the process ends. */
  exited: Promise<{ code: number; stderr: string }>;
  stop(): Promise<void>;
};

/** Directories made by tempDir(), removed when the test process exits. */
const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ward-agent-e2e-'));
  made.push(dir);
  return dir;
}

/** Writes `text` to `dir/name` and returns the path. */
export function put(dir: string, name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode });
  return p;
}

/** Reads a file, or returns undefined while it does not exist. */
export function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Starts `ward agent -config=<config>` with `VAULT_ADDR` pointing at `server`. */
export function startAgent(server: Pick<TestServer, 'url'>, config: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}, cwd?: string): AgentProcess {
  const child = spawn(process.execPath, [WARD_BIN, 'agent', `-config=${config}`, ...extraArgs], {
    env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: server.url, ...env },
    ...(cwd ? { cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout?.resume();
  const exited = new Promise<{ code: number; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stderr })));
  return {
    child,
    log: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms` (with the agent's log). */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 10_000, agent?: AgentProcess): Promise<T> {
  return waitUntil(what, check, { timeoutMs: ms, ...(agent ? { context: () => `agent log:\n${agent.log()}` } : {}) });
}

/** A policy `app` that reads everything under `secret/` (and `kv1/`), and a renewable token holding it. */
export async function appToken(server: TestServer, ttl = '1h'): Promise<string> {
  const policy = 'path "secret/*" { capabilities = ["read", "list"] }\npath "kv1/*" { capabilities = ["read", "list"] }\npath "database/creds/*" { capabilities = ["read"] }';
  const p = await api(server, 'PUT', 'sys/policies/acl/app', { token: server.rootToken, body: { policy } });
  if (p.status >= 300) throw new Error(`policy write failed: ${JSON.stringify(p.body)}`);
  const t = await api(server, 'POST', 'auth/token/create', { token: server.rootToken, body: { policies: ['app'], ttl } });
  if (t.status !== 200) throw new Error(`token create failed: ${JSON.stringify(t.body)}`);
  return t.body.auth.client_token as string;
}
