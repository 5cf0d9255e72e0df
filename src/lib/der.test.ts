import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { children, DerError, integerHex, oid, oidText, parseDer, seq, tlv } from './der.js';

describe('der', () => {
  it('OIDs round-trip', () => {
    for (const o of ['1.3.14.3.2.26', '1.3.6.1.5.5.7.48.1.1', '1.2.840.10045.4.3.2', '2.5.29.37.0', '1.2.840.113549.1.1.11']) {
      assert.equal(oidText(parseDer(oid(o)).value), o);
    }
  });
  it('long lengths and nesting', () => {
    const big = Buffer.alloc(300, 7);
    const enc = seq(tlv(0x04, big), tlv(0x05));
    const [a, b] = children(parseDer(enc).value);
    assert.deepEqual(a!.value, big);
    assert.equal(b!.tag, 0x05);
  });
  it('integers are minimal and non-negative', () => {
    assert.deepEqual(integerHex('ff'), Buffer.from([0x02, 0x02, 0x00, 0xff]));
    assert.deepEqual(integerHex('0001'), Buffer.from([0x02, 0x01, 0x01]));
  });
  it('truncated, oversized and trailing input is refused, not read past', () => {
    const cases = [Buffer.from([0x30]), Buffer.from([0x30, 0x05, 0x01]), Buffer.from([0x30, 0x85, 1, 1, 1, 1, 1]), Buffer.from([0x05, 0x00, 0x00]), Buffer.from([0x1f, 0x00])];
    for (const c of cases) assert.throws(() => parseDer(c), DerError, c.toString('hex'));
  });
});
