import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { freePort, inEphemeralRange } from './net.js';

describe('freePort', () => {
  it('gives bindable loopback ports outside the ephemeral range, so outgoing connections cannot take them first', async () => {
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      assert.ok(!inEphemeralRange(port), `port ${port} is in the ephemeral range`);
      await new Promise<void>((resolve, reject) => {
        const srv = createServer().once('error', reject);
        srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
      });
    }
  });

  it('never hands out the same port twice in a process, even when none of them was bound yet', async () => {
    // An etcd cluster asks for six ports before any member binds one; in CI two of them
    // came back equal ("initial cluster ... has duplicate url"). 1,500 picks from the
    // ~12,000-port range would repeat one almost surely if picks were independent.
    const seen = new Set<number>();
    for (let i = 0; i < 1500; i++) {
      const port = await freePort();
      assert.ok(!seen.has(port), `port ${port} handed out twice (pick ${i})`);
      seen.add(port);
    }
  });
});
