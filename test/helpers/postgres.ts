/**
 * Throwaway PostgreSQL clusters for integration tests and benchmarks: initdb into a temp
 * dir, a superuser with password (scram) auth, listening on 127.0.0.1:<free port>.
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * `postgres` OS user and the temp dir is handed to it.
 *
 * When the binaries are missing, `postgresSkipReason()` explains why (and throws under
 * CI=true: in CI a missing component must fail the run, never skip it).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** The PostgreSQL bin dir holding initdb and pg_ctl, or null when none is installed. */
export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config is absent on server-only installs; fall back to the Debian layout.
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(base, v, 'bin')));
  }
  return candidates.find((d) => d !== '' && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. Throws under CI=true. */
export function postgresSkipReason(): string | undefined {
  if (findPostgresBin() !== null) return undefined;
  const reason = 'PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/ensure-postgres.sh';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: refusing to skip)`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
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
