#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's built-in test runner.
// Also runs the scripts' own tests (scripts/*.test.mjs, not compiled).
// Optional args filter test files by substring: `node scripts/run-tests.mjs kv barrier`.
// Tests get a TMPDIR of their own for the run, removed afterwards, so temp files that a
// test (or a process it killed) leaves behind do not pile up in /tmp.
//
// The run ends with a summary (scripts/test-summary.mjs): totals, and each failure with its
// file, name and the first lines of its error. Skipped and todo tests are listed before it.
// Under CI (CI=true) a run that skipped anything fails: a CI machine missing a component
// must not turn the suite green by skipping the tests that need it
// (test/helpers/requirement.ts fails those tests early; this is the net for every other skip).
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatSummary } from './test-summary.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const ci = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const scriptTests = readdirSync(here).filter((n) => n.endsWith('.test.mjs')).map((n) => join('scripts', n));
const files = [...walk('dist'), ...scriptTests]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/ or scripts/');
  process.exit(1);
}

// Tools the tests need that a package manager can provide (PostgreSQL: ensure-postgres.sh,
// run by `npm test`). Locally a failed install only means those tests skip.
const ensured = spawnSync('bash', [join(here, 'ensure-openssl.sh')], { stdio: 'inherit' });
if (ensured.status !== 0 && ci) {
  console.error('run-tests: CI=true and the openssl CLI could not be installed');
  process.exit(1);
}
// Go and sprig render the Helm chart in test/integration/helm; only needed when those run.
if (files.some((f) => f.includes('/helm/'))) {
  const go = spawnSync('bash', [join(here, 'ensure-go.sh')], { stdio: 'inherit' });
  if (go.status !== 0 && ci) {
    console.error('run-tests: CI=true and Go with sprig could not be installed');
    process.exit(1);
  }
}

// ssh-keygen parses and verifies the certificates the SSH secrets engine signs; sshd logs in with them.
if (files.some((f) => f.includes('/ssh/'))) {
  const ssh = spawnSync('bash', [join(here, 'ensure-openssh.sh')], { stdio: 'inherit' });
  if (ssh.status !== 0 && ci) {
    console.error('run-tests: CI=true and OpenSSH (openssh-client, openssh-server) could not be installed');
    process.exit(1);
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'ward-tests-'));
// Traversable by others: the PostgreSQL helper runs initdb as the postgres user below it.
chmodSync(scratch, 0o711);
const reportDir = mkdtempSync(join(tmpdir(), 'ward-test-report-'));
const skipLog = join(reportDir, 'skipped.jsonl');
const summaryFile = join(reportDir, 'summary.json');
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
let r;
let skipped = [];
let summary;
const started = Date.now();
try {
  r = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=2',
      // A hung test fails (cancelled) rather than holding CI to its job limit.
      '--test-timeout=300000',
      `--test-reporter=${reporter}`,
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(here, 'skip-reporter.mjs')}`,
      `--test-reporter-destination=${skipLog}`,
      `--test-reporter=${join(here, 'summary-reporter.mjs')}`,
      `--test-reporter-destination=${summaryFile}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch } },
  );
  if (existsSync(skipLog)) {
    skipped = readFileSync(skipLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  }
  const written = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8').trim() : '';
  if (written !== '') summary = JSON.parse(written);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(reportDir, { recursive: true, force: true });
}

if (skipped.length > 0) {
  console.log(`\nrun-tests: ${skipped.length} test(s) did not run:`);
  for (const s of skipped) {
    const where = s.file.startsWith('/') ? relative(process.cwd(), s.file) : s.file;
    console.log(`  ${s.skip !== undefined ? 'SKIP' : 'TODO'} ${where}: ${s.name} (${s.skip ?? s.todo})`);
  }
}
if (summary) console.log(`\n${formatSummary(summary, { durationMs: Date.now() - started })}`);
else console.log(`\nrun-tests: no summary: the test runner ended before reporting (status ${r.status ?? r.signal})`);
if (ci && skipped.length > 0) {
  console.error(`run-tests: CI=true and ${skipped.length} test(s) were skipped or left todo; failing the run`);
  process.exit(1);
}
process.exit(r.status ?? 1);
