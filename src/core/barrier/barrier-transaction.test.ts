import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import type { TxOp } from '../../storage/physical.js';
import { AesGcmBarrier } from './barrier.js';
import { isWardError } from '../../../test/helpers/errors.js';

/** Records each physical transaction; can refuse them, or hold one until released. */
class TxPhysical extends InmemPhysical {
  txs: TxOp[][] = [];
  writes = 0;
  refuse = false;
  hold: Promise<void> | null = null;
  override async put(key: string, value: Buffer): Promise<void> {
    this.writes++;
    return super.put(key, value);
  }
  override async delete(key: string): Promise<void> {
    this.writes++;
    return super.delete(key);
  }
  override async transaction(ops: TxOp[]): Promise<void> {
    this.txs.push(ops);
    if (this.hold !== null) await this.hold;
    if (this.refuse) throw new Error('engine refused the transaction');
    return super.transaction(ops);
  }
}

async function unsealed(physical: TxPhysical) {
  const rootKey = randomBytes(32);
  const barrier = new AesGcmBarrier(physical);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return { barrier, rootKey };
}

const text = async (p: Promise<Buffer | null>) => (await p)?.toString('utf8') ?? null;

describe('AesGcmBarrier.transaction', () => {
  test('puts and deletes go to the engine as one transaction, encrypted, and read back', async () => {
    const physical = new TxPhysical();
    const { barrier, rootKey } = await unsealed(physical);
    await barrier.put('kv/gone', Buffer.from('x'));
    const writes = physical.writes;
    await barrier.transaction([
      { op: 'put', key: 'kv/a', value: Buffer.from('one') },
      { op: 'put', key: 'kv/b', value: Buffer.from('two') },
      { op: 'delete', key: 'kv/gone' },
    ]);
    assert.equal(physical.txs.length, 1, 'one engine transaction');
    assert.equal(physical.writes, writes, 'no single-key writes besides it');
    assert.deepEqual(physical.txs[0]!.map((o) => `${o.op} ${o.key}`), ['put kv/a', 'put kv/b', 'delete kv/gone']);
    for (const op of physical.txs[0]!) if (op.op === 'put') assert.equal(op.value.includes(Buffer.from('one')) || op.value.includes(Buffer.from('two')), false, 'ciphertext only');
    assert.equal(await text(barrier.get('kv/a')), 'one');
    assert.equal(await barrier.get('kv/gone'), null);
    // And from the store itself, not only the cache.
    const cold = new AesGcmBarrier(physical);
    await cold.unseal(rootKey);
    assert.equal(await text(cold.get('kv/b')), 'two');
    assert.equal(await cold.get('kv/gone'), null);
  });

  test('a refused transaction applies nothing: every key reads as before, also from the cache', async () => {
    const physical = new TxPhysical();
    const { barrier } = await unsealed(physical);
    await barrier.put('kv/a', Buffer.from('old-a'));
    await barrier.put('kv/b', Buffer.from('old-b'));
    physical.refuse = true;
    await assert.rejects(
      barrier.transaction([
        { op: 'put', key: 'kv/a', value: Buffer.from('new-a') },
        { op: 'delete', key: 'kv/b' },
        { op: 'put', key: 'kv/c', value: Buffer.from('new-c') },
      ]),
      isWardError(500),
    );
    assert.equal(await text(barrier.get('kv/a')), 'old-a');
    assert.equal(await text(barrier.get('kv/b')), 'old-b');
    assert.equal(await barrier.get('kv/c'), null);
  });

  test('until the engine commits, reads see the old values; the cache takes the new ones only after', async () => {
    const physical = new TxPhysical();
    const { barrier } = await unsealed(physical);
    await barrier.put('kv/a', Buffer.from('old'));
    let release = (): void => undefined;
    physical.hold = new Promise<void>((r) => (release = r));
    physical.refuse = true;
    const refused = barrier.transaction([{ op: 'put', key: 'kv/a', value: Buffer.from('never') }, { op: 'put', key: 'kv/n', value: Buffer.from('never') }]);
    refused.catch(() => undefined);
    assert.equal(await text(barrier.get('kv/a')), 'old', 'an uncommitted value is never read');
    assert.equal(await barrier.get('kv/n'), null);
    release();
    await assert.rejects(refused);
    assert.equal(await text(barrier.get('kv/a')), 'old');

    physical.refuse = false;
    physical.hold = null;
    const decode = (raw: Buffer): unknown => Object.freeze({ v: raw.toString('utf8') });
    const decoded = decode(Buffer.from('new'));
    await barrier.transaction([{ op: 'put', key: 'kv/a', value: Buffer.from('new'), decode, decoded }]);
    assert.equal(await barrier.getDecoded('kv/a', decode), decoded, 'the committed object is shared from the cache');
  });

  test('through a view the keys are prefixed; reserved keys are refused before anything is written', async () => {
    const physical = new TxPhysical();
    const { barrier } = await unsealed(physical);
    const view = barrier.view('logical/m1/');
    assert.ok(view.transaction, 'a view offers transactions');
    await view.transaction([{ op: 'put', key: 'x', value: Buffer.from('1') }]);
    assert.equal(await text(barrier.get('logical/m1/x')), '1');
    const before = physical.txs.length;
    await assert.rejects(barrier.transaction([{ op: 'put', key: 'ok', value: Buffer.from('1') }, { op: 'delete', key: 'core/keyring' }]), isWardError(500));
    assert.equal(physical.txs.length, before);
    assert.equal(await barrier.get('ok'), null);
  });

  test('sealed: 503', async () => {
    const physical = new TxPhysical();
    const { barrier } = await unsealed(physical);
    barrier.seal();
    await assert.rejects(barrier.transaction([{ op: 'delete', key: 'a' }]), isWardError(503));
  });
});
