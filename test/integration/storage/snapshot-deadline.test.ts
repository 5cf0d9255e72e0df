/**
 * A snapshot's save and restore take as long as the store is large: max_request_duration
 * (which answers 500 "context deadline exceeded") does not cut them off. Other requests
 * keep their deadline.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WardCore } from '../../../src/core/core.js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { devBootstrap } from '../../../src/server/dev.js';
import { InmemPhysical } from '../../../src/storage/inmem/inmem-physical.js';

const DEADLINE_MS = 300;
const core = new WardCore({ physical: new InmemPhysical(), logger: silentLogger });
const dev = await devBootstrap(core);
const listener = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger, maxRequestDurationMs: DEADLINE_MS }));
after(async () => {
  await listener.close();
  await core.shutdown();
});
const headers = { 'X-Vault-Token': dev.rootToken };

test('other requests keep the deadline (the control for the test above)', async () => {
  // The same slow body to an ordinary endpoint is cut off by the deadline. (The first
  // chunk goes at once: fetch sends nothing, not even the headers, before it.)
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(Buffer.from('{'));
        return;
      }
      await new Promise((r) => setTimeout(r, 2 * DEADLINE_MS));
      controller.enqueue(Buffer.from('}'));
      controller.close();
    },
  });
  const res = await fetch(`${listener.url}/v1/sys/policies/acl/x`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit).catch((e: unknown) => e);
  if (res instanceof Response) {
    assert.equal(res.status, 500);
    assert.match(await res.text(), /context deadline exceeded/);
  } else {
    assert.ok(res instanceof Error, String(res)); // the connection was closed after the 500
  }
});

test('a restore uploaded more slowly than max_request_duration still completes', async () => {
  const snap = Buffer.from(await (await fetch(`${listener.url}/v1/sys/storage/snapshot`, { headers })).arrayBuffer());
  const half = Math.floor(snap.length / 2);
  let sent = false;
  // Half the snapshot, then the rest after twice the deadline.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(snap.subarray(0, half));
        return;
      }
      await new Promise((r) => setTimeout(r, 2 * DEADLINE_MS));
      controller.enqueue(snap.subarray(half));
      controller.close();
    },
  });
  const res = await fetch(`${listener.url}/v1/sys/storage/snapshot`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
  assert.equal(res.status, 204, await res.text());
  assert.equal((await core.sealStatus()).sealed, true);
});

