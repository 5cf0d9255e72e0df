/**
 * The `socket` audit device: records to a TCP, UDP or unix stream socket, one line each
 * (UDP: one datagram each), through the shared batching shell. As Vault's socket sink: a
 * failed write reconnects and tries once more, and only then fails (the broker then fails
 * the request if no other device took the record); a write not taken within
 * `write_timeout` is a failure; SIGHUP (reopen) reconnects. Unlike Vault's, the enable
 * dials the address, so a typo is a 400 now rather than a request failing later.
 */
import { badRequest } from '../../sdk/errors.js';
import { BatchingDevice, type BatchedAuditDevice, type DeviceStats, type Sink } from '../batching.js';
import { dial, type Connection } from './connection.js';
import { parseSocketOptions, type SocketTarget } from './socket-options.js';

export interface SocketAuditDevice extends BatchedAuditDevice<'socket'> {
  /** Whether a connection is up (false after the peer closed it, until the next write dials). */
  readonly connected: boolean;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

class SocketSink implements Sink {
  private conn: Connection | null = null;

  constructor(
    private readonly target: SocketTarget,
    private readonly timeoutMs: number,
    private readonly stats: DeviceStats,
  ) {}

  get connected(): boolean {
    return this.conn?.open === true;
  }

  async connect(): Promise<void> {
    if (this.conn?.open) return;
    this.conn = await dial(this.target, this.timeoutMs);
  }

  async write(lines: readonly string[]): Promise<void> {
    try {
      await this.attempt(lines);
    } catch (first) {
      // As Vault: reconnect and retry a single time.
      this.drop();
      try {
        await this.attempt(lines);
      } catch (second) {
        this.drop();
        throw new Error(`error writing to socket: ${errorText(first)}; after reconnecting: ${errorText(second)}`);
      }
    }
  }

  private async attempt(lines: readonly string[]): Promise<void> {
    await this.connect();
    this.stats.writes++;
    await this.conn!.send(lines, this.timeoutMs);
  }

  private drop(): void {
    this.conn?.close();
    this.conn = null;
  }

  async reopen(): Promise<void> {
    this.drop();
    await this.connect();
  }

  async close(): Promise<void> {
    this.drop();
  }
}

class SocketDevice extends BatchingDevice<'socket'> implements SocketAuditDevice {
  constructor(
    private readonly socketSink: SocketSink,
    prefix: string,
    stats: DeviceStats,
  ) {
    super('socket', socketSink, prefix, stats);
  }

  get connected(): boolean {
    return this.socketSink.connected;
  }
}

/** Creates a socket device from its options and dials it; bad options or no answer are a 400. */
export async function createSocketDevice(options: Record<string, string>): Promise<SocketAuditDevice> {
  const o = parseSocketOptions(options);
  const stats: DeviceStats = { writes: 0, lines: 0 };
  const sink = new SocketSink(o.target, o.writeTimeoutMs, stats);
  try {
    await sink.connect();
  } catch (e) {
    throw badRequest(errorText(e));
  }
  return new SocketDevice(sink, o.prefix, stats);
}
