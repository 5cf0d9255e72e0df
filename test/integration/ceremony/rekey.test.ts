/**
 * sys/rekey over real sockets on a node with real Shamir shares: Vault's status shapes and
 * texts, 3-of-5 to 2-of-3, old shares refused afterwards, new ones unsealing after a restart;
 * require_verification; pgp_keys with backup.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api } from '../../helpers/server.js';
import { openpgpDecrypt, testPgpKey } from '../../helpers/pgp.js';
import { initCluster, seal, unseal, type Cluster } from './harness.js';

describe('sys/rekey: 3-of-5 to 2-of-3', () => {
  let c: Cluster;
  before(async () => {
    c = await initCluster(5, 3);
  });
  after(() => c.close());

  it('status before any rekey; update without one; bad init parameters', async () => {
    const st = await api(c.server, 'GET', 'sys/rekey/init');
    assert.equal(st.status, 200);
    assert.deepEqual(st.body, { nonce: '', started: false, t: 0, n: 0, progress: 0, required: 3, pgp_fingerprints: null, backup: false, verification_required: false });
    const none = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce: 'x' } });
    assert.deepEqual([none.status, none.body.errors], [400, ['no barrier rekey in progress']]);
    const big = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 3 } });
    assert.deepEqual([big.status, big.body.errors], [400, ['provided threshold greater than the total shares']]);
    const zero = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 0, secret_threshold: 0 } });
    assert.deepEqual([zero.status, zero.body.errors], [400, ['invalid rekey seal configuration: shares must be at least one']]);
    const backup = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2, backup: true } });
    assert.deepEqual([backup.status, backup.body.errors], [400, ['cannot request a backup of the new keys without providing PGP keys for encryption']]);
    const recovery = await api(c.server, 'PUT', 'sys/rekey-recovery-key/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.deepEqual([recovery.status, recovery.body.errors], [400, ['recovery keys not supported']]);
    const unknown = await api(c.server, 'PUT', 'sys/rekey/nope', { body: {} });
    assert.equal(unknown.status, 404);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/update')).status, 405);
  });

  it('rekeys with nonce and progress as Vault, refusing a wrong nonce and a repeated share', async () => {
    const init = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const nonce = init.body.nonce as string;
    assert.match(nonce, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...init.body, nonce: 'N' }, { nonce: 'N', started: true, t: 2, n: 3, progress: 0, required: 3, pgp_fingerprints: null, backup: false, verification_required: false });
    const again = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.deepEqual([again.status, again.body.errors], [400, ['rekey already in progress']]);
    const wrongNonce = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce: 'abc' } });
    assert.deepEqual([wrongNonce.status, wrongNonce.body.errors], [400, [`incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`]]);
    const junk = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: 'not a key!', nonce } });
    assert.deepEqual([junk.status, junk.body.errors], [400, ["'key' must be a valid hex or base64 string"]]);
    const one = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    assert.equal(one.status, 200);
    assert.equal(one.body.progress, 1);
    assert.equal(one.body.started, true);
    const dup = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    assert.deepEqual([dup.status, dup.body.errors], [400, ['given key has already been provided during this generation operation']]);
    assert.equal((await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[1], nonce } })).body.progress, 2);
    const done = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: Buffer.from(c.keys[2]!, 'hex').toString('base64'), nonce } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.complete, true);
    assert.equal(done.body.nonce, nonce);
    assert.equal(done.body.keys.length, 3);
    assert.equal(done.body.keys_base64.length, 3);
    assert.equal(done.body.verification_required, false);
    assert.equal(Buffer.from(done.body.keys_base64[0], 'base64').toString('hex'), done.body.keys[0]);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).body.started, false);
    const status = (await api(c.server, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([status.t, status.n], [2, 3]);

    // Old shares no longer unseal; after a restart the new ones do.
    await seal(c.server, c.root);
    const old = await unseal(c.server, c.keys.slice(0, 3));
    assert.equal(old.status, 400);
    const s2 = await c.restart();
    assert.equal((await unseal(s2, c.keys.slice(0, 3))).status, 400);
    const fresh = await unseal(s2, done.body.keys.slice(1, 3));
    assert.equal(fresh.body.sealed, false, JSON.stringify(fresh.body));
    assert.equal((await api(s2, 'GET', 'auth/token/lookup-self', { token: c.root })).status, 200, 'the data is still there');
    c.keys = done.body.keys;
  });

  it('a wrong share at the threshold is refused and resets progress; cancel ends the attempt', async () => {
    const init = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    const nonce = init.body.nonce;
    assert.equal((await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } })).body.progress, 1);
    const bad = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: randomBytes(33).toString('hex'), nonce } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0], /verification failed/);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).body.progress, 0);
    // As Vault since the cancel fix: within 10 minutes of the start, only the nonce holder cancels.
    const noNonce = await api(c.server, 'DELETE', 'sys/rekey/init');
    assert.deepEqual([noNonce.status, noNonce.body.errors], [400, ['invalid request']]);
    assert.equal((await api(c.server, 'DELETE', 'sys/rekey/init', { body: { nonce: 'other' } })).status, 400);
    assert.equal((await api(c.server, 'DELETE', 'sys/rekey/init', { body: { nonce } })).status, 204);
    assert.equal((await api(c.server, 'DELETE', 'sys/rekey/init')).status, 204, 'nothing to cancel: fine without a nonce');
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).body.started, false);
    const after = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    assert.deepEqual(after.body.errors, ['no barrier rekey in progress']);
  });

  it('sealing drops an attempt waiting for verification (no key material outlives the unsealed state)', async () => {
    const nonce = (await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1, require_verification: true } })).body.nonce;
    await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    const done = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[1], nonce } });
    assert.equal(done.body.verification_required, true);
    const gen = (await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: {} })).body;
    await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce: gen.nonce } });
    await seal(c.server, c.root);
    assert.equal((await unseal(c.server, c.keys.slice(0, 2))).body.sealed, false);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).body.started, false);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/attempt')).body.started, false);
  });
});

describe('sys/rekey with verification', () => {
  let c: Cluster;
  before(async () => {
    c = await initCluster(3, 2);
  });
  after(() => c.close());

  it('the new shares take effect only once entered back; a restart before that keeps the old ones', async () => {
    const nonce = (await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2, require_verification: true } })).body.nonce;
    assert.equal((await api(c.server, 'GET', 'sys/rekey/verify')).body.errors[0], 'no rekey verification in progress');
    await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    const done = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[1], nonce } });
    assert.equal(done.body.complete, true);
    assert.equal(done.body.verification_required, true);
    const vnonce = done.body.verification_nonce as string;
    assert.match(vnonce, /^[0-9a-f-]{36}$/);
    assert.notEqual(vnonce, nonce);
    const more = await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[2], nonce } });
    assert.deepEqual(more.body.errors, [`rekey operation already finished; verification must be performed; nonce for the verification operation is "${vnonce}"`]);
    assert.deepEqual((await api(c.server, 'GET', 'sys/rekey/verify')).body, { nonce: vnonce, started: true, t: 2, n: 2, progress: 0 });
    const wrong = await api(c.server, 'PUT', 'sys/rekey/verify', { body: { key: done.body.keys[0], nonce } });
    assert.deepEqual(wrong.body.errors, [`incorrect nonce supplied; nonce for this verify operation is "${vnonce}"`]);
    // An old share at the verification threshold does not rebuild the new key.
    assert.deepEqual((await api(c.server, 'PUT', 'sys/rekey/verify', { body: { key: done.body.keys[0], nonce: vnonce } })).body, { nonce: vnonce, complete: false });
    const mixed = await api(c.server, 'PUT', 'sys/rekey/verify', { body: { key: c.keys[0], nonce: vnonce } });
    assert.deepEqual([mixed.status, mixed.body.errors], [400, ['rekey verification failed; incorrect key shares supplied']]);
    const rotated = (await api(c.server, 'GET', 'sys/rekey/verify')).body;
    assert.notEqual(rotated.nonce, vnonce, 'a failed verification starts over with a new nonce, as Vault');
    assert.equal(rotated.progress, 0);
    // DELETE restarts verification with a new nonce.
    const restarted = (await api(c.server, 'DELETE', 'sys/rekey/verify')).body;
    assert.notEqual(restarted.nonce, rotated.nonce);
    assert.equal(restarted.progress, 0);

    // Not verified yet: the stored shares are still the old ones.
    const s2 = await c.restart();
    assert.equal((await unseal(s2, c.keys.slice(0, 2))).body.sealed, false);
    assert.equal((await api(s2, 'GET', 'sys/rekey/init')).body.started, false, 'the attempt died with the process');
  });

  it('verified: the new shares unseal, the old ones do not', async () => {
    const nonce = (await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2, require_verification: true } })).body.nonce;
    await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce } });
    const done = (await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[1], nonce } })).body;
    const vnonce = done.verification_nonce;
    assert.equal((await api(c.server, 'PUT', 'sys/rekey/verify', { body: { key: done.keys[0], nonce: vnonce } })).body.complete, false);
    const ok = await api(c.server, 'PUT', 'sys/rekey/verify', { body: { key: done.keys[1], nonce: vnonce } });
    assert.deepEqual([ok.status, ok.body], [200, { nonce: vnonce, complete: true }]);
    await seal(c.server, c.root);
    assert.equal((await unseal(c.server, c.keys.slice(0, 2))).status, 400);
    assert.equal((await unseal(c.server, done.keys)).body.sealed, false);
  });
});

describe('sys/rekey with pgp_keys and backup', () => {
  it('returns encrypted shares that decrypt to working shares, and keeps a backup readable with sudo', async (t) => {
    const c = await initCluster(1, 1);
    t.after(() => c.close());
    const a = await testPgpKey('alice');
    const b = await testPgpKey('bob');
    const count = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2, pgp_keys: [a.base64Public] } });
    assert.deepEqual([count.status, count.body.errors], [400, ['incorrect number of PGP keys for rekey']]);
    const badKey = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 1, secret_threshold: 1, pgp_keys: ['abc'] } });
    assert.deepEqual([badKey.status, badKey.body.errors], [400, ['invalid rekey seal configuration: error decoding given PGP key: illegal base64 data']]);
    const init = await api(c.server, 'PUT', 'sys/rekey/init', { body: { secret_shares: 2, secret_threshold: 2, pgp_keys: [a.base64Public, b.armoredPublic], backup: true } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.deepEqual(init.body.pgp_fingerprints, [a.fingerprint, b.fingerprint]);
    assert.equal(init.body.backup, true);
    const done = (await api(c.server, 'PUT', 'sys/rekey/update', { body: { key: c.keys[0], nonce: init.body.nonce } })).body;
    assert.equal(done.complete, true);
    assert.deepEqual(done.pgp_fingerprints, [a.fingerprint, b.fingerprint]);
    const shareA = await openpgpDecrypt(a, Buffer.from(done.keys_base64[0], 'base64'));
    const shareB = await openpgpDecrypt(b, Buffer.from(done.keys[1], 'hex'));
    assert.match(shareA, /^[0-9a-f]{66}$/);

    assert.equal((await api(c.server, 'GET', 'sys/rekey/backup')).status, 403, 'needs a token');
    const backup = await api(c.server, 'GET', 'sys/rekey/backup', { token: c.root });
    assert.equal(backup.status, 200, JSON.stringify(backup.body));
    assert.equal(backup.body.data.nonce, init.body.nonce);
    assert.deepEqual(backup.body.data.keys, { [a.fingerprint]: [done.keys[0]], [b.fingerprint]: [done.keys[1]] });
    assert.deepEqual(backup.body.data.keys_base64, { [a.fingerprint]: [done.keys_base64[0]], [b.fingerprint]: [done.keys_base64[1]] });
    assert.equal(backup.body.nonce, init.body.nonce, 'top-level injection, as Vault');
    assert.equal((await api(c.server, 'DELETE', 'sys/rekey/backup', { token: c.root })).status, 204);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/backup', { token: c.root })).status, 404);

    await seal(c.server, c.root);
    assert.equal((await unseal(c.server, [shareA, shareB])).body.sealed, false);
  });
});
