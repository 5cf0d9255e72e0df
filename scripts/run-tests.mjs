#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's built-in test runner.
// Optional args filter test files by substring: `node scripts/run-tests.mjs kv barrier`.
// Tests get a TMPDIR of their own for the run, removed afterwards, so temp files that a
// test (or a process it killed) leaves behind do not pile up in /tmp.
//
// Skipped and todo tests are listed at the end. Under CI (CI=true) a run that skipped
// anything fails: a CI machine missing a component must not turn the suite green by
// skipping the tests that need it (test/helpers/requirement.ts fails those tests early;
// this is the net for every other skip).
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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
const files = walk('dist')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/');
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
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
let r;
let skipped = [];
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
if (ci && skipped.length > 0) {
  console.error(`run-tests: CI=true and ${skipped.length} test(s) were skipped or left todo; failing the run`);
  process.exit(1);
}
process.exit(r.status ?? 1);
