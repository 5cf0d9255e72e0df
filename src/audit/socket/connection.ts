/**
 * One connection of the socket audit device: a TCP or unix stream, or a connected UDP
 * socket. Every write carries a deadline (Go's SetWriteDeadline in Vault's sink): a
 * write the peer does not take within it fails, and the connection is dropped so the
 * next attempt dials again. A connection the peer closed reports itself closed at once,
 * so the next write dials instead of writing into a dead socket.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, isIPv6, type Socket } from 'node:net';
import type { SocketTarget } from './socket-options.js';

export interface Connection {
  /** False once the peer closed it or it was dropped. */
  readonly open: boolean;
  /** Lines (prefix and newline included) in order; a stream gets them as one write, UDP one datagram each. */
  send(lines: readonly string[], timeoutMs: number): Promise<void>;
  close(): void;
}

const timedOut = (what: string, ms: number): Error => new Error(`${what} timed out after ${ms}ms`);

class StreamConnection implements Connection {
  open = true;

  constructor(private readonly sock: Socket) {
    // Nothing is read from the peer: discard what it sends so it cannot fill our buffers,
    // and notice its FIN (the stream then ends our side too and closes).
    sock.resume();
    sock.on('error', () => undefined);
    sock.on('close', () => (this.open = false));
  }

  send(lines: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(timedOut('write', timeoutMs));
        this.close();
      }, timeoutMs);
      this.sock.write(lines.length === 1 ? lines[0]! : lines.join(''), (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    this.open = false;
    this.sock.destroy();
  }
}

class DatagramConnection implements Connection {
  open = true;

  constructor(private readonly sock: UdpSocket) {
    sock.on('error', () => undefined);
    sock.on('close', () => (this.open = false));
  }

  async send(lines: readonly string[], timeoutMs: number): Promise<void> {
    for (const line of lines) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(timedOut('write', timeoutMs));
          this.close();
        }, timeoutMs);
        this.sock.send(line, (err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
      });
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.sock.close();
    } catch {
      // Already closed by an error: nothing to release.
    }
  }
}

function dialStream(target: SocketTarget, timeoutMs: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const sock = target.kind === 'unix' ? netConnect({ path: target.path }) : netConnect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(timedOut('connect', timeoutMs));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.setNoDelay(true);
      resolve(new StreamConnection(sock));
    });
  });
}

function dialDatagram(target: { host: string; port: number }, timeoutMs: number): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(timedOut('connect', timeoutMs));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        // Closed already.
      }
      reject(e);
    });
    sock.connect(target.port, target.host, () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(new DatagramConnection(sock));
    });
  });
}

/** Dials `target` within `timeoutMs`; the error names the network and address, as Vault's. */
export async function dial(target: SocketTarget, timeoutMs: number): Promise<Connection> {
  try {
    return target.kind === 'udp' ? await dialDatagram(target, timeoutMs) : await dialStream(target, timeoutMs);
  } catch (e) {
    const address = target.kind === 'unix' ? target.path : target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
    throw new Error(`error connecting to "${target.kind}" address "${address}": ${e instanceof Error ? e.message : String(e)}`);
  }
}
