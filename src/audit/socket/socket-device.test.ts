import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { createSocketDevice } from './socket-device.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { freePort } from '../../../test/helpers/net.js';
import { waitFor } from '../../../test/helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-socket-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What a test started, released after it whether it passed or not (idempotent closes). */
const started: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of started.splice(0).reverse()) await stop();
});
const dev = async (options: Record<string, string>) => {
  const d = await createSocketDevice(options);
  started.push(() => d.close());
  return d;
};

/** A stream listener that records what each accepted connection sent. */
interface Collector {
  server: Server;
  conns: Socket[];
  /** Text per connection, in accept order. */
  received: string[];
  close(): Promise<void>;
}

function collect(listen: (s: Server) => void, read = true): Promise<Collector> {
  const c: Collector = {
    server: createServer((sock) => {
      const i = c.conns.push(sock) - 1;
      c.received[i] = '';
      sock.on('error', () => undefined);
      if (read) sock.on('data', (d) => (c.received[i] += d.toString('utf8')));
      else sock.pause();
    }),
    conns: [],
    received: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of c.conns) s.destroy();
        c.server.close(() => resolve());
      }),
  };
  let closed = false;
  const close = c.close;
  c.close = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  started.push(() => c.close());
  return new Promise((resolve, reject) => {
    c.server.once('error', reject);
    c.server.once('listening', () => resolve(c));
    listen(c.server);
  });
}

const tcpCollector = async (read = true): Promise<{ c: Collector; port: number }> => {
  const port = await freePort();
  const c = await collect((s) => s.listen(port, '127.0.0.1'), read);
  return { c, port };
};

describe('socket audit device', () => {
  it('tcp: writes prefixed lines in order on one connection', async () => {
    const { c, port } = await tcpCollector();
    const d = await dev({ address: `127.0.0.1:${port}`, prefix: 'AUDIT ' });
    await d.write('{"a":1}');
    await Promise.all([d.write('{"b":2}'), d.write('{"c":3}')]);
    await waitFor('three lines', () => c.received[0]?.split('\n').length === 4);
    assert.equal(c.received[0], 'AUDIT {"a":1}\nAUDIT {"b":2}\nAUDIT {"c":3}\n');
    assert.equal(c.conns.length, 1);
    await d.close();
    await c.close();
  });

  it('tcp: reconnects after the peer closed the connection, losing nothing', async () => {
    const { c, port } = await tcpCollector();
    const d = await dev({ address: `127.0.0.1:${port}` });
    await d.write('one');
    await waitFor('the first line', () => c.received[0] === 'one\n');
    c.conns[0]!.end();
    await waitFor('the device to see the close', () => !d.connected);
    await d.write('two');
    await waitFor('the second line on a new connection', () => c.received[1] === 'two\n');
    await d.close();
    await c.close();
  });

  it('tcp: a write fails while nobody listens and succeeds once the peer is back', async () => {
    const { c, port } = await tcpCollector();
    const d = await dev({ address: `127.0.0.1:${port}`, write_timeout: '1s' });
    await c.close();
    await waitFor('the device to see the close', () => !d.connected);
    await assert.rejects(d.write('lost'), /error writing to socket: .*ECONNREFUSED/);
    const back = await collect((s) => s.listen(port, '127.0.0.1'));
    await d.write('back');
    await waitFor('the line after recovery', () => back.received[0] === 'back\n');
    await d.close();
    await back.close();
  });

  it('tcp: a write that cannot complete within write_timeout fails, and the next one reconnects', async () => {
    const { c, port } = await tcpCollector(false);
    const d = await dev({ address: `127.0.0.1:${port}`, write_timeout: '200ms' });
    // Far more than the kernel buffers for a peer that never reads.
    const big = 'x'.repeat(64 * 1024 * 1024);
    await assert.rejects(d.write(big), /error writing to socket: .*write timed out after 200ms/);
    await waitFor('a fresh connection attempt', () => c.conns.length >= 2);
    await d.close();
    await c.close();
  });

  it('reopen() reconnects (SIGHUP)', async () => {
    const { c, port } = await tcpCollector();
    const d = await dev({ address: `127.0.0.1:${port}` });
    await d.write('a');
    await d.reopen();
    await d.write('b');
    await waitFor('two connections with one line each', () => c.received[0] === 'a\n' && c.received[1] === 'b\n');
    await d.close();
    await c.close();
  });

  it('unix: writes to a unix stream socket', async () => {
    const path = join(dir, 'audit.sock');
    const c = await collect((s) => s.listen(path));
    const d = await dev({ address: path, socket_type: 'unix' });
    await d.write('{"u":1}');
    await waitFor('the line', () => c.received[0] === '{"u":1}\n');
    await d.close();
    await c.close();
  });

  it('udp: one datagram per record', async () => {
    const rx: UdpSocket = createSocket('udp4');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString('utf8')));
    started.push(() => {
      try {
        rx.close();
      } catch {
        // Closed by the test already.
      }
    });
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
    const d = await dev({ address: `127.0.0.1:${rx.address().port}`, socket_type: 'udp' });
    await Promise.all([d.write('{"d":1}'), d.write('{"d":2}')]);
    await waitFor('two datagrams', () => got.length === 2);
    assert.deepEqual(got, ['{"d":1}\n', '{"d":2}\n']);
    await d.close();
    rx.close();
  });

  it('refuses to enable when the address does not answer, with a 400 naming it', async () => {
    const port = await freePort();
    await rejectsWard(createSocketDevice({ address: `127.0.0.1:${port}` }), 400, new RegExp(`error connecting to "tcp" address "127.0.0.1:${port}": .*ECONNREFUSED`));
    await rejectsWard(createSocketDevice({ address: join(dir, 'nobody.sock'), socket_type: 'unix' }), 400, /error connecting to "unix" address .*ENOENT/);
  });

  it('bad options are a 400 before anything is opened', async () => {
    await rejectsWard(createSocketDevice({}), 400, /"address" is required/);
  });
});
