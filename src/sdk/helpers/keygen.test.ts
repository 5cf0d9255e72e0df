import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WardError } from '../errors.js';
import { BoundedLane, generatePrivateKeyPem, keygenStats } from './keygen.js';

/** A task the test finishes by hand. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('BoundedLane', () => {
  it('runs at most `concurrency` tasks at once, in arrival order', async () => {
    const lane = new BoundedLane('t', 2, 10);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    const runs = gates.map((g, i) =>
      lane.run(async () => {
        started.push(i);
        active++;
        peak = Math.max(peak, active);
        await g.promise;
        active--;
        return i;
      }),
    );
    await flush();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(lane.stats(), { name: 't', running: 2, waiting: 3, completed: 0, rejected: 0 });
    for (const i of [1, 0, 2, 3, 4]) {
      gates[i]?.open();
      await flush();
    }
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(peak, 2);
    assert.deepEqual(lane.stats(), { name: 't', running: 0, waiting: 0, completed: 5, rejected: 0 });
  });

  it('refuses with 429 once its queue is full, and frees the slot of a failed task', async () => {
    const lane = new BoundedLane('t', 1, 1);
    const g = gate();
    const running = lane.run(() => g.promise);
    const queued = lane.run(() => Promise.reject(new Error('boom')));
    await assert.rejects(
      lane.run(() => Promise.resolve()),
      (e) => WardError.is(e) && e.status === 429 && /too many key generations are queued/.test(e.message),
    );
    g.open();
    await running;
    await assert.rejects(queued, /boom/);
    assert.equal(await lane.run(() => Promise.resolve('after')), 'after');
    assert.deepEqual(lane.stats(), { name: 't', running: 0, waiting: 0, completed: 3, rejected: 1 });
  });
});

describe('generatePrivateKeyPem', () => {
  it('generates each key type as PKCS#8 PEM', async () => {
    const rsa = createPrivateKey(await generatePrivateKeyPem({ type: 'rsa', bits: 2048 }));
    assert.equal(rsa.asymmetricKeyDetails?.modulusLength, 2048);
    const ec = createPrivateKey(await generatePrivateKeyPem({ type: 'ec', curve: 'P-521' }));
    assert.equal(ec.asymmetricKeyDetails?.namedCurve, 'secp521r1');
    const ed = createPrivateKey(await generatePrivateKeyPem({ type: 'ed25519' }));
    assert.equal(ed.asymmetricKeyType, 'ed25519');
  });

  it('leaves threadpool threads to fs while several RSA keys are generated', async () => {
    // Five RSA-2048 generations at once: were each to take a libuv thread, all four
    // would be busy and this file read would wait for a key to finish. (2048 rather than
    // 8192 keeps the suite quick; the lanes treat every size alike.)
    const keys = Array.from({ length: 5 }, () => generatePrivateKeyPem({ type: 'rsa', bits: 2048 }));
    const order: string[] = [];
    keys.forEach((k, i) => void k.then(() => order.push(`key${i}`)));
    const lane = keygenStats().find((s) => s.name === 'rsa');
    await readFile(fileURLToPath(import.meta.url));
    order.push('fs');
    assert.deepEqual(order, ['fs'], 'the file read finished after a key generation');
    assert.deepEqual({ running: lane?.running, waiting: lane?.waiting }, { running: 1, waiting: 4 });
    await Promise.all(keys);
    assert.deepEqual(order, ['fs', 'key0', 'key1', 'key2', 'key3', 'key4']);
  });
});
