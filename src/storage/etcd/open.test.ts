import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ETCD, startEtcd } from '../../../test/helpers/etcd.js';
import { freePort } from '../../../test/helpers/net.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { StoreLogger } from './client-options.js';
import { openEtcdStore } from './open.js';
import { testOptions } from './test-store.js';

interface Line {
  msg: string;
  fields: Record<string, unknown>;
}

function recorder(): { logger: StoreLogger; errors: Line[] } {
  const errors: Line[] = [];
  return { errors, logger: { error: (msg, fields = {}) => errors.push({ msg, fields }), warn: () => undefined, debug: () => undefined } };
}

describe('opening etcd storage', { skip: skipUnless(ETCD) }, () => {
  test('an unreachable etcd at open is logged with its address and cause, retried, and used once it comes up', async () => {
    const port = await freePort();
    const address = `http://127.0.0.1:${port}`;
    const { logger, errors } = recorder();
    const opening = openEtcdStore(testOptions(address, { requestTimeoutMs: 1000 }), { logger, retryDelayMs: () => 200 });
    let settled = false;
    void opening.then(() => (settled = true), () => (settled = true));
    await waitFor('two logged connection failures', () => errors.length >= 2, { timeoutMs: 20_000 });
    assert.equal(settled, false, 'open gave up instead of retrying');
    assert.match(errors[0]!.msg, /cannot reach etcd storage; retrying/);
    assert.equal(errors[0]!.fields.address, address);
    assert.match(String(errors[0]!.fields.error), /\S/);
    const etcd = await startEtcd(1, { clientPorts: [port] });
    try {
      const store = await opening;
      await store.put('k', Buffer.from('v'));
      assert.equal((await store.get('k'))?.toString(), 'v');
      await store.close();
    } finally {
      await etcd.stop();
    }
  });

  test('aborting stops the retrying with an AbortError', async () => {
    const port = await freePort();
    const { logger, errors } = recorder();
    const ac = new AbortController();
    const opening = openEtcdStore(testOptions(`http://127.0.0.1:${port}`, { requestTimeoutMs: 1000 }), { logger, signal: ac.signal, retryDelayMs: () => 60_000 });
    await waitFor('a logged connection failure', () => errors.length >= 1, { timeoutMs: 20_000 });
    ac.abort();
    await assert.rejects(opening, (e: Error) => e.name === 'AbortError' && e.message.includes(`127.0.0.1:${port}`));
  });

  test('credentials in an address never reach the log', async () => {
    const port = await freePort();
    const { logger, errors } = recorder();
    const ac = new AbortController();
    const opening = openEtcdStore(testOptions(`http://ward:pa55word@127.0.0.1:${port}`, { requestTimeoutMs: 1000, username: 'ward', password: 'pa55word' }), { logger, signal: ac.signal, retryDelayMs: () => 100 });
    await waitFor('a logged connection failure', () => errors.length >= 1, { timeoutMs: 20_000 });
    ac.abort();
    await assert.rejects(opening);
    const logged = JSON.stringify(errors);
    assert.ok(!logged.includes('pa55word'), logged);
    assert.match(logged, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
  });
});
