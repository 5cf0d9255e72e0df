/**
 * SIGTERM stops a busy process (finding 10 of issue 14): the server while a request waits
 * on a database that never answers, and client commands (`ward read`, `ward broker`) while
 * they wait on a server or an orchestrator that never answers, including as PID 1 of a
 * container, where the kernel ignores a signal that has no handler. Each test polls for
 * the exit with a generous deadline; the bug was a process that never exited.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { api } from '../../helpers/server.js';
import { configDir, REPO_ROOT, startConfigServer, WARD_BIN, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { PID_NAMESPACE, skipUnless } from '../../helpers/requirement.js';

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Waits for `exited`, failing (and killing `child`) when it has not come by `deadlineMs`. */
async function exitWithin(child: ChildProcess, exited: Promise<Exit>, deadlineMs: number, output: () => string): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), deadlineMs)));
  const r = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (r === 'late') {
    child.kill('SIGKILL');
    assert.fail(`still running ${deadlineMs} ms after the signal\n${output()}`);
  }
  return r;
}

/**
 * A PostgreSQL server that completes the startup handshake (trust auth) and then never
 * answers a query: the database plugin's first statement waits for ever.
 */
async function blackHolePostgres(): Promise<{ port: number; queries: () => number; close: () => void }> {
  let queries = 0;
  const sockets = new Set<Socket>();
  const srv = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let started = false;
    s.on('data', (chunk) => {
      if (!started) {
        started = true;
        // AuthenticationOk, then ReadyForQuery (idle).
        s.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]));
        return;
      }
      // Simple query ('Q') or extended protocol ('P'arse): count it, answer nothing.
      if (chunk[0] === 0x51 || chunk[0] === 0x50) queries++;
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    queries: () => queries,
    close: () => {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

/** An HTTP server that accepts every request and never answers. */
async function hangingHttp(): Promise<{ url: string; requests: () => number; close: () => void }> {
  let requests = 0;
  const held: ServerResponse[] = [];
  const srv = createHttpServer((_req, res) => {
    requests++;
    held.push(res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    requests: () => requests,
    close: () => {
      srv.closeAllConnections();
      srv.close();
    },
  };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server: SIGTERM while a request waits on a database that never answers', () => {
  let cfg: ConfigDir;
  let p: WardProcess | null = null;
  let pg: Awaited<ReturnType<typeof blackHolePostgres>> | null = null;
  after(async () => {
    await p?.kill();
    pg?.close();
    cfg?.cleanup();
  });

  it('exits within its shutdown grace period, reporting the unclean stop (exit 1)', { timeout: 120_000 }, async () => {
    cfg = configDir();
    pg = await blackHolePostgres();
    p = await startConfigServer(cfg);
    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    await api(p, 'PUT', 'sys/unseal', { body: { key: init.body.keys[0] } });
    const root: string = init.body.root_token;
    assert.equal((await api(p, 'POST', 'sys/mounts/database', { token: root, body: { type: 'database' } })).status, 204);
    const stuck = api(p, 'POST', 'database/config/db', {
      token: root,
      body: { plugin_name: 'postgresql-database-plugin', connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${pg.port}/db`, username: 'u', password: 'p', allowed_roles: '*' },
    }).catch(() => null);
    const db = pg;
    await until('the verification query to reach the database', () => db.queries() > 0);
    p.child.kill('SIGTERM');
    const r = await exitWithin(p.child, p.exited, 90_000, () => p?.stderr() ?? '');
    assert.equal(r.signal, null);
    assert.equal(r.code, 1, p.stderr());
    assert.match(p.stderr(), /shutdown did not complete within \d+s/);
    await stuck;
  });
});

const pid1Skip = skipUnless(PID_NAMESPACE);

/** `bin/ward <args>`, optionally as PID 1 of a new PID namespace (as the entrypoint of a container). */
function spawnCli(args: string[], env: NodeJS.ProcessEnv, asPid1: boolean): { child: ChildProcess; exited: Promise<Exit>; target: () => number | undefined; output: () => string } {
  const argv = [process.execPath, WARD_BIN, ...args];
  // --kill-child: if unshare itself dies, the namespace's PID 1 is killed with it.
  const child = asPid1 ? spawn('unshare', ['-pf', '--kill-child', ...argv], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(argv[0] as string, argv.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  /** The node process to signal: unshare's child when it runs as PID 1. */
  const target = (): number | undefined => {
    if (!asPid1) return child.pid;
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return kids ? Number(kids.split(' ')[0]) : undefined;
    } catch {
      return undefined;
    }
  };
  return { child, exited, target, output: () => out };
}

describe('client commands stop on a signal while they wait', () => {
  const cleanups: (() => void)[] = [];
  after(() => cleanups.forEach((c) => c()));

  const cases: { name: string; signal: NodeJS.Signals; code: number; asPid1: boolean; args: (url: string, dir: string) => string[] }[] = [
    { name: 'ward read, waiting on the server', signal: 'SIGTERM', code: 143, asPid1: false, args: () => ['read', 'secret/app'] },
    { name: 'ward read as PID 1, waiting on the server', signal: 'SIGTERM', code: 143, asPid1: true, args: () => ['read', 'secret/app'] },
    { name: 'ward read as PID 1, SIGINT', signal: 'SIGINT', code: 130, asPid1: true, args: () => ['read', 'secret/app'] },
    { name: 'ward broker as PID 1, waiting on the inventory', signal: 'SIGTERM', code: 143, asPid1: true, args: (url, dir) => ['broker', `-inventory=${url}/inventory.json`, '-role=devices', `-deliver-dir=${dir}`] },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.signal} → exit ${c.code}`, { skip: c.asPid1 && pid1Skip, timeout: 60_000 }, async () => {
      const hang = await hangingHttp();
      cleanups.push(hang.close);
      const dir = configDir();
      cleanups.push(dir.cleanup);
      const cli = spawnCli(c.args(hang.url, dir.dir), { VAULT_ADDR: hang.url, VAULT_TOKEN: 'hvs.any' }, c.asPid1);
      cleanups.push(() => cli.child.kill('SIGKILL'));
      await until('the request to reach the server', () => hang.requests() > 0 && cli.target() !== undefined);
      process.kill(cli.target() as number, c.signal);
      const r = await exitWithin(cli.child, cli.exited, 20_000, cli.output);
      assert.deepEqual(r, { code: c.code, signal: null }, cli.output());
    });
  }
});
