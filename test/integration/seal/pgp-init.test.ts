/**
 * sys/init with pgp_keys / root_token_pgp_key / recovery_pgp_keys on a real core: shares come
 * back encrypted as Vault returns them, an operator decrypts them with the real gpg, and the
 * decrypted shares unseal (or, with an auto seal, the recovery shares do).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { WardCore } from '../../../src/core/core.js';
import { StaticSeal } from '../../../src/core/seal/static-seal.js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { InmemPhysical } from '../../../src/storage/inmem/inmem-physical.js';
import { api, startTestServer } from '../../helpers/server.js';
import { gpgDecrypt, openpgpDecrypt, testPgpKey } from '../../helpers/pgp.js';

describe('PGP-encrypted init', () => {
  it('Shamir: shares decrypted with gpg and openpgp unseal; the token decrypts and works', async (t) => {
    const s = await startTestServer({ dev: false });
    t.after(() => s.close());
    const a = await testPgpKey('alice');
    const b = await testPgpKey('bob');
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2, pgp_keys: [a.base64Public, b.base64Public, a.armoredPublic], root_token_pgp_key: b.base64Public } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.keys_base64.length, 3);
    // bob cannot read alice's share
    await assert.rejects(openpgpDecrypt(b, Buffer.from(r.body.keys_base64[0], 'base64')));
    const share1 = await gpgDecrypt(a, r.body.keys_base64[0]);
    const share2 = await openpgpDecrypt(b, Buffer.from(r.body.keys[1], 'hex'));
    assert.match(share1, /^[0-9a-f]{66}$/, 'a 33-byte share in hex');
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: share1 } })).body.progress, 1);
    const done = await api(s, 'PUT', 'sys/unseal', { body: { key: share2 } });
    assert.equal(done.body.sealed, false);
    const token = await gpgDecrypt(b, r.body.root_token);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  });

  it('auto seal: recovery shares come back encrypted; pgp_keys is refused', async () => {
    const core = new WardCore({ physical: new InmemPhysical(), logger: silentLogger, seal: { active: new StaticSeal({ type: 'static', currentKeyId: 'k', currentKey: randomBytes(32) }) } });
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
    after(async () => {
      await l.close();
      await core.shutdown();
    });
    const s = { url: l.url };
    const a = await testPgpKey('alice');
    const wrong = await api(s, 'PUT', 'sys/init', { body: { recovery_shares: 1, recovery_threshold: 1, pgp_keys: [a.base64Public] } });
    assert.deepEqual([wrong.status, wrong.body.errors], [400, ['parameters pgp_keys not applicable to seal type static']]);
    const r = await api(s, 'PUT', 'sys/init', { body: { recovery_shares: 2, recovery_threshold: 2, recovery_pgp_keys: [a.base64Public, a.base64Public] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const shares = await Promise.all((r.body.recovery_keys_base64 as string[]).map((k) => gpgDecrypt(a, k)));
    assert.equal((await api(s, 'PUT', 'sys/seal', { token: r.body.root_token })).status, 204);
    await api(s, 'PUT', 'sys/unseal', { body: { key: shares[0] } });
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: shares[1] } })).body.sealed, false);
  });

  it('an all-encrypted init answer is kept until the first unseal (sys/init/response), so a client killed before storing it loses nothing', async (t) => {
    const s = await startTestServer({ dev: false });
    t.after(() => s.close());
    const a = await testPgpKey('alice');
    assert.equal((await api(s, 'GET', 'sys/init/response')).status, 404, 'nothing before init');
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 2, secret_threshold: 2, pgp_keys: [a.base64Public, a.base64Public], root_token_pgp_key: a.base64Public } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const kept = await api(s, 'GET', 'sys/init/response');
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.deepEqual(kept.body, r.body, 'the same ciphertexts, byte for byte');
    const shares = await Promise.all((kept.body.keys_base64 as string[]).map((k) => gpgDecrypt(a, k)));
    await api(s, 'PUT', 'sys/unseal', { body: { key: shares[0] } });
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: shares[1] } })).body.sealed, false);
    assert.equal((await api(s, 'GET', 'sys/init/response')).status, 404, 'gone once the barrier was unsealed');
  });

  it('an init answer with any plaintext in it is never kept', async (t) => {
    const s = await startTestServer({ dev: false });
    t.after(() => s.close());
    const a = await testPgpKey('alice');
    // Shares encrypted, root token not: the token must not sit in storage.
    const r = await api(s, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1, pgp_keys: [a.base64Public] } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await api(s, 'GET', 'sys/init/response')).status, 404);
  });
});
