import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BerError, octetString, parseBer } from './ber.js';
import { parsePkcs7, Pkcs7Error } from './pkcs7.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

test('parseBer reads definite and indefinite lengths and chunked OCTET STRINGs', () => {
  const n = parseBer(hex('30 80 04 02 6869 24 80 04 01 21 04 01 3f 00 00 00 00'));
  assert.equal(n.indefinite, true);
  assert.deepEqual(n.kids?.map((k) => octetString(k).toString()), ['hi', '!?']);
  assert.equal(parseBer(hex('30 03 02 01 05')).kids?.[0]?.value.toString('hex'), '05');
});

test('parseBer refuses malformed and hostile input with BerError', () => {
  const cases: [string, string][] = [
    ['truncated', '30 05 02 01'],
    ['indefinite primitive', '04 80 00 00'],
    ['unterminated indefinite', '30 80 02 01 05'],
    ['trailing data', '30 03 02 01 05 ff'],
    ['child overruns parent', '30 02 04 05 0000000000'],
    ['high tag', '1f 81 01 00'],
    ['too deep', '30 80 '.repeat(40) + '00 00'.repeat(40)],
    ['huge length', '04 85 0100000000'],
  ];
  for (const [name, h] of cases) assert.throws(() => parseBer(hex(h)), BerError, name);
});

test('parsePkcs7 turns every malformed input into Pkcs7Error', () => {
  const cases = ['', 'AAAA', hex('30 03 06 01 00').toString('base64'), hex('30 80 06 00 00 00').toString('base64'), hex('30 0b 06 09 2a864886f70d010702').toString('base64')];
  for (const c of cases) assert.throws(() => parsePkcs7(c), Pkcs7Error, c);
});
