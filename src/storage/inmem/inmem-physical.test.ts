import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exercisePhysical } from '../conformance.js';
import { InmemPhysical } from './inmem-physical.js';

exercisePhysical('inmem', async () => new InmemPhysical());

test('inmem: identifies itself and refuses use after close', async () => {
  const s = new InmemPhysical();
  assert.equal(s.name, 'inmem');
  await s.put('k', Buffer.from('v'));
  await s.close();
  await assert.rejects(s.get('k'), /closed/);
  await assert.rejects(s.put('k', Buffer.from('v')), /closed/);
});
