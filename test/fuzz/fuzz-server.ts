/**
 * The fuzzed server: a real `bin/ward server -dev` process, so a crash or a wedged event
 * loop is seen from outside. Knows its root token and unseal key (from the dev banner),
 * seals and unseals it, and probes sys/health with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../helpers/process.js';
import { Api } from './api.js';
import { setUp, type Fixtures } from './fixtures.js';
import { exchange } from './raw-client.js';

export class FuzzServer {
  private constructor(
    readonly proc: WardProcess,
    readonly host: string,
    readonly port: number,
    readonly rootToken: string,
    readonly unsealKey: string,
    readonly closedPort: number,
    readonly dir: string,
    readonly api: Api,
    public fixtures: Fixtures | null = null,
  ) {}

  /** Starts a dev server on a free port and sets up mounts, seeds and canaries. */
  static async start(): Promise<FuzzServer> {
    const port = await freePort();
    const closedPort = await freePort();
    const host = '127.0.0.1';
    const proc = spawnWard(['server', '-dev', `-dev-listen-address=${host}:${port}`, '-dev-storage=inmem'], `http://${host}:${port}`);
    await waitForHealth(proc, 30_000);
    const deadline = Date.now() + 10_000;
    while (!/Root Token: \S+/.test(proc.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const root = /Root Token: (\S+)/.exec(proc.stdout())?.[1];
    const key = /Unseal Key: (\S+)/.exec(proc.stdout())?.[1];
    if (!root || !key) {
      await proc.kill();
      throw new Error(`no dev banner from ward\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'ward-fuzz-'));
    const s = new FuzzServer(proc, host, port, root, key, closedPort, dir, new Api(proc.url, root));
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

  /** Output the server has written since `offset` (see `logOffset`). */
  logSince(offset: number): string {
    return this.proc.stderr().slice(offset);
  }

  /** Waits (at most 300 ms) for log output after `offset`, then 50 ms more for the rest of it. */
  async settleLog(offset: number): Promise<void> {
    const deadline = Date.now() + 300;
    while (this.proc.stderr().length === offset && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
  }

  get logOffset(): number {
    return this.proc.stderr().length;
  }

  /** SIGTERM, then SIGKILL if it has not gone within 3 s (a wedged loop ignores SIGTERM). */
  async stop(): Promise<void> {
    if (this.alive) {
      this.proc.child.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.child.kill('SIGKILL'), 3000);
      await this.proc.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
