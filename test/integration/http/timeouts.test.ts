/**
 * Issue 14, finding 8: slow clients. Vault's listener timeouts (http_read_header_timeout
 * 10 s, http_read_timeout 30 s, http_write_timeout none, http_idle_timeout 5 min) and
 * max_request_duration (90 s) bound how long a connection or a request can be held.
 * Tests configure short values and wait with a deadline far below the old 65-70 s.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler } from '../../../src/http/handler.js';
import { httpTimeouts, startListener, type ListenerConfig } from '../../../src/http/listener.js';
import { FakeCore, result } from '../../../src/http/fake-core.test-helper.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { exchange, req } from './wire.js';

const ok = (_req: IncomingMessage, res: ServerResponse): void => {
  res.end('ok');
};

async function withListener(cfg: Partial<ListenerConfig>, handler: (req: IncomingMessage, res: ServerResponse) => void, fn: (url: string) => Promise<void>): Promise<void> {
  const l = await startListener({ address: '127.0.0.1:0', tlsDisable: true, ...cfg }, handler);
  try {
    await fn(l.url);
  } finally {
    await l.close(500);
  }
}

describe('listener timeouts', () => {
  it("uses Vault's defaults and checks them often enough", async () => {
    assert.deepEqual(httpTimeouts({ address: ':0', tlsDisable: true }), { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 300_000, checkEvery: 1000 });
    const l = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, ok);
    try {
      assert.equal(l.server.headersTimeout, 10_000);
      assert.equal(l.server.requestTimeout, 30_000);
      assert.equal(l.server.keepAliveTimeout, 300_000);
    } finally {
      await l.close(500);
    }
    // Go: a zero header timeout falls back to the read timeout, a zero idle timeout too.
    assert.deepEqual(httpTimeouts({ address: ':0', tlsDisable: true, httpReadHeaderTimeoutMs: 0, httpIdleTimeoutMs: 0, httpReadTimeoutMs: 4000 }), {
      headersTimeout: 4000,
      requestTimeout: 4000,
      keepAliveTimeout: 4000,
      checkEvery: 400,
    });
    assert.equal(httpTimeouts({ address: ':0', tlsDisable: true, httpReadHeaderTimeoutMs: 60_000 }).headersTimeout, 30_000);
  });

  it('http_read_header_timeout: a client that never finishes its headers gets 408 and a close', async () => {
    await withListener({ httpReadHeaderTimeoutMs: 500 }, ok, async (url) => {
      const partial = await exchange(url, ['GET /v1/x HTTP/1.1\r\nHost: h\r\n'], { timeoutMs: 8000 });
      assert.ok(partial.closed, 'closed by the server');
      assert.equal(partial.responses[0]?.status, 408);
      // A client that connects and sends nothing is closed too.
      const silent = await exchange(url, [], { timeoutMs: 8000 });
      assert.ok(silent.closed);
    });
  });

  it('http_read_timeout: a body that stops arriving gets 408 and a close', async () => {
    const core = new FakeCore();
    await withListener({ httpReadHeaderTimeoutMs: 500, httpReadTimeoutMs: 800 }, createHandler(core, { logger: silentLogger }), async (url) => {
      const x = await exchange(url, ['POST /v1/secret/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"a"'], { timeoutMs: 8000 });
      assert.ok(x.closed);
      assert.equal(x.responses[0]?.status, 408, JSON.stringify(x));
      assert.deepEqual(JSON.parse(x.responses[0]?.body ?? ''), { errors: ['request timed out'] });
      assert.equal(core.inputs.length, 0);
    });
  });

  it('http_idle_timeout: an idle keep-alive connection is closed', async () => {
    await withListener({ httpIdleTimeoutMs: 300 }, ok, async (url) => {
      const u = new URL(url);
      const closed = await new Promise<{ answered: boolean }>((resolve, reject) => {
        const sock = connect(Number(u.port), u.hostname, () => sock.write(req('GET', '/v1/x')));
        let answered = false;
        sock.on('data', () => (answered = true));
        sock.on('close', () => resolve({ answered }));
        sock.on('error', reject);
        setTimeout(() => reject(new Error('idle connection still open after 8 s')), 8000).unref();
      });
      assert.ok(closed.answered);
    });
  });

  it('the timeouts hold on a connection switched to the framing tracker (at a LIST) too', async () => {
    // Idle 1 s: the unfinished second request goes 40 ms after the LIST, and must reach the
    // server before the idle close (with 300 ms, a test process stalled for a quarter second
    // saw the connection closed idle instead of the 408).
    await withListener({ httpIdleTimeoutMs: 1000, httpReadHeaderTimeoutMs: 500 }, ok, async (url) => {
      // Idle after a LIST: closed.
      const idle = await exchange(url, [req('LIST', '/v1/x')], { timeoutMs: 8000 });
      assert.equal(idle.responses[0]?.status, 200);
      assert.ok(idle.closed, 'closed by the idle timeout');
      // Headers that never finish after a LIST: 408, then closed.
      const partial = await exchange(url, [req('LIST', '/v1/x'), 'GET /v1/y HTTP/1.1\r\nHost: h\r\n'], { timeoutMs: 8000 });
      assert.deepEqual(
        partial.responses.map((r) => r.status),
        [200, 408],
        JSON.stringify(partial),
      );
      assert.ok(partial.closed);
    });
  });

  it('http_write_timeout: a response not finished in time loses its connection', async () => {
    const hang = (_req: IncomingMessage, res: ServerResponse): void => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('12345');
    };
    await withListener({ httpWriteTimeoutMs: 300 }, hang, async (url) => {
      const x = await exchange(url, [req('GET', '/v1/x')], { timeoutMs: 8000 });
      assert.ok(x.closed, 'closed before the 8 s deadline');
      assert.equal(x.responses.length, 0, 'the half-written response never completes');
    });
  });

  it("max_request_duration: an unanswered request gets Vault's 500 and a close; others are unaffected", async () => {
    const core = new FakeCore();
    core.answer = (i) => (i.path === 'slow' ? new Promise(() => {}) : result(i, { data: { ok: true } }));
    await withListener({}, createHandler(core, { logger: silentLogger, maxRequestDurationMs: 300 }), async (url) => {
      const fast = await exchange(url, [req('GET', '/v1/fast')], { expect: 1 });
      assert.equal(fast.responses[0]?.status, 200);
      assert.equal(fast.responses[0]?.headers['connection'], 'keep-alive');
      const slow = await exchange(url, [req('GET', '/v1/slow')], { timeoutMs: 8000 });
      assert.equal(slow.responses[0]?.status, 500, JSON.stringify(slow));
      assert.deepEqual(JSON.parse(slow.responses[0]?.body ?? ''), { errors: ['context deadline exceeded'] });
      assert.ok(slow.closed);
    });
  });
});
