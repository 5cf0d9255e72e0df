/**
 * Performance standbys with real processes on PostgreSQL: the standby answers reads itself,
 * coherent through LISTEN/NOTIFY; a read carrying the write's X-Vault-Index has the new value
 * every time; when its listening connection is killed the standby forwards (never a stale
 * value) until it has reloaded and listens again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { startPerfStandbyPair } from '../../helpers/failover-rounds.js';
import { at, call, policyAndRevocationSeen, readYourWrites, write } from '../../helpers/vault-index.js';
import { waitFor } from '../../helpers/wait.js';
import type { WardCluster, WardNode } from '../../helpers/ward-cluster.js';
import { LISTENER_NAME } from '../../../src/storage/postgresql/changes.js';

describe('performance standby on PostgreSQL (2 Ward processes)', { skip: skipUnless(POSTGRES) }, () => {
  let c: WardCluster | undefined;
  let active: WardNode;
  let standby: WardNode;
  before(async () => {
    ({ c, active, standby } = await startPerfStandbyPair('postgresql'));
  });
  after(() => c?.close());

  it('200 write/read pairs: every read on the standby has the value just written, served there', { timeout: 120_000 }, async () => {
    // Each read waits (up to 2 s) for the change stream to deliver its index; only a longer stall is forwarded.
    // Every read has the new value (asserted per read). A rare forward (a reload racing a read;
    // the standby logs why) is still a correct answer, so a few are tolerated; a standby that
    // forwards as a rule is not.
    const local = await readYourWrites({ active, standby, rootToken: c!.rootToken, standbyLog: () => standby.log() }, 200);
    assert.ok(local >= 195, `only ${local} of 200 reads were served by the standby`);
  });

  it('a policy change and a token revocation on the active are seen by the standby', { timeout: 60_000 }, async () => {
    await policyAndRevocationSeen({ active, standby, rootToken: c!.rootToken });
  });

  it('the listening connection killed: no stale read, and local reads resume after the reload', { timeout: 60_000 }, async () => {
    const root = c!.rootToken;
    const first = await write(active, 'POST', 'secret/data/cut', root, { data: { n: 0 } });
    // With the write's index: without it the standby may answer before NOTIFY brings the new key (a 404).
    const seen = await call(standby, 'GET', 'secret/data/cut', { token: root, ...at(first) });
    assert.deepEqual([seen.status, seen.body?.data?.data?.n], [200, 0]);
    const killed = await c!.pg!.admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [LISTENER_NAME]);
    assert.ok((killed.rowCount ?? 0) >= 1, 'a listening connection was found');
    for (let n = 1; n <= 20; n++) {
      const index = await write(active, 'POST', 'secret/data/cut', root, { data: { n } });
      const r = await call(standby, 'GET', 'secret/data/cut', { token: root, ...at(index) });
      assert.deepEqual([r.status, r.body?.data?.data?.n], [200, n]);
    }
    await waitFor('local reads again', async () => (await call(standby, 'GET', 'secret/data/cut', { token: root })).local, { timeoutMs: 30_000 });
  });
});
