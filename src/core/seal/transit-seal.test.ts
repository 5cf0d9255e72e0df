/**
 * The transit seal against a real in-process Ward serving transit: wrap/unwrap through
 * encrypt/decrypt with a token scoped like Vault's autounseal policy, the errors an
 * operator sees, and token renewal.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../sdk/logical.js';
import { api, startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { freePort } from '../../../test/helpers/net.js';
import { SealError } from './auto-seal.js';
import type { TransitSealSpec } from './spec.js';
import { TransitSeal } from './transit-seal.js';
import type { RenewerTimers } from './token-renewer.js';

const POLICY = 'path "transit/encrypt/autounseal" { capabilities = ["update"] }\npath "transit/decrypt/autounseal" { capabilities = ["update"] }\n';

describe('TransitSeal', () => {
  let s: TestServer;
  let token = '';
  const spec = (o: Partial<TransitSealSpec> = {}): TransitSealSpec => ({
    type: 'transit', address: s.url, token, keyName: 'autounseal', mountPath: 'transit', disableRenewal: true, tlsSkipVerify: false, ...o,
  });

  before(async () => {
    s = await startTestServer();
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/mounts/transit', { ...root, body: { type: 'transit' } })).status, 204);
    assert.equal((await api(s, 'POST', 'transit/keys/autounseal', root)).status, 200);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/autounseal', { ...root, body: { policy: POLICY } })).status, 204);
    const t = await api(s, 'POST', 'auth/token/create', { ...root, body: { policies: ['autounseal'], ttl: '1h', renewable: true } });
    token = t.body.auth.client_token;
  });
  after(async () => {
    await s.close();
  });

  test('wraps with the transit key and unwraps to the same bytes', async () => {
    const seal = new TransitSeal(spec());
    const secret = randomBytes(32);
    const w = await seal.wrap(secret);
    assert.equal(w.seal, 'transit');
    assert.equal(w.key_id, 'autounseal');
    assert.match(w.ciphertext, /^vault:v1:/);
    assert.deepEqual(await seal.unwrap(w), secret);
    seal.stop();
  });

  test('a key name the token may not use is a clear, non-retryable error', async () => {
    const seal = new TransitSeal(spec({ keyName: 'nope' }));
    await assert.rejects(seal.wrap(randomBytes(32)), (e: unknown) =>
      e instanceof SealError && !e.retryable && /transit seal: encrypt with key "nope" on mount "transit" at http:\/\/127\.0\.0\.1:\d+ failed: permission denied/.test(e.message));
    seal.stop();
  });

  test('a missing key (token allowed to use it) says "encryption key not found"', async () => {
    const w = await new TransitSeal(spec()).wrap(randomBytes(32));
    const seal = new TransitSeal(spec({ token: s.rootToken, keyName: 'missing' }));
    await assert.rejects(seal.unwrap(w), (e: unknown) => e instanceof SealError && !e.retryable && /decrypt with key "missing".*encryption key not found \(HTTP 400\)/.test(e.message));
    seal.stop();
  });

  test('an unreachable server is a retryable error naming the address, never the token', async () => {
    const port = await freePort();
    const seal = new TransitSeal(spec({ address: `http://127.0.0.1:${port}` }));
    await assert.rejects(seal.wrap(randomBytes(32)), (e: unknown) =>
      e instanceof SealError && e.retryable && e.message.includes(`http://127.0.0.1:${port}`) && /connection refused/.test(e.message) && !e.message.includes(token));
    seal.stop();
  });

  test('credentials in the address never reach the error', async () => {
    const port = await freePort();
    const seal = new TransitSeal(spec({ address: `http://admin:pa55word@127.0.0.1:${port}` }));
    await assert.rejects(seal.wrap(randomBytes(32)), (e: unknown) => e instanceof SealError && !e.message.includes('pa55word') && e.message.includes('[redacted]@127.0.0.1'));
    seal.stop();
  });

  test('renews its token at start and schedules the next renewal, unless disable_renewal', async () => {
    const pending: (() => void)[] = [];
    const timers: RenewerTimers = { setTimeout: (fn) => pending.push(fn), clearTimeout: () => undefined };
    const lookup = async () => (await api(s, 'GET', 'auth/token/lookup-self', { token })).body.data;
    const disabled = new TransitSeal(spec({ disableRenewal: true }), timers);
    disabled.start(silentLogger);
    assert.equal(pending.length, 0);

    const before = await lookup();
    assert.equal(before.last_renewal_time ?? null, null);
    const seal = new TransitSeal(spec({ disableRenewal: false }), timers);
    seal.start(silentLogger);
    assert.equal(pending.length, 1, 'renews once at start');
    pending.shift()!();
    const renewed = await waitUntil(async () => ((await lookup()).last_renewal_time ? true : undefined));
    assert.ok(renewed);
    await waitUntil(async () => (pending.length === 1 ? true : undefined)); // the next renewal is scheduled
    seal.stop();
  });
});

async function waitUntil<T>(check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
