import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exercisePhysical } from '../conformance.js';
import { exerciseChanges } from '../change-conformance.js';
import { exerciseHa } from '../ha-conformance.js';
import { LockLostError } from '../physical.js';
import { InmemPhysical } from './inmem-physical.js';
import { InmemHaEngine } from './inmem-ha.js';

exercisePhysical('inmem (shared HA engine)', async () => InmemPhysical.shared(new InmemHaEngine()));

exerciseHa('inmem', async () => {
  const engine = new InmemHaEngine({ lockTtlMs: 1000 });
  const a = InmemPhysical.shared(engine);
  const b = InmemPhysical.shared(engine);
  return {
    a,
    b,
    forceExpire: async (key) => engine.forceExpire(key),
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});

exerciseChanges('inmem', async () => {
  const engine = new InmemHaEngine();
  const a = InmemPhysical.shared(engine);
  const b = InmemPhysical.shared(engine);
  return {
    a,
    b,
    breakStreams: async () => engine.breakChangeStreams(),
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});

test('inmem HA: two stores on one engine see each other\'s writes; plain stores have no ha', async () => {
  const engine = new InmemHaEngine();
  const a = InmemPhysical.shared(engine);
  const b = InmemPhysical.shared(engine);
  await a.put('k', Buffer.from('v'));
  assert.equal((await b.get('k'))?.toString(), 'v');
  assert.ok(a.ha);
  assert.equal(new InmemPhysical().ha, undefined);
});

test('inmem HA: a holder that stops renewing loses the lock after its TTL and is fenced', async () => {
  const engine = new InmemHaEngine({ lockTtlMs: 300 });
  const a = InmemPhysical.shared(engine);
  const b = InmemPhysical.shared(engine);
  const held = await a.ha!.lock('core/lock', 'a').acquire(new AbortController().signal);
  engine.pauseRenewals(a); // as a SIGSTOPped process: its renewals stop reaching the engine
  const taken = await b.ha!.lock('core/lock', 'b').acquire(new AbortController().signal);
  assert.equal(await b.ha!.lock('core/lock', 'x').value(), 'b');
  await assert.rejects(a.put('k', Buffer.from('stale')), LockLostError);
  engine.resumeRenewals(a);
  // Renewal timers do not hold the process open (a server's listeners do); this test's wait does.
  const keepAlive = setInterval(() => {}, 1000);
  await held.lost;
  clearInterval(keepAlive);
  await taken.release();
  await a.close();
  await b.close();
});
