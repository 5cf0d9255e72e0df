#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's built-in test runner.
// Optional args filter test files by substring: `node scripts/run-tests.mjs kv barrier`.
// Tests get a TMPDIR of their own for the run, removed afterwards, so temp files that a
// test (or a process it killed) leaves behind do not pile up in /tmp.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const scratch = mkdtempSync(join(tmpdir(), 'ward-tests-'));
// Traversable by others: the PostgreSQL helper runs initdb as the postgres user below it.
chmodSync(scratch, 0o711);
let r;
try {
  r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch } });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(r.status ?? 1);
