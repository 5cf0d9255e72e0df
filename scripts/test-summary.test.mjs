// Table tests of the end-of-run summary (scripts/test-summary.mjs): node:test reporter
// events in, totals and a failure list out, as scripts/run-tests.mjs prints them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSummary, formatSummary } from './test-summary.mjs';

const FILE = '/repo/dist/test/e2e/kv.test.js';
const OTHER = '/repo/dist/src/core/barrier.test.js';

const start = (name, nesting = 0, file = FILE) => ({ type: 'test:start', data: { name, nesting, file, line: 3, column: 1 } });
const pass = (name, nesting = 0, extra = {}, file = FILE) => ({ type: 'test:pass', data: { name, nesting, file, line: 3, column: 1, details: { duration_ms: 1 }, ...extra } });
const suitePass = (name, nesting = 0, file = FILE) => ({ type: 'test:pass', data: { name, nesting, file, line: 2, column: 1, details: { duration_ms: 1, type: 'suite' } } });
/** A failure as node reports it: an ERR_TEST_FAILURE whose cause is what the test threw. */
function failure(failureType, message, cause) {
  const e = new Error(message);
  return Object.assign(e, { code: 'ERR_TEST_FAILURE', failureType, cause: cause ?? {} });
}
const fail = (name, nesting, error, { suite = false, file = FILE, line = 7 } = {}) => ({
  type: 'test:fail',
  data: { name, nesting, file, line, column: 3, details: { duration_ms: 2, error, ...(suite ? { type: 'suite' } : {}) } },
});
const stderr = (message, file = FILE) => ({ type: 'test:stderr', data: { file, message } });

function assertionError() {
  const e = new Error('the Secret holds the new password\n\n+ actual - expected\n\n+ \'p-1\'\n- \'p-2\'\n');
  e.name = 'AssertionError';
  e.stack = `AssertionError [ERR_ASSERTION]: the Secret holds the new password\n\n+ actual - expected\n    at TestContext.<anonymous> (file://${FILE}:41:12)\n    at async Test.run (node:internal/test_runner/test:797:9)`;
  return e;
}

const summarize = (events) => {
  const s = createSummary();
  for (const e of events) s.add(e);
  // Through JSON, as the reporter hands it to run-tests.mjs.
  return JSON.parse(JSON.stringify(s.result()));
};

describe('test summary: totals', () => {
  const cases = [
    {
      name: 'all pass: suites are not tests',
      events: [start('kv'), start('reads', 1), pass('reads', 1), start('writes', 1), pass('writes', 1), suitePass('kv')],
      want: { tests: 2, pass: 2, fail: 0, cancelled: 0, skipped: 0, todo: 0 },
    },
    {
      name: 'skip and todo are counted apart from pass (todo even when it fails)',
      events: [start('a'), pass('a', 0, { skip: 'needs postgres' }), start('b'), pass('b', 0, { todo: true }), start('c'), fail('c', 0, failure('testCodeFailure', 'x'), {}), start('d'), pass('d')],
      want: { tests: 4, pass: 1, fail: 1, cancelled: 0, skipped: 1, todo: 1 },
    },
    {
      name: 'a hook failure: the suite is listed, its tests are cancelled, not failed',
      events: [start('db'), start('t1', 1), fail('t1', 1, failure('cancelledByParent', 'test did not finish before its parent and was cancelled')), fail('db', 0, failure('hookFailed', 'failed running before hook', new Error('postgres did not start')), { suite: true })],
      want: { tests: 1, pass: 0, fail: 0, cancelled: 1, skipped: 0, todo: 0 },
    },
    {
      name: 'a timed-out test counts as cancelled, as node counts it',
      events: [start('slow'), fail('slow', 0, failure('testTimeoutFailure', 'test timed out after 300000ms'))],
      want: { tests: 1, pass: 0, fail: 0, cancelled: 1, skipped: 0, todo: 0 },
    },
    {
      name: 'two files interleaved (--test-concurrency)',
      events: [start('kv'), start('barrier', 0, OTHER), start('reads', 1), start('seals', 1, OTHER), pass('seals', 1, {}, OTHER), pass('reads', 1), suitePass('barrier', 0, OTHER), suitePass('kv')],
      want: { tests: 2, pass: 2, fail: 0, cancelled: 0, skipped: 0, todo: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(summarize(c.events).totals, c.want);
    });
  }
});

describe('test summary: the failure list', () => {
  const cases = [
    {
      name: 'an assertion in a nested test: file and line, the full name, the first lines of the message, where it threw',
      events: [start('kv'), start('writes', 1), start('reach the Secret', 2), fail('reach the Secret', 2, failure('testCodeFailure', 'x', assertionError()), { line: 30 }), fail('writes', 1, failure('subtestsFailed', '1 subtest failed'), { suite: true }), fail('kv', 0, failure('subtestsFailed', '1 subtest failed'), { suite: true })],
      want: [{ file: FILE, line: 30, name: 'kv > writes > reach the Secret', lines: ['AssertionError: the Secret holds the new password', '', '+ actual - expected', '', "+ 'p-1'", "- 'p-2'", `at ${FILE}:41:12`] }],
    },
    {
      name: 'a failed before hook is listed once, on its suite; the cancelled tests are not',
      events: [start('db'), start('t1', 1), fail('t1', 1, failure('cancelledByParent', 'cancelled')), start('t2', 1), fail('t2', 1, failure('cancelledByParent', 'cancelled')), fail('db', 0, failure('hookFailed', 'failed running before hook', new Error('postgres did not start')), { suite: true, line: 5 })],
      want: [{ file: FILE, line: 5, name: 'db', lines: ['failed running before hook: Error: postgres did not start'] }],
    },
    {
      name: 'a timeout says so',
      events: [start('s'), start('slow', 1), fail('slow', 1, failure('testTimeoutFailure', 'test timed out after 300000ms')), fail('s', 0, failure('subtestsFailed', '1 subtest failed'), { suite: true })],
      want: [{ file: FILE, line: 7, name: 's > slow', lines: ['test timed out after 300000ms'] }],
    },
    {
      name: 'a file that crashed before any test: what it wrote to stderr, without node internals',
      events: [
        start(FILE),
        ...['file:///repo/dist/test/e2e/kv.test.js:1\n', "throw new Error('boom');\n", '      ^\n', '\n', 'Error: boom\n', '    at file:///repo/dist/test/e2e/kv.test.js:1:7\n', '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)\n', '\n', 'Node.js v20.20.2\n'].map((m) => stderr(m)),
        fail(FILE, 0, failure('testCodeFailure', 'test failed'), { line: 1 }),
      ],
      want: [{ file: FILE, line: 1, name: FILE, lines: ['test failed', 'file:///repo/dist/test/e2e/kv.test.js:1', "throw new Error('boom');", '      ^', 'Error: boom', '    at file:///repo/dist/test/e2e/kv.test.js:1:7'] }],
    },
    {
      name: 'a crashed file whose stderr node reports after its failure (as node 20 does)',
      events: [start(FILE), fail(FILE, 0, failure('testCodeFailure', 'test failed'), { line: 1 }), stderr('Error: boom\n'), stderr('    at file:///repo/dist/test/e2e/kv.test.js:1:7\n')],
      want: [{ file: FILE, line: 1, name: FILE, lines: ['test failed', 'Error: boom', '    at file:///repo/dist/test/e2e/kv.test.js:1:7'] }],
    },
    {
      name: 'a long message is cut to its first lines, and long lines are shortened',
      events: [start('fuzz'), fail('fuzz', 0, failure('testCodeFailure', 'x', Object.assign(new Error(`the fuzzer found failures:\n${Array.from({ length: 50 }, (_, i) => `failure ${i} ${'x'.repeat(i === 0 ? 400 : 1)}`).join('\n')}`), { stack: undefined })))],
      want: [{ file: FILE, line: 7, name: 'fuzz', lines: ['Error: the fuzzer found failures:', `failure 0 ${'x'.repeat(189)}…`, 'failure 1 x', 'failure 2 x', 'failure 3 x', 'failure 4 x', 'failure 5 x', '… (44 more lines)'] }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(summarize(c.events).failures, c.want);
    });
  }
});

describe('test summary: the text', () => {
  it('prints the totals with the duration, and each failure under its number', () => {
    const events = [start('kv'), start('reads', 1), pass('reads', 1), start('writes', 1), fail('writes', 1, failure('testCodeFailure', 'x', assertionError()), { line: 30 }), fail('kv', 0, failure('subtestsFailed', '1 subtest failed'), { suite: true }), start('a', 0, OTHER), pass('a', 0, { skip: 'no etcd' }, OTHER)];
    const text = formatSummary(summarize(events), { durationMs: 83_412, cwd: '/repo' });
    assert.equal(text, [
      '── summary ──',
      'tests 3 | pass 1 | fail 1 | cancelled 0 | skipped 1 | todo 0 | 83.4 s',
      '',
      'failed (1):',
      '1) dist/test/e2e/kv.test.js:30',
      '   kv > writes',
      '   AssertionError: the Secret holds the new password',
      '   ',
      '   + actual - expected',
      '   ',
      "   + 'p-1'",
      "   - 'p-2'",
      '   at dist/test/e2e/kv.test.js:41:12',
      '',
    ].join('\n'));
  });

  it('separates failures by a blank line and shows a crashed file by its relative path', () => {
    const events = [start('slow'), fail('slow', 0, failure('testTimeoutFailure', 'test timed out after 300000ms')), start(FILE), fail(FILE, 0, failure('testCodeFailure', 'test failed'), { line: 1 }), stderr('Error: boom\n')];
    const text = formatSummary(summarize(events), { cwd: '/repo' });
    assert.equal(text, [
      '── summary ──',
      'tests 2 | pass 0 | fail 1 | cancelled 1 | skipped 0 | todo 0',
      '',
      'failed (2):',
      '1) dist/test/e2e/kv.test.js:7',
      '   slow',
      '   test timed out after 300000ms',
      '',
      '2) dist/test/e2e/kv.test.js:1',
      '   dist/test/e2e/kv.test.js',
      '   test failed',
      '   Error: boom',
      '',
    ].join('\n'));
  });

  it('says when nothing failed, and leaves out the duration when it is not known', () => {
    const text = formatSummary(summarize([start('a'), pass('a')]), { cwd: '/repo' });
    assert.equal(text, '── summary ──\ntests 1 | pass 1 | fail 0 | cancelled 0 | skipped 0 | todo 0\nno failures\n');
  });
});
