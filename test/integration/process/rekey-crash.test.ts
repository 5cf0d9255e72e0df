/**
 * Rekey across kill -9 on a real `bin/ward` process with SQLite: an attempt cut off before the
 * threshold leaves the old shares in force; an acknowledged rekey survives with the old shares
 * refused; a completing update cut off by the kill leaves one whole key set (old, or new with
 * its share counts), never the new key under the old counts.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../../helpers/server.js';
import { configDir, startConfigServer, type ConfigDir, type WardProcess } from '../../helpers/process.js';

async function unsealWith(w: WardProcess, keys: string[]): Promise<boolean> {
  for (const key of keys) {
    const r = await api(w, 'PUT', 'sys/unseal', { body: { key } });
    if (r.status !== 200) return false;
    if (r.body.sealed === false) return true;
  }
  return false;
}

describe('rekey survives kill -9', () => {
  let cfg: ConfigDir;
  let p: WardProcess | null = null;
  after(async () => {
    await p?.kill();
    cfg?.cleanup();
  });

  it('before the threshold, racing the completion, and after it', { timeout: 240_000 }, async () => {
    cfg = configDir();
    p = await startConfigServer(cfg);
    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    let keys: string[] = init.body.keys;
    assert.ok(await unsealWith(p, keys));

    // Cut off before the threshold: nothing changed.
    let nonce = (await api(p, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2 } })).body.nonce;
    assert.equal((await api(p, 'PUT', 'sys/rekey/update', { body: { key: keys[0], nonce } })).body.progress, 1);
    await p.kill('SIGKILL');
    p = await startConfigServer(cfg);
    assert.ok(await unsealWith(p, keys), 'old shares still unseal');
    assert.equal((await api(p, 'GET', 'sys/rekey/init')).body.started, false);

    // Acknowledged: survives, and the old shares are refused.
    nonce = (await api(p, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } })).body.nonce;
    await api(p, 'PUT', 'sys/rekey/update', { body: { key: keys[0], nonce } });
    const done = await api(p, 'PUT', 'sys/rekey/update', { body: { key: keys[1], nonce } });
    assert.equal(done.body.complete, true);
    await p.kill('SIGKILL');
    p = await startConfigServer(cfg);
    assert.equal(await unsealWith(p, keys), false, 'old shares refused');
    assert.ok(await unsealWith(p, done.body.keys.slice(1)), 'new shares unseal');
    keys = done.body.keys;

    // The completing update races with the kill. The store holds one whole key set: the old
    // one (the commit did not land), or the new one with its share counts. If the commit landed
    // but its answer was lost, the new shares are gone with it, as in Vault: that is what
    // require_verification (or pgp_keys with backup) is for.
    nonce = (await api(p, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2 } })).body.nonce;
    await api(p, 'PUT', 'sys/rekey/update', { body: { key: keys[0], nonce } });
    const w = p;
    const pending = api(w, 'PUT', 'sys/rekey/update', { body: { key: keys[1], nonce } }).catch(() => null);
    await w.kill('SIGKILL');
    const answer = await pending;
    p = await startConfigServer(cfg);
    const before = (await api(p, 'GET', 'sys/seal-status')).body;
    if (await unsealWith(p, keys)) {
      assert.deepEqual([before.t, before.n], [2, 3], 'old shares, old counts');
    } else {
      assert.deepEqual([before.t, before.n], [2, 2], 'the new key set landed whole, counts included');
      if (answer?.status === 200) assert.ok(await unsealWith(p, answer.body.keys), 'the new shares unseal');
    }
  });
});
