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
});
