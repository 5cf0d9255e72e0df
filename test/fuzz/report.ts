/**
 * The end-of-run report: counts (requests, statuses, generators), then each distinct
 * failure once with its reproducer: the request, a curl line, the replay command, the
 * server's log and the earlier writes it may depend on.
 */
import { ALLOWED_5XX } from './oracle.js';
import { curlLine, describe } from './request.js';
import type { Failure, RunResult } from './results.js';

const sortKeys = (m: Record<string, number>): string =>
  Object.entries(m)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');

/** Failures grouped by signature, first occurrence first. */
export function groupFailures(failures: readonly Failure[]): { first: Failure; count: number; indices: number[] }[] {
  const groups = new Map<string, { first: Failure; count: number; indices: number[] }>();
  for (const f of failures) {
    const g = groups.get(f.signature);
    if (g) {
      g.count++;
      g.indices.push(f.index);
    } else groups.set(f.signature, { first: f, count: 1, indices: [f.index] });
  }
  return [...groups.values()];
}

export function replayCommand(res: Pick<RunResult, 'seed' | 'total'>, indices: number[]): string {
  return `node dist/test/fuzz/main.js --seed ${res.seed} --requests ${res.total} --replay ${indices.join(',')}`;
}

export function formatFailure(res: RunResult, f: Failure, n: number): string {
  const lines = [`${n}. ${f.kind.toUpperCase()} at request #${f.index} [${f.generator}]`, `   why: ${f.reason}`];
  if (f.request) {
    lines.push(`   request: ${describe(f.request)}`);
    const curl = curlLine(f.request);
    lines.push(curl ? `   curl: ${curl}` : '   curl: (not expressible with curl: use --replay)');
  }
  if (f.history.length > 0) {
    lines.push('   earlier accepted writes to the same object (the failure may depend on them):');
    for (const h of f.history) lines.push(`     #${h.index} ${h.method} ${h.target.slice(0, 120)} → ${h.status} body=${h.body}`);
  }
  const replay = f.generator === 'reseed' || f.generator === 'canary' ? [...f.history.map((h) => h.index)] : [...f.history.map((h) => h.index), f.index];
  if (replay.length > 0) lines.push(`   replay: ${replayCommand(res, replay)}`);
  const logLines = f.serverLog
    .split('\n')
    .filter((l) => /"@level":"(error|warn)"|Error|panic|uncaught/i.test(l))
    .slice(-4);
  if (logLines.length > 0) lines.push('   server log:', ...logLines.map((l) => `     ${l.slice(0, 400)}`));
  return lines.join('\n');
}

export function formatReport(res: RunResult): string {
  const out: string[] = [];
  out.push(`ward fuzz: seed ${res.seed}, ${res.sent} of ${res.total} requests sent in ${(res.ms / 1000).toFixed(1)} s`);
  out.push(`  by status: ${sortKeys(res.byStatus)}`);
  out.push('  by generator:');
  for (const [g, m] of Object.entries(res.byGenerator).sort()) {
    const total = Object.values(m).reduce((a, b) => a + b, 0);
    const secs = ((res.msByGenerator[g] ?? 0) / 1000).toFixed(1);
    out.push(`    ${g.padEnd(12)} ${String(total).padStart(6)} ${secs.padStart(7)} s  ${sortKeys(m)}`);
  }
  out.push(
    `  seal cycles: ${res.sealCycles}, canary checks: ${res.canaryChecks}, maintenance requests: ${res.maintenanceRequests}, restarts: ${res.restarts}, slowest answer: ${res.slowest.ms} ms (${res.slowest.request})`,
  );
  out.push(`  allowed 5xx: ${ALLOWED_5XX.map((a) => a.why).join(' | ')}`);
  const notes = Object.entries(res.notes).sort((a, b) => b[1].count - a[1].count);
  if (notes.length > 0) {
    out.push('  notes (not failures):');
    for (const [k, v] of notes.slice(0, 15)) out.push(`    ${String(v.count).padStart(5)} × ${k} (e.g. ${v.example})`);
  }
  if (res.aborted) out.push(`  ABORTED: ${res.aborted}`);
  const groups = groupFailures(res.failures);
  out.push(`  failures: ${res.failures.length} (${groups.length} distinct)`);
  groups.forEach((g, n) => {
    out.push('');
    out.push(formatFailure(res, g.first, n + 1));
    if (g.count > 1) {
      const where = [...new Set(res.failures.filter((f) => f.signature === g.first.signature).map((f) => (f.request ? `${f.request.method} ${f.request.targetId ?? f.request.target.slice(0, 60)}` : '-')))];
      out.push(`   (${g.count} times: #${g.indices.slice(0, 12).join(', #')}${g.count > 12 ? ', …' : ''}; on ${where.slice(0, 8).join(' | ')}${where.length > 8 ? ` | … ${where.length} paths` : ''})`);
    }
  });
  return out.join('\n');
}
