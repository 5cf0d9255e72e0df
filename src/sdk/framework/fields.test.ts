import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldData } from './field-data.js';
import { field } from './fields.js';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';

const errorOf = wardErrorOfSync;

test('coerces CLI-style strings the way Vault does', () => {
  const d = new FieldData(
    { ttl: field.durationSecond(), n: field.int(), on: field.bool(), list: field.commaStringSlice() },
    { ttl: '1h', n: '10', on: 'true', list: 'a, b' },
  );
  assert.equal(d.get('ttl'), 3600);
  assert.equal(d.get('n'), 10);
  assert.equal(d.get('on'), true);
  assert.deepEqual(d.get('list'), ['a', 'b']);
});

test('a bad value is a 400 that names the field and shows the value', () => {
  const e = errorOf(() => new FieldData({ num_uses: field.int() }, { num_uses: 'many' }));
  assert.equal(e.status, 400);
  assert.match(e.messages[0] ?? '', /"many".*"num_uses"/);
});

test('a bad value for a secret field is never quoted back', () => {
  const secret = 'hunter2-do-not-echo';
  for (const [fields, raw] of [
    [{ password: field.string() }, { password: { v: secret } }],
    [{ token_reviewer_jwt: field.string() }, { token_reviewer_jwt: [secret, { x: secret }] }],
    [{ anything: field.int({ sensitive: true }) }, { anything: secret }],
  ] as const) {
    const e = errorOf(() => new FieldData(fields, raw));
    assert.equal(e.status, 400);
    assert.ok(!e.messages.join(' ').includes(secret), e.messages.join(' '));
  }
});

test('key/value pairs: a map, a list of k=v, or one k=v string as the vault CLI sends `metadata=team=blue`', () => {
  const of = (raw: unknown) => new FieldData({ m: field.kvPairs() }, { m: raw }).get('m');
  assert.deepEqual(of({ team: 'blue' }), { team: 'blue' });
  assert.deepEqual(of(['team=blue', 'env=a=b']), { team: 'blue', env: 'a=b' });
  assert.deepEqual(of('team=blue'), { team: 'blue' });
  assert.deepEqual(of('{"team":"blue"}'), { team: 'blue' });
  assert.equal(errorOf(() => of('no-equals-sign')).status, 400);
});

test('a JSON null means "not given": the default applies, and a required field is missing', () => {
  const d = new FieldData({ renewable: field.bool({ default: true }), n: field.int({ default: 7 }), l: field.commaStringSlice() }, { renewable: null, n: null, l: null });
  assert.equal(d.get('renewable'), true);
  assert.equal(d.get('n'), 7);
  assert.deepEqual(d.get('l'), []);
  assert.equal(d.has('renewable'), false);
  assert.equal(d.opt('n'), undefined);
  const e = errorOf(() => new FieldData({ name: field.string({ required: true }) }, { name: null }));
  assert.deepEqual([e.status, e.messages], [400, ['missing name']]);
});
