/**
 * The run: starts the server, sends the scheduled requests one at a time, judges each
 * answer, seals and unseals on schedule, re-seeds and checks canaries every few hundred
 * requests, and restarts a server that crashed or wedged (recording why). Sequential on
 * purpose: a failure is attributed to exactly one request.
 */
import { buildCatalogue, type Target } from './catalogue.js';
import { FuzzServer } from './fuzz-server.js';
import { judge, type FailureKind } from './oracle.js';
import { exchange, type Outcome } from './raw-client.js';
import { preview, serialize, type FuzzRequest } from './request.js';
import { Schedule } from './schedule.js';
import { Maintenance } from './maintenance.js';

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
}

export interface HistoryEntry {
  index: number;
  method: string;
  target: string;
  status: number;
  mount: string | null;
  object: string | null;
  targetId: string | null;
  body: string;
}

export interface Failure {
  kind: FailureKind;
  index: number;
  generator: string;
  request: FuzzRequest | null;
  reason: string;
  status: number | null;
  /** What the server logged while answering (error lines carry the cause of a 500). */
  serverLog: string;
  /** Earlier accepted writes to the same object (state a failure may depend on). */
  history: HistoryEntry[];
  signature: string;
}

export interface RunResult {
  seed: number;
  total: number;
  sent: number;
  byStatus: Record<string, number>;
  byGenerator: Record<string, Record<string, number>>;
  failures: Failure[];
  notes: Record<string, { count: number; example: string }>;
  restarts: number;
  sealCycles: number;
  canaryChecks: number;
  maintenanceRequests: number;
  slowest: { ms: number; request: string };
  ms: number;
  aborted: string | null;
}

const bump = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

/**
 * Groups failures that are one bug. A 5xx is keyed by the error the server logged for it
 * (code and message, numbers masked), since one broken helper shows up on many paths (the
 * report lists the paths of each group); anything else by its kind and the trick behind it.
 */
export function signatureOf(kind: FailureKind, r: FuzzRequest | null, status: number | null, reason: string, serverLog: string): string {
  if (kind === 'server-error') {
    // The last 5xx the server logged is this request's (background work logs too).
    const logged = [...serverLog.matchAll(/"@message":"request failed","status":5\d\d,"code":"([^"]*)","error":"((?:[^"\\]|\\.)*)"/g)].pop();
    const cause = logged ? `${logged[1]}: ${logged[2]}` : reason;
    return `${kind} ${status ?? ''} ${logged ? '' : (r?.mount ?? '-')} ${cause.replace(/\d+/g, 'N').slice(0, 120)}`;
  }
  if (kind === 'canary') return `${kind} ${reason.replace(/^.*?: /, '').slice(0, 60)}`;
  return `${kind} ${r?.generator ?? '-'} ${(r?.note ?? '').replace(GUARD_NOTE, '').replace(/=.*$/, '').slice(0, 60)}`;
}

/** Requests that repeat a crashing or wedging trick: same generator, same note (values and fields). */
const quarantineKey = (r: FuzzRequest): string => `${r.generator}|${r.note.replace(GUARD_NOTE, '')}`;

/** The guard's remark at the end of a note: not part of what the request tried. */
const GUARD_NOTE = / \[guard:.*\]$/;

const outcomeKey = (o: Outcome): string => (o.kind === 'answer' ? String(o.status) : o.kind);

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function run(opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const timeoutMs = opts.timeoutMs ?? 5000;
  const targets = opts.targets ?? (await buildCatalogue());
  const schedule = new Schedule(opts.seed, opts.requests, targets);
  const indices = opts.only ?? Array.from({ length: opts.requests }, (_, i) => i);
  const res: RunResult = {
    seed: opts.seed,
    total: opts.requests,
    sent: 0,
    byStatus: {},
    byGenerator: {},
    failures: [],
    notes: {},
    restarts: 0,
    sealCycles: 0,
    canaryChecks: 0,
    maintenanceRequests: 0,
    slowest: { ms: 0, request: '' },
    ms: 0,
    aborted: null,
  };
  let history: HistoryEntry[] = [];
  const fail = (f: Omit<Failure, 'signature' | 'history'> & { history?: HistoryEntry[] }): void => {
    // Dropped connections and routing tricks do not depend on stored state.
    const keepHistory = f.kind !== 'reset' && f.kind !== 'unexpected-seal' && f.generator !== 'path-trick';
    const failure: Failure = {
      ...f,
      history: f.history ?? (keepHistory ? relatedHistory(history, f.request) : []),
      signature: signatureOf(f.kind, f.request, f.status, f.reason, f.serverLog),
    };
    res.failures.push(failure);
    log(`[fuzz] FAILURE ${failure.kind} at #${failure.index} [${failure.generator}]: ${failure.reason.slice(0, 200)}`);
  };

  const quarantine = new Set<string>();
  let server = await FuzzServer.start();
  const maint = new Maintenance(fail, (n) => (res.maintenanceRequests += n));
  let sealed = false;
  const every = opts.maintenanceEvery ?? 250;
  try {
    for (let n = 0; n < indices.length; n++) {
      const i = indices[n]!;
      if (i < 0 || i >= opts.requests) throw new RangeError(`request #${i} is outside this run of ${opts.requests}`);
      const wantSealed = schedule.sealedAt(i);
      if (wantSealed && !sealed) {
        await server.seal();
        sealed = true;
        res.sealCycles++;
      } else if (!wantSealed && sealed) {
        await server.unseal();
        sealed = false;
        res.canaryChecks++;
        await maint.checkCanaries(server, i, 'after unseal');
      }
      if (n > 0 && n % every === 0 && !sealed) {
        const canaries = n % (2 * every) === 0;
        if (canaries) res.canaryChecks++;
        await maint.run(server, i, canaries);
      }

      const r = schedule.requestAt(i);
      // A trick that already crashed or wedged the server would only do it again: skip it.
      if (quarantine.has(quarantineKey(r))) {
        bump(res.byStatus, 'skipped');
        bump((res.byGenerator[r.generator] ??= {}), 'skipped');
        continue;
      }
      const tokens = { root: server.rootToken, default: server.fixtures?.defaultToken ?? '' };
      const logAt = server.logOffset;
      const o = await exchange(server.host, server.port, serialize(r, `${server.host}:${server.port}`, tokens), { timeoutMs, isHead: r.method === 'HEAD' });
      res.sent++;
      const key = outcomeKey(o);
      bump(res.byStatus, key);
      bump((res.byGenerator[r.generator] ??= {}), key);
      if (o.kind === 'answer' && o.ms > res.slowest.ms) res.slowest = { ms: Math.round(o.ms), request: `#${i} ${r.method} ${r.target.slice(0, 100)}` };
      if (opts.verbose) log(`#${i} [${r.generator}] ${r.method} ${r.target.slice(0, 120)} → ${key}${o.kind === 'answer' ? ` ${preview(o.body, 200)}` : ''}`);

      let v = judge(r, o, sealed);
      if (o.kind !== 'answer' && o.kind !== 'timeout') await new Promise((res2) => setTimeout(res2, 100));
      if (v.ok && !server.alive) v = { ok: false, kind: 'crash', reason: 'the server exited right after answering' };
      if (v.ok) {
        if (v.note) {
          const note = (res.notes[`${r.generator}: ${v.note}`] ??= { count: 0, example: `#${i} ${r.method} ${r.target.slice(0, 100)}` });
          note.count++;
        }
        if (o.kind === 'answer' && o.status < 300 && WRITES.has(r.method)) {
          history.push({ index: i, method: r.method, target: r.target, status: o.status, mount: r.mount, object: r.object, targetId: r.targetId, body: preview(r.body, 160) });
        }
        if (n === indices.length - 1 || (n + 1) % 500 === 0) log(progress(res, n + 1, indices.length, started));
        continue;
      }

      // The server's stderr reaches us through a pipe, a little after its answer.
      await server.settleLog(logAt);
      let kind = v.kind;
      if (kind === 'timeout') kind = (await server.recovers(15_000)) ? 'timeout' : server.alive ? 'wedged' : 'crash';
      else if (kind === 'reset' && !server.alive) kind = 'crash';
      const exit = server.alive ? '' : ` (exit code ${server.proc.child.exitCode ?? ''} signal ${server.proc.child.signalCode ?? ''})`;
      fail({ kind, index: i, generator: r.generator, request: r, reason: `${v.reason}${exit}`, status: o.kind === 'answer' ? o.status : null, serverLog: server.logSince(logAt).slice(-2000) });

      if (kind === 'unexpected-seal') await server.unseal();
      if (kind === 'wedged' || kind === 'crash') {
        quarantine.add(quarantineKey(r));
        await server.stop();
        if (res.restarts >= (opts.maxRestarts ?? 8)) {
          res.aborted = `stopped after ${res.restarts} restarts`;
          break;
        }
        res.restarts++;
        log(`[fuzz] restarting the server (${kind} at #${i})`);
        server = await FuzzServer.start();
        history = [];
        sealed = false;
      }
    }
    if (server.alive && !res.aborted) {
      if (sealed) await server.unseal();
      res.canaryChecks++;
      await maint.run(server, opts.requests, true);
    }
  } finally {
    await server.stop();
  }
  res.ms = Math.round(performance.now() - started);
  return res;
}

/**
 * Accepted writes the failure may depend on: on the same mount, to the same object or to
 * no object (mount-wide settings such as KV v2 `config`); for a request naming no object,
 * earlier writes to the same path.
 */
function relatedHistory(history: readonly HistoryEntry[], r: FuzzRequest | null): HistoryEntry[] {
  if (!r || !r.mount) return [];
  const related = history.filter((h) => h.mount === r.mount && (r.object === null ? h.targetId === r.targetId : h.object === null || h.object === r.object));
  return related.slice(-8);
}

function progress(res: RunResult, done: number, of: number, started: number): string {
  return `[fuzz] ${done}/${of} sent, ${res.failures.length} failures, ${res.restarts} restarts, ${res.sealCycles} seal cycles, ${((performance.now() - started) / 1000).toFixed(1)} s`;
}
