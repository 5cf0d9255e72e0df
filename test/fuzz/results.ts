/**
 * What a run produces: counts, failures with what is needed to reproduce them, and the
 * rules that group failures (one bug shows up on many paths) and pick the earlier writes
 * a failure may depend on.
 */
import type { FailureKind } from './oracle.js';
import type { FuzzRequest } from './request.js';

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

export type NewFailure = Omit<Failure, 'signature' | 'history'> & { history?: HistoryEntry[] };

export interface RunResult {
  seed: number;
  total: number;
  sent: number;
  byStatus: Record<string, number>;
  byGenerator: Record<string, Record<string, number>>;
  /** Time spent waiting for answers, per generator (where a run's time goes). */
  msByGenerator: Record<string, number>;
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

export function emptyResult(seed: number, total: number): RunResult {
  return {
    seed,
    total,
    sent: 0,
    byStatus: {},
    byGenerator: {},
    msByGenerator: {},
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
}

/** The guard's remark at the end of a note: not part of what the request tried. */
const GUARD_NOTE = / \[guard:.*\]$/;

/**
 * Groups failures that are one bug. A 5xx is keyed by the error the server logged for it
 * (code and message, numbers masked), since one broken helper shows up on many paths (the
 * report lists the paths of each group); anything else by its kind and the trick behind it.
 */
export function signatureOf(kind: FailureKind, r: FuzzRequest | null, status: number | null, reason: string, serverLog: string): string {
  if (kind === 'server-error') {
    // The last 5xx the server logged is this request's (background work logs too).
    const logged = [...serverLog.matchAll(/"@message":"request failed","status":5\d\d,"code":"([^"]*)","error":"((?:[^"\\]|\\.){0,160})/g)].pop();
    const cause = logged ? `${logged[1]}: ${logged[2]}` : reason;
    return `${kind} ${status ?? ''} ${logged ? '' : (r?.mount ?? '-')} ${cause.replace(/\d+/g, 'N').slice(0, 120)}`;
  }
  if (kind === 'canary') return `${kind} ${reason.replace(/^.*?: /, '').slice(0, 60)}`;
  return `${kind} ${r?.generator ?? '-'} ${(r?.note ?? '').replace(GUARD_NOTE, '').replace(/=.*$/, '').slice(0, 60)}`;
}

/** Requests that repeat a crashing or wedging trick: same generator, same note (values and fields). */
export const quarantineKey = (r: FuzzRequest): string => `${r.generator}|${r.note.replace(GUARD_NOTE, '')}`;

/**
 * Accepted writes the failure may depend on: on the same mount, to the same object or to
 * no object (mount-wide settings such as KV v2 `config`); for a request naming no object,
 * earlier writes to the same path. The latest write of each path comes first in weight:
 * a role written 500 requests ago matters as much as yesterday's token lookups. Dropped
 * connections and routing tricks depend on none.
 */
export function relatedHistory(history: readonly HistoryEntry[], f: NewFailure): HistoryEntry[] {
  const r = f.request;
  if (!r || !r.mount || f.kind === 'reset' || f.kind === 'unexpected-seal' || f.generator === 'path-trick') return [];
  const related = history.filter((h) => h.mount === r.mount && (r.object === null ? h.targetId === r.targetId : h.object === null || h.object === r.object));
  const latestPerPath = new Map<string | null, HistoryEntry>();
  for (const h of related) latestPerPath.set(h.targetId, h);
  const keep = new Set([...latestPerPath.values()].slice(-10));
  for (const h of related.slice(-4)) keep.add(h);
  return related.filter((h) => keep.has(h));
}
