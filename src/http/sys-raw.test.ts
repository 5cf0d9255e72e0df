import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler } from './handler.js';
import { startListener, type Listener } from './listener.js';
import { FakeCore } from './fake-core.test-helper.js';
import { silentLogger } from '../sdk/logical.js';
import { sealedError } from '../sdk/errors.js';
import { gpgDecrypt, openpgpDecrypt, testPgpKey } from '../../test/helpers/pgp.js';

describe('raw sys endpoints', () => {
  const core = new FakeCore();
  let l: Listener;
  const req = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${l.url}/v1/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  before(async () => {
    l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));
  });
  after(() => l.close(1000));

  it('sys/init: GET status, PUT validates and initialises', async () => {
    assert.deepEqual((await req('GET', 'sys/init')).json(), { initialized: false });
    for (const bad of [
      { secret_shares: 'five', secret_threshold: 3 },
      { secret_shares: 1.5, secret_threshold: 1 },
      { secret_shares: 3, secret_threshold: 5 },
      { secret_shares: 0, secret_threshold: 0 },
      { secret_shares: 256, secret_threshold: 2 },
      { secret_shares: 3, secret_threshold: 1 },
    ]) {
      const r = await req('PUT', 'sys/init', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.equal(core.initCalls.length, 0);
    // What the Go client sends: zero-valued extras included.
    const r = await req('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3, stored_shares: 0, pgp_keys: null, recovery_shares: 0, recovery_threshold: 0, recovery_pgp_keys: null, root_token_pgp_key: '' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { keys: ['aa'], keys_base64: ['qg=='], root_token: 'hvs.root' });
    assert.deepEqual(core.initCalls, [[5, 3]]);
    const again = await req('POST', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(again.status, 400);
    assert.deepEqual(again.json(), { errors: ['Vault is already initialized'] });
    assert.equal((await req('DELETE', 'sys/init')).status, 405);
  });

  it('sys/init with pgp_keys and root_token_pgp_key: each share and the token come back encrypted, as Vault', async () => {
    const fresh = new FakeCore();
    const own = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(fresh, { logger: silentLogger }));
    try {
      const put = async (body: unknown) => {
        const r = await fetch(`${own.url}/v1/sys/init`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, json: (await r.json()) as Record<string, unknown> };
      };
      const op = await testPgpKey('operator');
      const root = await testPgpKey('root');
      // Refused before anything is generated: count mismatch, undecodable and unparsable keys.
      const cases: [unknown, string][] = [
        // Vault's texts: SealConfig.Validate's, wrapped by core.Initialize.
        [{ secret_shares: 3, secret_threshold: 2, pgp_keys: [op.base64Public, op.base64Public] }, 'invalid seal configuration: count mismatch between number of provided PGP keys and number of shares'],
        [{ secret_shares: 1, secret_threshold: 1, pgp_keys: ['not base64!'] }, 'invalid seal configuration: error decoding given PGP key: illegal base64 data'],
        [{ secret_shares: 1, secret_threshold: 1, pgp_keys: [Buffer.from('no key here').toString('base64')] }, 'invalid seal configuration: error parsing given PGP key'],
        [{ secret_shares: 1, secret_threshold: 1, pgp_keys: 'one' }, 'pgp_keys must be a list of strings'],
        [{ secret_shares: 1, secret_threshold: 1, root_token_pgp_key: 'bm9wZQ==' }, 'error parsing given PGP key'],
      ];
      for (const [body, text] of cases) {
        const r = await put(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match((r.json['errors'] as string[])[0]!, new RegExp('^' + text), JSON.stringify(body));
      }
      assert.equal(fresh.initCalls.length, 0);
      // Base64 binary (as the vault CLI sends) and armored keys are both accepted.
      const r = await put({ secret_shares: 1, secret_threshold: 1, pgp_keys: [op.armoredPublic], root_token_pgp_key: root.base64Public });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const keys = r.json['keys'] as string[];
      const b64 = r.json['keys_base64'] as string[];
      assert.equal(keys.length, 1);
      // `keys` is the hex of the same OpenPGP message `keys_base64` carries.
      assert.deepEqual(Buffer.from(keys[0]!, 'hex'), Buffer.from(b64[0]!, 'base64'));
      // The plaintext is the share in hex (the fake core's share is 0xaa), as `vault operator unseal` takes it.
      assert.equal(await openpgpDecrypt(op, Buffer.from(b64[0]!, 'base64')), 'aa');
      assert.equal(await gpgDecrypt(op, b64[0]!), 'aa');
      const token = r.json['root_token'] as string;
      assert.notEqual(token, 'hvs.root');
      assert.equal(await gpgDecrypt(root, token), 'hvs.root');
      await assert.rejects(openpgpDecrypt(op, Buffer.from(token, 'base64')), 'the token is encrypted to its own key only');
    } finally {
      await own.close(1000);
    }
  });

  it('sys/seal-status and sys/leader answer raw JSON', async () => {
    const s = await req('GET', 'sys/seal-status');
    assert.equal(s.status, 200);
    assert.equal(s.json()['type'], 'shamir');
    assert.equal(s.json()['request_id'], undefined, 'no envelope');
    const ld = await req('GET', 'sys/leader');
    assert.equal(ld.json()['ha_enabled'], false);
    assert.equal((await req('PUT', 'sys/seal-status')).status, 405);
  });

  it('sys/unseal matches body keys case-insensitively and validates them', async () => {
    const r = await req('PUT', 'sys/unseal', { Key: 'abcd' });
    assert.equal(r.status, 200);
    assert.deepEqual(core.unsealCalls.at(-1), ['abcd', false]);
    await req('POST', 'sys/unseal', { RESET: true });
    assert.deepEqual(core.unsealCalls.at(-1), [undefined, true]);
    assert.equal((await req('PUT', 'sys/unseal', {})).status, 400);
    const bad = await req('PUT', 'sys/unseal', { key: 'not hex or base64!' });
    assert.deepEqual(bad.json(), { errors: ["'key' must be a valid hex or base64 string"] });
    assert.equal((await req('PUT', 'sys/unseal', { key: 'abcd', reset: 'yes' })).status, 400);
    assert.equal((await req('PUT', 'sys/unseal', '{broken')).status, 400);
    assert.equal((await req('GET', 'sys/unseal')).status, 405);
  });

  it('sys/health default codes follow the precedence', async () => {
    core.initialized = false;
    assert.equal((await req('GET', 'sys/health')).status, 501);
    core.initialized = true;
    core.sealed = true;
    const sealed = await req('GET', 'sys/health');
    assert.equal(sealed.status, 503);
    assert.equal(sealed.json()['standby'], true);
    core.sealed = false;
    core.standby = true;
    assert.equal((await req('GET', 'sys/health')).status, 429);
    assert.equal((await req('GET', 'sys/health?standbyok=true')).status, 200);
    core.perfStandby = true;
    assert.equal((await req('GET', 'sys/health?standbyok=true')).status, 473);
    assert.equal((await req('GET', 'sys/health?perfstandbyok=true')).status, 200);
    core.perfStandby = false;
    core.drMode = 'secondary';
    assert.equal((await req('GET', 'sys/health?standbyok=true')).status, 472);
    core.drMode = 'disabled';
    core.standby = false;
    const ok = await req('GET', 'sys/health');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    assert.equal(ok.json()['initialized'], true);
  });

  it('sys/health honours code overrides, HEAD and rejects bad values', async () => {
    core.sealed = true;
    const go = 'standbycode=299&sealedcode=299&uninitcode=299&drsecondarycode=299&performancestandbycode=299&removedcode=299&haunhealthycode=299';
    assert.equal((await req('GET', `sys/health?${go}`)).status, 299);
    core.sealed = false;
    assert.equal((await req('GET', 'sys/health?activecode=204')).status, 204);
    const head = await req('HEAD', 'sys/health?activecode=218');
    assert.equal(head.status, 218);
    assert.equal(head.text, '');
    for (const q of ['activecode=abc', 'sealedcode=99', 'standbycode=1000', 'standbyok=maybe', 'perfstandbyok=']) {
      const r = await req('GET', `sys/health?${q}`);
      assert.equal(r.status, 400, q);
      assert.ok((r.json()['errors'] as string[]).length === 1);
    }
    assert.equal((await req('POST', 'sys/health')).status, 405);
  });

  it('errors from the core render through the error path', async () => {
    const orig = core.sealStatus.bind(core);
    core.sealStatus = () => Promise.reject(sealedError());
    try {
      const r = await req('GET', 'sys/seal-status');
      assert.equal(r.status, 503);
      assert.deepEqual(r.json(), { errors: ['Vault is sealed'] });
    } finally {
      core.sealStatus = orig;
    }
  });
});
