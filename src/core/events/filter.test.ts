import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { compileFilter, type FilterDatum } from './filter.js';

const datum: FilterDatum = { event_type: 'kv-v2/data-write', operation: 'data-write', source_plugin_mount: 'secret/', data_path: 'secret/data/foo', namespace: '' };

describe('event subscription filter expressions', () => {
  const cases: [string, boolean][] = [
    ['data_path == secret/data/foo', true],
    ['data_path == "secret/data/foo" and operation != "data-write"', false],
    ['data_path == secret/data/bar or event_type == kv-v2/data-write', true],
    ['not (operation == data-write)', false],
    ['operation != "data-delete"', true],
    ['data_path matches "^secret/data/f"', true],
    ['data_path not matches "^kv/"', true],
    ['source_plugin_mount contains secret', true],
    ['namespace is empty', true],
    ['namespace is not empty', false],
    ['/data_path == `secret/data/foo`', true],
  ];
  for (const [expr, want] of cases) {
    it(expr, () => assert.equal(compileFilter(expr)(datum), want));
  }

  const refused: [string, RegExp][] = [
    ['password == x', /unknown selector "password"/],
    ['data_path ==', /expected a value/],
    ['(data_path == x', /missing "\)"/],
    ['data_path ~ x', /unknown operator/],
    ['data_path == "x', /unterminated string/],
    ['data_path == x y', /unexpected "y"/],
    ['data_path matches "("', /invalid regular expression/],
  ];
  for (const [expr, msg] of refused) {
    it(`refuses ${expr}`, () => {
      assert.throws(() => compileFilter(expr), (e: unknown) => WardError.is(e) && e.code === 'invalid_request' && msg.test(e.messages.join(' ')));
    });
  }
});
