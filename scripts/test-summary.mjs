// The end-of-run summary of `npm test`, as a pure module: node:test reporter events in
// (createSummary().add), a JSON-able result out (totals and the failures, each with its
// file, line, full name and the first lines of its error), and the text run-tests.mjs
// prints last, so a failure is not buried in thousands of lines of TAP.
// summary-reporter.mjs feeds it inside the test runner; test-summary.test.mjs tests it.

/** Lines of an error shown per failure; the rest is counted, not printed. */
const MAX_LINES = 7;
/** Characters per shown line (a fuzz report or a JSON body can be one very long line). */
const MAX_WIDTH = 200;

const shorten = (l) => (l.length > MAX_WIDTH ? `${l.slice(0, MAX_WIDTH - 1)}…` : l);

/** The first MAX_LINES lines (trailing blank ones dropped), and how many were left out. */
function firstLines(text) {
  const lines = String(text).replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, MAX_LINES).map(shorten);
  if (lines.length > MAX_LINES) shown.push(`… (${lines.length - MAX_LINES} more lines)`);
  return shown;
}

const hasMessage = (e) => e !== null && typeof e === 'object' && typeof e.message === 'string';
/** `Name: message` as node prints an error (AssertionError's name without its code). */
const headline = (e) => (hasMessage(e) ? `${e.name ?? 'Error'}: ${e.message}` : String(e));

/** Where in the test file the error was thrown: its first stack frame in that file. */
function thrownAt(cause, file) {
  if (!hasMessage(cause) || typeof cause.stack !== 'string' || !file) return undefined;
  for (const frame of cause.stack.split('\n')) {
    const m = /^\s+at (?:.*\()?(?:file:\/\/)?([^()\s]+:\d+:\d+)\)?$/.exec(frame);
    if (m && m[1].startsWith(`${file}:`)) return `at ${m[1]}`;
  }
  return undefined;
}

/** What the stderr of a test file says, without blank lines, node's own frames and its version line. */
function stderrTail(lines) {
  const kept = lines.filter((l) => l.trim() !== '' && !/^\s+at .*node:internal\//.test(l) && !/^Node\.js v\d/.test(l));
  return kept.slice(-(MAX_LINES - 1)).map(shorten);
}

/** The lines that explain a failure, by node's failureType. */
function explain(error, file) {
  const cause = error?.cause;
  const causeKnown = hasMessage(cause) || (cause !== undefined && cause !== null && typeof cause !== 'object');
  if (error?.failureType === 'hookFailed' && causeKnown) {
    const [first = '', ...rest] = firstLines(headline(cause));
    return [`${error.message}: ${first}`, ...rest];
  }
  if (causeKnown) {
    const at = thrownAt(cause, file);
    return [...firstLines(headline(cause)), ...(at ? [at] : [])];
  }
  return firstLines(error?.message ?? 'failed');
}

const NOT_LISTED = new Set(['subtestsFailed', 'cancelledByParent']);
const CANCELLED = new Set(['cancelledByParent', 'testTimeoutFailure']);
const isSet = (v) => v !== undefined && v !== false;

export function createSummary() {
  const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
  const failures = [];
  /** Names of the tests open at each nesting level, per file (files run concurrently). */
  const open = new Map();
  /** Recent stderr lines per file, for files that fail as a whole. */
  const stderr = new Map();

  const pathOf = (d) => [...(open.get(d.file) ?? []).slice(0, d.nesting), d.name].join(' > ');

  function finished(d, failed) {
    const suite = d.details?.type === 'suite';
    const error = d.details?.error;
    if (!suite) {
      totals.tests++;
      if (isSet(d.skip)) totals.skipped++;
      else if (isSet(d.todo)) totals.todo++;
      else if (!failed) totals.pass++;
      else if (CANCELLED.has(error?.failureType)) totals.cancelled++;
      else totals.fail++;
    }
    if (!failed || isSet(d.todo) || NOT_LISTED.has(error?.failureType)) return;
    const fileFailed = d.nesting === 0 && d.name === d.file;
    failures.push({ file: d.file ?? '(unknown file)', line: d.line ?? 0, name: pathOf(d), lines: explain(error, d.file), fileFailed });
  }

  return {
    add(event) {
      const d = event.data ?? {};
      if (event.type === 'test:start') {
        const stack = open.get(d.file) ?? [];
        stack.length = d.nesting;
        stack[d.nesting] = d.name;
        open.set(d.file, stack);
      } else if (event.type === 'test:pass') finished(d, false);
      else if (event.type === 'test:fail') finished(d, true);
      else if (event.type === 'test:stderr' && d.file) {
        const lines = stderr.get(d.file) ?? [];
        lines.push(...String(d.message).replace(/\n$/, '').split('\n'));
        stderr.set(d.file, lines.slice(-50));
      }
    },
    result() {
      // A file that failed as a whole (it crashed, or exited non-zero): its stderr says why.
      // Node reports that stderr after the failure, so it is added only now.
      const withStderr = ({ fileFailed, ...f }) => (fileFailed ? { ...f, lines: [...f.lines, ...stderrTail(stderr.get(f.file) ?? [])] } : f);
      return { totals: { ...totals }, failures: failures.map(withStderr) };
    },
  };
}

/**
 * The summary text: totals (with the duration when known), then each failure with its
 * file and line, full name and first error lines. Paths under `cwd` are shown relative.
 */
export function formatSummary(summary, { durationMs, cwd = process.cwd() } = {}) {
  const rel = (s) => s.split(`file://${cwd}/`).join('').split(`${cwd}/`).join('');
  const t = summary.totals;
  const counts = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'].map((k) => `${k} ${t[k] ?? 0}`);
  if (durationMs !== undefined) counts.push(`${(durationMs / 1000).toFixed(1)} s`);
  const out = ['── summary ──', counts.join(' | ')];
  if (summary.failures.length === 0) out.push('no failures');
  else {
    out.push('', `failed (${summary.failures.length}):`);
    summary.failures.forEach((f, i) => {
      if (i > 0) out.push('');
      out.push(`${i + 1}) ${rel(f.file)}:${f.line}`, `   ${rel(f.name)}`, ...f.lines.map((l) => `   ${rel(l)}`));
    });
  }
  return `${out.join('\n')}\n`;
}
