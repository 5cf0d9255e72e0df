import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { SocketSink } from './events-socket.js';

/** The parts of a ws WebSocket the sink uses, with a backlog the test sets. */
function fakeWs(): { ws: WebSocket; sent: string[]; closed: [number, string][]; terminated: () => boolean; backlog: (n: number) => void } {
  const sent: string[] = [];
  const closed: [number, string][] = [];
  let terminated = false;
  let buffered = 0;
  const ws = {
    OPEN: 1,
    get readyState() {
      return terminated ? 3 : 1;
    },
    get bufferedAmount() {
      return buffered;
    },
    send: (t: Buffer) => sent.push(String(t)),
    close: (code: number, reason: string) => closed.push([code, reason]),
    terminate: () => (terminated = true),
  };
  return { ws: ws as unknown as WebSocket, sent, closed, terminated: () => terminated, backlog: (n) => (buffered = n) };
}

describe('SocketSink (one subscriber socket)', () => {
  it('holds events until the upgrade completes, then sends them in order', () => {
    const sink = new SocketSink(1000);
    sink.send(Buffer.from('a'));
    sink.send(Buffer.from('b'));
    const f = fakeWs();
    sink.attach(f.ws, () => {});
    sink.send(Buffer.from('c'));
    assert.deepEqual(f.sent, ['a', 'b', 'c']);
  });

  it('drops a socket whose unsent backlog passed the bound, and unsubscribes it', () => {
    const sink = new SocketSink(1000);
    const f = fakeWs();
    let unsubscribed = false;
    sink.attach(f.ws, () => (unsubscribed = true));
    sink.send(Buffer.from('x'));
    f.backlog(1001);
    sink.send(Buffer.from('y'));
    assert.deepEqual(f.sent, ['x']);
    assert.equal(f.terminated(), true);
    assert.equal(unsubscribed, true);
    sink.send(Buffer.from('z'));
    assert.deepEqual(f.sent, ['x'], 'nothing is sent to a dropped socket');
  });

  it('a backlog before the upgrade past the bound closes the socket as soon as it opens', () => {
    const sink = new SocketSink(10);
    sink.send(Buffer.from('0123456789'));
    sink.send(Buffer.from('more'));
    const f = fakeWs();
    sink.attach(f.ws, () => {});
    assert.deepEqual(f.sent, []);
    assert.deepEqual(f.closed, [[1013, 'subscriber too slow']]);
  });

  it('a close before the upgrade is applied once the socket opens', () => {
    const sink = new SocketSink(1000);
    sink.close(1001, 'sealed');
    const f = fakeWs();
    sink.attach(f.ws, () => {});
    assert.deepEqual(f.closed, [[1001, 'sealed']]);
  });
});
