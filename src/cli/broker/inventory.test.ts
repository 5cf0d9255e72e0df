import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryError, loadInventory, parseInventory } from './inventory.js';
import { comparePatchLevels, decideTrust } from './trust.js';

test('parseInventory keeps ids, posture, and only a literal true as trusted', () => {
  const devs = parseInventory(JSON.stringify({
    devices: [
      { id: 'a-1', trusted: true, posture: { disk_encrypted: true, patch_level: '2024-06-01' }, owner: 'x' },
      { id: 'b.2', trusted: 'yes' },
      { id: 'c_3', trusted: 1, posture: {} },
    ],
  }));
  assert.deepEqual(devs.map((d) => [d.id, d.trusted]), [['a-1', true], ['b.2', false], ['c_3', false]]);
  assert.deepEqual(devs[0]?.posture, { disk_encrypted: true, patch_level: '2024-06-01' });
  assert.deepEqual(devs[1]?.posture, {});
});

test('parseInventory rejects malformed inventories as a whole', () => {
  const bad = [
    'not json',
    '[]',
    '{"devices":{}}',
    '{"devices":[1]}',
    '{"devices":[{"id":"../etc/passwd","trusted":true}]}',
    '{"devices":[{"id":".hidden","trusted":true}]}',
    '{"devices":[{"id":"","trusted":true}]}',
    '{"devices":[{"trusted":true}]}',
    '{"devices":[{"id":"a","posture":[]}]}',
    '{"devices":[{"id":"a"},{"id":"a"}]}',
  ];
  for (const text of bad) assert.throws(() => parseInventory(text), InventoryError, text);
});

test('loadInventory reads files and HTTP, and reports both kinds of failure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-inv-'));
  const file = join(dir, 'inv.json');
  writeFileSync(file, '{"devices":[{"id":"d1","trusted":true}]}');
  assert.equal((await loadInventory(file))[0]?.id, 'd1');
  await assert.rejects(loadInventory(join(dir, 'missing.json')), /cannot read inventory file/);
  const ok: typeof fetch = async () => new Response('{"devices":[]}', { status: 200 });
  assert.deepEqual(await loadInventory('http://inv.example/devices', ok), []);
  const down: typeof fetch = async () => new Response('nope', { status: 503 });
  await assert.rejects(loadInventory('https://inv.example/devices', down), /answered HTTP 503/);
  const refused: typeof fetch = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  await assert.rejects(loadInventory('http://inv.example/devices', refused), /cannot fetch inventory.*ECONNREFUSED/);
});

test('comparePatchLevels orders dates, versions and numbers by digit runs', () => {
  assert.equal(comparePatchLevels('2024-06-01', '2024-05-30'), 1);
  assert.equal(comparePatchLevels('14.5', '14.5.0'), 0);
  assert.equal(comparePatchLevels('14.10', '14.9'), 1);
  assert.equal(comparePatchLevels(9, '10'), -1);
  assert.equal(comparePatchLevels('latest', '1'), null);
});

test('decideTrust needs the orchestrator flag, an encrypted disk and (if asked) the patch level', () => {
  const dev = (trusted: boolean, posture: Record<string, unknown>) => ({ id: 'd', trusted, posture });
  assert.deepEqual(decideTrust(dev(true, { disk_encrypted: true })), { trusted: true, reasons: [] });
  assert.deepEqual(decideTrust(dev(false, { disk_encrypted: true })).reasons, ['not trusted by the orchestrator']);
  assert.deepEqual(decideTrust(dev(true, {})).reasons, ['disk not encrypted']);
  assert.deepEqual(decideTrust(dev(true, { disk_encrypted: 'true' })).reasons, ['disk not encrypted']);
  const rules = { minPatchLevel: '2024-06' };
  assert.equal(decideTrust(dev(true, { disk_encrypted: true, patch_level: '2024-06-15' }), rules).trusted, true);
  assert.deepEqual(decideTrust(dev(true, { disk_encrypted: true, patch_level: '2024-05-31' }), rules).reasons, ['patch level 2024-05-31 is below 2024-06']);
  assert.deepEqual(decideTrust(dev(true, { disk_encrypted: true }), rules).reasons, ['no patch level reported']);
  assert.match(decideTrust(dev(true, { disk_encrypted: true, patch_level: 'unknown' }), rules).reasons.join(), /cannot be compared/);
  assert.equal(decideTrust(dev(false, { patch_level: '1' }), rules).reasons.length, 3, 'every failing rule is reported');
});
