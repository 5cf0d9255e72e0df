/**
 * The barrier's hooks for a standby that becomes active: another node (another barrier on
 * the same store) may have written and rotated meanwhile, so caches must be droppable and
 * the keyring reloadable.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { InmemHaEngine } from '../../storage/inmem/inmem-ha.js';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import { AesGcmBarrier } from './barrier.js';

async function twoNodes() {
  const engine = new InmemHaEngine();
  const rootKey = randomBytes(32);
  const a = new AesGcmBarrier(InmemPhysical.shared(engine));
  const b = new AesGcmBarrier(InmemPhysical.shared(engine));
  await a.initialize(rootKey);
  await a.unseal(rootKey);
  await b.unseal(rootKey);
  return { a, b };
}

const text = async (p: Promise<Buffer | null>) => (await p)?.toString() ?? null;

test('dropCache makes a node read what another node wrote since', async () => {
  const { a, b } = await twoNodes();
  await a.put('k', Buffer.from('v1'));
  assert.equal(await text(b.get('k')), 'v1');
  await a.put('k', Buffer.from('v2'));
  b.dropCache();
  assert.equal(await text(b.get('k')), 'v2');
  a.seal();
  b.seal();
});

test('reloadKeyring picks up a rotation another node made', async () => {
  const { a, b } = await twoNodes();
  await a.rotate();
  await a.put('k', Buffer.from('after-rotation'));
  await assert.rejects(b.get('k'), /failed to decrypt/);
  await b.reloadKeyring();
  assert.equal(b.keyStatus().term, 2);
  assert.equal(await text(b.get('k')), 'after-rotation');
  a.seal();
  b.seal();
});

test('getFresh bypasses (and never fills) the cache and reloads the keyring on an unknown term', async () => {
  const { a, b } = await twoNodes();
  assert.equal(await b.getFresh('leader'), null);
  await a.rotate();
  await a.put('leader', Buffer.from('x'));
  assert.equal(await text(b.getFresh('leader')), 'x');
  assert.equal(b.keyStatus().term, 2);
  a.seal();
  b.seal();
});
