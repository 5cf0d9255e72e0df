/**
 * Finding 2 of issue 14: key generation must not hold the event loop. Each case runs a
 * real `bin/ward server -dev` process, starts an RSA-8192 key generation through the API
 * and then asks `sys/health` a number of times, one request after another. While the key
 * is being generated the server must keep answering: every health answer has to arrive
 * while the key request is still pending.
 *
 * Why this is an ordering test and not a stopwatch: a key generation that runs on the
 * event loop answers nothing until it ends, and the key request completes a millisecond
 * or two after that, far too soon for HEALTH_ROUNDS sequential round trips. Off the loop,
 * an 8192-bit generation takes seconds, during which the rounds complete. The server is
 * killed afterwards, so the suite does not wait for the keys themselves.
 *
 * `root/generate` shares its key generation with `intermediate/generate` (createCaKey) but
 * then signs twice with the new key (certificate and CRL) on the threadpool, which leaves
 * the loop free for long enough to answer every round even when the generation itself
 * blocked; it is covered by the unit test of generateKey in src/secrets/pki/ instead.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';

const TOKEN = 'keygen-root';
const HEALTH_ROUNDS = 20;

interface Pending {
  settled: boolean;
  status: number;
  done: Promise<void>;
}

async function call(p: WardProcess, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${p.url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function ok(p: WardProcess, method: string, path: string, body?: unknown): Promise<void> {
  const r = await call(p, method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
}

/** Starts a request and records when it completes, without waiting for it. */
function start(p: WardProcess, method: string, path: string, body?: unknown): Pending {
  const pending: Pending = { settled: false, status: 0, done: Promise.resolve() };
  pending.done = call(p, method, path, body).then(
    (r) => {
      pending.status = r.status;
      pending.settled = true;
    },
    () => {
      pending.settled = true;
    },
  );
  return pending;
}

/** Asks sys/health `rounds` times in sequence; each answer must come while `job` is still pending. */
async function healthWhilePending(p: WardProcess, job: Pending, what: string, rounds = HEALTH_ROUNDS): Promise<void> {
  for (let i = 1; i <= rounds; i++) {
    const res = await fetch(`${p.url}/v1/sys/health`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    assert.equal(job.settled, false, `${what} completed (status ${job.status}) before sys/health had answered ${rounds} times (only ${i - 1} answers came first): the request held the event loop`);
  }
}

async function devServer(): Promise<WardProcess> {
  const port = await freePort();
  const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem', `-dev-root-token-id=${TOKEN}`, '-log-level=error'], `http://127.0.0.1:${port}`);
  await waitForHealth(p);
  return p;
}

/** A PKI mount with a cheap EC root (so signing after key generation is quick) and roles. */
async function pkiMount(p: WardProcess): Promise<void> {
  await ok(p, 'POST', 'sys/mounts/pki', { type: 'pki' });
  await ok(p, 'POST', 'pki/root/generate/internal', { common_name: 'Loop Root', key_type: 'ec', key_bits: 256 });
  await ok(p, 'POST', 'pki/roles/big', { allow_any_name: true, key_type: 'rsa', key_bits: 8192, no_store: true });
}

describe('key generation runs off the event loop', () => {
  let p: WardProcess | null = null;
  afterEach(async () => {
    await p?.kill();
    p = null;
  });

  it('pki/issue with an RSA-8192 role: sys/health answers while the key is generated', async () => {
    p = await devServer();
    await pkiMount(p);
    const issue = start(p, 'POST', 'pki/issue/big', { common_name: 'big.example.com' });
    await healthWhilePending(p, issue, 'pki/issue/big');
  });

  it('pki/intermediate/generate/internal with key_bits 8192: sys/health answers while the key is generated', async () => {
    p = await devServer();
    await ok(p, 'POST', 'sys/mounts/pki3', { type: 'pki' });
    const gen = start(p, 'POST', 'pki3/intermediate/generate/internal', { common_name: 'Big Intermediate', key_type: 'rsa', key_bits: 8192 });
    await healthWhilePending(p, gen, 'pki3/intermediate/generate/internal');
  });

  it('transit keys/:name with type rsa-4096: sys/health answers while the key is generated', async () => {
    // Transit's largest type is rsa-4096 (as in Vault); its generation takes well under a
    // second, so fewer rounds fit in it. This case guards against a regression to a
    // synchronous generator rather than proving much about 4096 on its own.
    p = await devServer();
    await ok(p, 'POST', 'sys/mounts/transit', { type: 'transit' });
    const create = start(p, 'POST', 'transit/keys/big', { type: 'rsa-4096' });
    await healthWhilePending(p, create, 'transit/keys/big', 5);
  });

  it('transit batch sign with an rsa-4096 key: sys/health answers between the items', async () => {
    // Each RSA-4096 signature takes milliseconds of CPU on the loop; a batch of them in
    // one turn held it for seconds (200 items: 4.3 s measured).
    p = await devServer();
    await ok(p, 'POST', 'sys/mounts/transit', { type: 'transit' });
    await ok(p, 'POST', 'transit/keys/signer', { type: 'rsa-4096' });
    const items = Array.from({ length: 100 }, (_, i) => ({ input: Buffer.from(`message ${i}`).toString('base64') }));
    const sign = start(p, 'POST', 'transit/sign/signer', { batch_input: items });
    await healthWhilePending(p, sign, 'transit/sign/signer with 100 items');
    await sign.done;
    assert.equal(sign.status, 200);
  });

  it('five concurrent RSA-8192 issuances leave the libuv threadpool to a userpass login', async () => {
    // libuv has four threads by default. Were every key generation to take one, the
    // fifth and the login's scrypt would queue behind them until a key was done.
    p = await devServer();
    await pkiMount(p);
    await ok(p, 'POST', 'sys/auth/userpass', { type: 'userpass' });
    await ok(p, 'POST', 'auth/userpass/users/alice', { password: 'correct horse', token_policies: 'default' });
    const issues = Array.from({ length: 5 }, (_, i) => start(p as WardProcess, 'POST', 'pki/issue/big', { common_name: `big${i}.example.com` }));
    // Three logins in a row: the first could squeeze into a thread freed by a finished
    // key, the later ones would then queue behind that issuance's signing.
    for (let i = 1; i <= 3; i++) {
      const login = start(p, 'POST', 'auth/userpass/login/alice', { password: 'correct horse' });
      await Promise.race([login.done, ...issues.map((j) => j.done)]);
      assert.equal(login.settled, true, `an issuance completed before login ${i} answered`);
      assert.equal(login.status, 200);
      assert.deepEqual(
        issues.map((j) => j.settled),
        [false, false, false, false, false],
        `an issuance completed before login ${i}`,
      );
    }
  });
});
