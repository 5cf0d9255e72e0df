import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyOrder } from './key-order.js';
import { KeySpace, normalisePath, prefixEnd } from './keys.js';

describe('etcd key layout', () => {
  test('path gets a leading and a trailing slash, as Vault joins it', () => {
    assert.equal(normalisePath('vault'), '/vault/');
    assert.equal(normalisePath('/vault'), '/vault/');
    assert.equal(normalisePath('/vault/'), '/vault/');
    assert.equal(new KeySpace('ward').key('core/lock').toString(), '/ward/core/lock');
    assert.equal(new KeySpace('ward').name(Buffer.from('/ward/a/ü')), 'a/ü');
  });

  test('prefixEnd is the first key after every key with the prefix', () => {
    assert.deepEqual(prefixEnd(Buffer.from('a/')), Buffer.from('a0'));
    assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
    assert.deepEqual(prefixEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
  });
});

describe('per-key ordering of in-flight calls', () => {
  const gate = () => {
    let open!: () => void;
    const p = new Promise<void>((r) => (open = r));
    return { p, open };
  };

  test('a write waits for the previous write to the same key; other keys do not wait', async () => {
    const order: string[] = [];
    const q = new KeyOrder();
    const first = gate();
    const w1 = q.write(['k'], async () => {
      await first.p;
      order.push('k=1');
    });
    const w2 = q.write(['k'], async () => void order.push('k=2'));
    const other = q.write(['j'], async () => void order.push('j'));
    await other;
    assert.deepEqual(order, ['j']);
    first.open();
    await Promise.all([w1, w2]);
    assert.deepEqual(order, ['j', 'k=1', 'k=2']);
  });

  test('reads wait for writes issued before them, also under a prefix; a failed write does not block', async () => {
    const q = new KeyOrder();
    const g = gate();
    let done = false;
    const w = q.write(['a/b'], async () => {
      await g.p;
      done = true;
      throw new Error('boom');
    });
    const read = q.settled(['a/b']).then(() => done);
    const listed = q.settledUnder('a/').then(() => done);
    const unrelated = await q.settledUnder('z/').then(() => done);
    assert.equal(unrelated, false);
    g.open();
    await assert.rejects(w, /boom/);
    assert.equal(await read, true);
    assert.equal(await listed, true);
    await q.write(['a/b'], async () => undefined);
  });
});
