/**
 * The fuzzed server: a real `bin/ward server -dev` process, so a crash or a wedged event
 * loop is seen from outside. Knows its root token and unseal key (from the dev banner),
 * seals and unseals it, and probes sys/health with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, waitForHealth, WARD_BIN, type WardProcess } from '../helpers/process.js';
import { Api } from './api.js';
import { setUp, type Fixtures } from './fixtures.js';
import { exchange } from './raw-client.js';

/**
 * The tail of a stream of text, with offsets counted from its start. A long run makes the
 * server log megabytes (one error line can quote a 2 MiB input), so only the last MiB is
 * kept, and what is handed out is copied: a slice would keep the whole buffer alive.
 */
export class LogTail {
  private text = '';
  private dropped = 0;

  constructor(private readonly keep = 1024 * 1024) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.keep * 2) {
      const cut = this.text.length - this.keep;
      this.text = detach(this.text.slice(cut));
      this.dropped += cut;
    }
  }

  /** Characters written so far. */
  get length(): number {
    return this.dropped + this.text.length;
  }

  /** The last `max` characters written after `offset` (as far as still kept), as an independent string. */
  since(offset: number, max = Infinity): string {
    const from = Math.max(0, offset - this.dropped, this.text.length - max);
    return detach(this.text.slice(from));
  }
}

/** A copy of `s` that does not share storage with the string it was sliced from. */
const detach = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/** Servers still running and their temp dirs; removed when this process exits, however it exits (short of a crash). */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * `bin/ward server -dev` with bounded output buffers (test/helpers' spawnWard keeps all
 * output, which a 100,000-request run turns into hundreds of megabytes).
 */
function spawnDevServer(host: string, port: number): { proc: WardProcess; log: LogTail } {
  const args = ['server', '-dev', `-dev-listen-address=${host}:${port}`, '-dev-storage=inmem'];
  const child = spawn(process.execPath, [WARD_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  const out = new LogTail(64 * 1024);
  const log = new LogTail();
  child.stdout.setEncoding('utf8').on('data', (c: string) => out.push(c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => log.push(c));
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      res({ code, signal });
    }),
  );
  const proc: WardProcess = {
    child,
    url: `http://${host}:${port}`,
    stdout: () => out.since(0),
    stderr: () => log.since(0),
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return { proc, log };
}

/**
 * The "closed port" the database and Kubernetes fixtures point at: a listener that resets
 * every connection. A port that was merely free could be taken by another test meanwhile,
 * and a peer that accepts and stays silent would turn each upstream call into a 10 s wait.
 */
async function resetListener(): Promise<{ port: number; server: Server }> {
  const server = createServer((sock) => sock.resetAndDestroy());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return { port: (server.address() as { port: number }).port, server };
}

export class FuzzServer {
  private constructor(
    readonly proc: WardProcess,
    private readonly log: LogTail,
    readonly host: string,
    readonly port: number,
    readonly rootToken: string,
    readonly unsealKey: string,
    readonly closedPort: number,
    private readonly upstream: Server,
    readonly dir: string,
    readonly api: Api,
    public fixtures: Fixtures | null = null,
  ) {}

  /**
   * Starts a dev server on a free port and sets up mounts, seeds and canaries. Tries three
   * ports: another test can take a free port between our check and ward's bind.
   */
  static async start(): Promise<FuzzServer> {
    let last: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await FuzzServer.startOnce();
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  private static async startOnce(): Promise<FuzzServer> {
    const port = await freePort();
    const { port: closedPort, server: upstream } = await resetListener();
    const host = '127.0.0.1';
    const { proc, log } = spawnDevServer(host, port);
    try {
      await waitForHealth(proc, 30_000);
    } catch (e) {
      await proc.kill();
      upstream.close();
      throw e;
    }
    const deadline = Date.now() + 10_000;
    while (!/Root Token: \S+/.test(proc.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const root = /Root Token: (\S+)/.exec(proc.stdout())?.[1];
    const key = /Unseal Key: (\S+)/.exec(proc.stdout())?.[1];
    if (!root || !key) {
      await proc.kill();
      upstream.close();
      throw new Error(`no dev banner from ward\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'ward-fuzz-'));
    dirs.add(dir);
    const s = new FuzzServer(proc, log, host, port, root, key, closedPort, upstream, dir, new Api(proc.url, root));
    try {
      s.fixtures = await setUp(s.api, { closedPort, auditDir: dir });
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  get alive(): boolean {
    return this.proc.child.exitCode === null && this.proc.child.signalCode === null;
  }

  /** sys/health's status, or 0 when no answer came within `timeoutMs`. */
  async health(timeoutMs = 1000): Promise<number> {
    const req = Buffer.from(`GET /v1/sys/health HTTP/1.1\r\nHost: ${this.host}\r\nConnection: close\r\n\r\n`);
    const o = await exchange(this.host, this.port, req, { timeoutMs, isHead: false });
    return o.kind === 'answer' ? o.status : 0;
  }

  /** Polls sys/health until it answers or `totalMs` passes; true when it answered. */
  async recovers(totalMs: number): Promise<boolean> {
    const deadline = Date.now() + totalMs;
    while (Date.now() < deadline) {
      if (!this.alive) return false;
      if ((await this.health(1000)) !== 0) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  async sealed(): Promise<boolean> {
    const r = await this.api.call('GET', 'sys/seal-status', { token: null });
    return r.body?.sealed === true;
  }

  async seal(): Promise<void> {
    await this.api.must('PUT', 'sys/seal');
    if (!(await this.sealed())) throw new Error('server did not seal');
  }

  /** Resets any unseal progress fuzz requests left, then submits the key. */
  async unseal(): Promise<void> {
    await this.api.call('PUT', 'sys/unseal', { body: { reset: true }, token: null });
    const r = await this.api.must('PUT', 'sys/unseal', { body: { key: this.unsealKey }, token: null });
    if (r.body?.sealed !== false) throw new Error(`server did not unseal: ${r.text}`);
  }

  /**
   * The last lines the server logged since `offset` (see `logOffset`), each cut to 600
   * characters: an error line can quote a megabyte of input.
   */
  logSince(offset: number): string {
    // From the offset on, not just the tail: a long line's start names the error.
    const lines = this.log.since(offset).split('\n').filter((l) => l !== '');
    return lines
      .slice(-12)
      .map((l) => (l.length > 600 ? `${l.slice(0, 600)}…[${l.length} chars]` : l))
      .join('\n');
  }

  /** Waits (at most 300 ms) for log output after `offset`, then 50 ms more for the rest of it. */
  async settleLog(offset: number): Promise<void> {
    const deadline = Date.now() + 300;
    while (this.log.length === offset && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
  }

  get logOffset(): number {
    return this.log.length;
  }

  /** SIGTERM, then SIGKILL if it has not gone within 3 s (a wedged loop ignores SIGTERM). */
  async stop(): Promise<void> {
    if (this.alive) {
      this.proc.child.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.child.kill('SIGKILL'), 3000);
      await this.proc.exited;
      clearTimeout(timer);
    }
    this.upstream.close();
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }
}
