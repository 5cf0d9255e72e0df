/**
 * The run: starts the server, sends the scheduled requests one at a time, judges each
 * answer, seals and unseals on schedule, re-seeds and checks canaries every few hundred
 * requests, and restarts a server that crashed or wedged (recording why). Sequential on
 * purpose: a failure is attributed to exactly one request.
 */
import { buildCatalogue, type Target } from './catalogue.js';
import { FuzzServer } from './fuzz-server.js';
import { Maintenance } from './maintenance.js';
import { judge, type Verdict } from './oracle.js';
import { exchange, type Outcome } from './raw-client.js';
import { preview, serialize, type FuzzRequest } from './request.js';
import { emptyResult, quarantineKey, relatedHistory, signatureOf, type HistoryEntry, type NewFailure, type RunResult } from './results.js';
import { Schedule } from './schedule.js';

export type { Failure, HistoryEntry, RunResult } from './results.js';

export interface RunOptions {
  requests: number;
  seed: number;
  /** Client deadline per request; an answer later than this is a failure. */
  timeoutMs?: number;
  /** Replay: send only these request numbers, in this order. */
  only?: number[];
  /** Re-seed fixtures every this many requests; canaries every second time. */
  maintenanceEvery?: number;
  /** Servers started after a crash or wedge before the run gives up (default 8). */
  maxRestarts?: number;
  log?: (line: string) => void;
  /** Print every request and its answer (replays). */
  verbose?: boolean;
  /** Catalogue to reuse (tests build it once). */
  targets?: Target[];
  /** Called before request #i is sent: tests break the server on purpose to check the oracle. */
  beforeSend?: (index: number, server: FuzzServer) => Promise<void>;
}

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

const outcomeKey = (o: Outcome): string => (o.kind === 'answer' ? String(o.status) : o.kind);

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** How long a server that stopped answering gets to come back before it counts as wedged. */
const RECOVERY_MS = 15_000;

class Run {
  readonly res: RunResult;
  private readonly log: (line: string) => void;
  private readonly maint: Maintenance;
  private readonly quarantine = new Set<string>();
  private history: HistoryEntry[] = [];
  private sealed = false;
  private readonly started = performance.now();

  constructor(
    private readonly opts: RunOptions,
    private readonly schedule: Schedule,
    private server: FuzzServer,
  ) {
    this.res = emptyResult(opts.seed, opts.requests);
    this.log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
    this.maint = new Maintenance(
      (f) => this.fail(f),
      (n) => (this.res.maintenanceRequests += n),
    );
  }

  fail(f: NewFailure): void {
    const failure = { ...f, history: f.history ?? relatedHistory(this.history, f), signature: signatureOf(f.kind, f.request, f.status, f.reason, f.serverLog) };
    this.res.failures.push(failure);
    this.log(`[fuzz] FAILURE ${failure.kind} at #${failure.index} [${failure.generator}]: ${failure.reason.slice(0, 200)}`);
  }

  /** Seals or unseals as the schedule says, and does the periodic maintenance. */
  async prepare(i: number, n: number): Promise<void> {
    const wantSealed = this.schedule.sealedAt(i);
    if (wantSealed && !this.sealed) {
      await this.server.seal();
      this.sealed = true;
      this.res.sealCycles++;
    } else if (!wantSealed && this.sealed) {
      await this.server.unseal();
      this.sealed = false;
      this.res.canaryChecks++;
      await this.maint.checkCanaries(this.server, i, 'after unseal');
    }
    const every = this.opts.maintenanceEvery ?? 250;
    if (n > 0 && n % every === 0 && !this.sealed) {
      const canaries = n % (2 * every) === 0;
      if (canaries) this.res.canaryChecks++;
      await this.maint.run(this.server, i, canaries);
    }
  }

  /** Sends request #i and judges the answer; false when the run must stop. */
  async send(i: number): Promise<boolean> {
    const r = this.schedule.requestAt(i);
    const { res, server } = this;
    // A trick that already crashed or wedged the server would only do it again: skip it.
    if (this.quarantine.has(quarantineKey(r))) {
      bump(res.byStatus, 'skipped');
      bump((res.byGenerator[r.generator] ??= {}), 'skipped');
      return true;
    }
    await this.opts.beforeSend?.(i, server);
    const tokens = { root: server.rootToken, default: server.fixtures?.defaultToken ?? '' };
    const logAt = server.logOffset;
    const bytes = serialize(r, `${server.host}:${server.port}`, tokens);
    const o = await exchange(server.host, server.port, bytes, { timeoutMs: this.opts.timeoutMs ?? 5000, isHead: r.method === 'HEAD' });
    res.sent++;
    const key = outcomeKey(o);
    bump(res.byStatus, key);
    bump((res.byGenerator[r.generator] ??= {}), key);
    res.msByGenerator[r.generator] = (res.msByGenerator[r.generator] ?? 0) + o.ms;
    if (o.kind === 'answer' && o.ms > res.slowest.ms) res.slowest = { ms: Math.round(o.ms), request: `#${i} ${r.method} ${r.target.slice(0, 100)}` };
    if (this.opts.verbose) this.log(`#${i} [${r.generator}] ${r.method} ${r.target.slice(0, 120)} → ${key}${o.kind === 'answer' ? ` ${preview(o.body, 200)}` : ''}`);

    let v: Verdict = judge(r, o, this.sealed);
    // A process that is dying may still have answered: give its exit a moment to show.
    if (o.kind !== 'answer' && o.kind !== 'timeout') await new Promise((d) => setTimeout(d, 100));
    if (v.ok && !server.alive) v = { ok: false, kind: 'crash', reason: 'the server exited right after answering' };
    if (v.ok) {
      this.accepted(i, r, o, v.note);
      return true;
    }
    // The server's stderr reaches us through a pipe, a little after its answer.
    await server.settleLog(logAt);
    let kind = v.kind;
    if (kind === 'timeout') kind = (await server.recovers(RECOVERY_MS)) ? 'timeout' : server.alive ? 'wedged' : 'crash';
    else if (kind === 'reset' && !server.alive) kind = 'crash';
    const exit = server.alive ? '' : ` (exit code ${server.proc.child.exitCode ?? ''} signal ${server.proc.child.signalCode ?? ''})`;
    this.fail({ kind, index: i, generator: r.generator, request: r, reason: `${v.reason}${exit}`, status: o.kind === 'answer' ? o.status : null, serverLog: server.logSince(logAt) });
    if (kind === 'unexpected-seal') await server.unseal();
    if (kind === 'wedged' || kind === 'crash') {
      this.quarantine.add(quarantineKey(r));
      return this.restart(`${kind} at #${i}`);
    }
    return true;
  }

  private accepted(i: number, r: FuzzRequest, o: Outcome, note: string | undefined): void {
    if (note) (this.res.notes[`${r.generator}: ${note}`] ??= { count: 0, example: `#${i} ${r.method} ${r.target.slice(0, 100)}` }).count++;
    if (o.kind === 'answer' && o.status < 300 && WRITES.has(r.method)) {
      this.history.push({ index: i, method: r.method, target: r.target, status: o.status, mount: r.mount, object: r.object, targetId: r.targetId, body: preview(r.body, 160) });
    }
  }

  /** Replaces a dead or wedged server with a fresh one; false once the restart budget is spent. */
  async restart(why: string): Promise<boolean> {
    await this.server.stop();
    if (this.res.restarts >= (this.opts.maxRestarts ?? 8)) {
      this.res.aborted = `stopped after ${this.res.restarts} restarts (last: ${why})`;
      return false;
    }
    this.res.restarts++;
    this.log(`[fuzz] restarting the server (${why})`);
    this.server = await FuzzServer.start();
    this.history = [];
    this.sealed = false;
    return true;
  }

  /**
   * A seal, unseal or maintenance step that throws means the server stopped answering
   * its well-behaved client: the requests before it broke it.
   */
  async betweenRequests(step: () => Promise<void>, i: number): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (e) {
      const alive = this.server.alive;
      this.fail({
        kind: alive ? 'wedged' : 'crash',
        index: i,
        generator: 'runner',
        request: null,
        reason: `seal, unseal or maintenance before #${i} failed: ${(e as Error).message}`,
        status: null,
        serverLog: this.server.logSince(0),
      });
      return this.restart(`maintenance failed before #${i}`);
    }
  }

  async finish(): Promise<void> {
    const { server } = this;
    if (server.alive && !this.res.aborted) {
      await this.betweenRequests(async () => {
        if (this.sealed) await server.unseal();
        this.res.canaryChecks++;
        await this.maint.run(server, this.opts.requests, true);
      }, this.opts.requests);
    }
    await this.server.stop();
    this.res.ms = Math.round(performance.now() - this.started);
  }

  progress(done: number, of: number): void {
    const res = this.res;
    this.log(`[fuzz] ${done}/${of} sent, ${res.failures.length} failures, ${res.restarts} restarts, ${res.sealCycles} seal cycles, ${((performance.now() - this.started) / 1000).toFixed(1)} s`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}

export async function run(opts: RunOptions): Promise<RunResult> {
  const targets = opts.targets ?? (await buildCatalogue());
  const schedule = new Schedule(opts.seed, opts.requests, targets);
  const indices = opts.only ?? Array.from({ length: opts.requests }, (_, i) => i);
  for (const i of indices) if (!(i >= 0 && i < opts.requests)) throw new RangeError(`request #${i} is outside this run of ${opts.requests}`);
  const r = new Run(opts, schedule, await FuzzServer.start());
  try {
    for (let n = 0; n < indices.length; n++) {
      const i = indices[n]!;
      if (!(await r.betweenRequests(() => r.prepare(i, n), i))) break;
      if (!(await r.send(i))) break;
      if (n === indices.length - 1 || (n + 1) % 500 === 0) r.progress(n + 1, indices.length);
    }
    await r.finish();
  } finally {
    await r.stop();
  }
  return r.res;
}
