import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aclDenied, invalidToken, multierrorText, permissionDenied } from './errors.js';

test('multierrorText prints a list as go-multierror does', () => {
  const cases: Array<[string[], string]> = [
    [['permission denied'], '1 error occurred:\n\t* permission denied\n\n'],
    [['permission denied', 'invalid token'], '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'],
    [['a', 'b', 'c'], '3 errors occurred:\n\t* a\n\t* b\n\t* c\n\n'],
  ];
  for (const [items, want] of cases) assert.equal(multierrorText(items), want, JSON.stringify(items));
});

test('the 403 constructors: ACL refusal wrapped, sentinel plain, unknown token two items', () => {
  const table: Array<[string, ReturnType<typeof aclDenied>, string[]]> = [
    ['aclDenied', aclDenied(), ['1 error occurred:\n\t* permission denied\n\n']],
    ['permissionDenied', permissionDenied(), ['permission denied']],
    ['invalidToken', invalidToken(), ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n']],
  ];
  for (const [name, e, messages] of table) {
    assert.deepEqual([e.status, e.code, e.messages], [403, 'permission_denied', messages], name);
    // Every client matches on this substring; all three keep it.
    assert.ok(e.messages.join('').includes('permission denied'), name);
  }
});
