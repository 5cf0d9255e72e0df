/**
 * Throwaway PostgreSQL clusters for integration tests and benchmarks: initdb into a temp
 * dir, a superuser with password (scram) auth, listening on 127.0.0.1:<free port>.
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` OS user and the temp dir is handed to it.
 *
 * When the binaries are missing, `postgresSkipReason()` explains why (and throws under
 * CI=true: see requirement.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { findPostgresBin, POSTGRES, skipUnless } from './requirement.js';

export interface TestPostgres {
  /** Superuser connection URL: postgresql://user:pass@127.0.0.1:port/postgres?sslmode=disable */
  url: string;
  host: string;
  port: number;
  superuser: string;
  password: string;
  /** Stops the server but keeps the data (simulates an outage). */
  stopServer(): Promise<void>;
  /** Starts it again on the same port after `stopServer()`. */
  startServer(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  stop(): Promise<void>;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. Throws under CI=true. */
export function postgresSkipReason(): string | undefined {
  return skipUnless(POSTGRES) || undefined;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Root cannot run PostgreSQL: use the postgres OS user's ids when we are root. */
function runAs(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('cannot resolve the postgres OS user');
  return { uid, gid };
}

function run(cmd: string, args: string[], as: RunAs, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      ...as,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.trim()}`))));
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error(postgresSkipReason() ?? 'PostgreSQL binaries not found');
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'ward-pg-'));
  const data = join(dir, 'data');
  const superuser = 'ward_admin';
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (as.uid !== undefined && as.gid !== undefined) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwfile, as.uid, as.gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  const logFile = join(dir, 'server.log');
  await run(
    join(bin, 'initdb'),
    ['-D', data, '-U', superuser, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
    as,
    dir,
  );
  rmSync(pwfile, { force: true });

  let port = 0;
  let running = false;
  const startServer = async (): Promise<void> => {
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await run(pgCtl, ['-D', data, '-l', logFile, '-w', '-t', '60', '-o', opts, 'start'], as, dir);
    running = true;
  };
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await startServer();
      break;
    } catch (e) {
      // Another process may have taken the port between probe and bind: try a fresh one.
      if (attempt >= 2) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`${(e as Error).message}\n${log}`);
      }
    }
  }
  const stopServer = async (): Promise<void> => {
    if (!running) return;
    await run(pgCtl, ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], as, dir);
    running = false;
  };
  const host = '127.0.0.1';
  return {
    url: `postgresql://${superuser}:${encodeURIComponent(password)}@${host}:${port}/postgres?sslmode=disable`,
    host,
    port,
    superuser,
    password,
    stopServer,
    startServer,
    async stop() {
      try {
        await stopServer();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
