/**
 * With HA, initialisation holds the lock: a node that unseals (auto-unseal) as soon as the
 * seal configuration is stored must not become active before the initialising node has
 * written the mount tables and the root token (it would write its own, and the root token
 * would be invalid on it: a flaky "invalid token" right after init in the process tests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WardCore } from '../../../src/core/core.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { InmemHaEngine } from '../../../src/storage/inmem/inmem-ha.js';
import { InmemPhysical } from '../../../src/storage/inmem/inmem-physical.js';

test('init waits for the HA lock and holds it while it writes; then the lock is free for the nodes', { timeout: 30_000 }, async () => {
  const engine = new InmemHaEngine({ lockTtlMs: 2000 });
  const other = InmemPhysical.shared(engine);
  const held = await other.ha!.lock('core/lock', 'another-node').acquire(AbortSignal.timeout(5000));
  const physical = InmemPhysical.shared(engine);
  const core = new WardCore({ physical, logger: silentLogger, ha: { apiAddr: 'http://127.0.0.1:1', clusterAddr: '' } });
  try {
    let done = false;
    const init = core.init(1, 1).finally(() => (done = true));
    // While another node holds the lock, nothing of the initialisation is stored.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(done, false);
    assert.equal(await core.isInitialized(), false);
    await held.release();
    const r = await init;
    assert.equal(typeof r.root_token, 'string');
    assert.equal(await core.isInitialized(), true);
    // Released again: the lock's value is nobody's (the node is sealed after a Shamir init).
    assert.equal(await other.ha!.lock('core/lock', 'x').value(), null);
  } finally {
    await core.shutdown();
  }
});
