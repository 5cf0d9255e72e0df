/**
 * A connection stand-in for a socket taken back from node's native parser: it first
 * yields the bytes already read (from the start of the request node could not serve),
 * then whatever the socket delivers, and writes straight through. Handed to the server
 * as a new connection, it is read through JS streams, so the framing tracker follows it.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export class ReplaySocket extends Duplex {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly encrypted: boolean;
  readonly authorized: boolean;

  /** `held`: bytes read before the switch, in order; `ended`: the client already half-closed. */
  constructor(
    private readonly inner: Socket,
    held: Buffer[],
    ended: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.remoteAddress = inner.remoteAddress;
    this.remotePort = inner.remotePort;
    this.remoteFamily = inner.remoteFamily;
    this.localAddress = inner.localAddress;
    this.localPort = inner.localPort;
    const tls = inner as Partial<TLSSocket>;
    this.encrypted = tls.encrypted === true;
    this.authorized = tls.authorized === true;
    for (const chunk of held) this.push(chunk);
    if (ended) {
      this.push(null);
    } else {
      inner.on('data', (chunk: Buffer) => {
        if (!this.push(chunk)) inner.pause();
      });
      inner.on('end', () => this.push(null));
    }
    // Node's idle and keep-alive timeouts are set on this socket and run on the real one.
    inner.on('timeout', () => this.emit('timeout'));
    inner.on('error', (e) => this.destroy(e));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.inner.write(chunk, encoding, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.inner.destroy();
    cb(err);
  }

  /** As net.Socket's: end, then destroy once everything written is flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  setTimeout(ms: number, cb?: () => void): this {
    this.inner.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }

  /** The TLS peer's certificate ({} on a plain connection), as TLSSocket's. */
  getPeerCertificate(detailed?: boolean): PeerCertificate | object {
    const tls = this.inner as Partial<TLSSocket>;
    return typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate(detailed as true) : {};
  }

  getProtocol(): string | null {
    const tls = this.inner as Partial<TLSSocket>;
    return typeof tls.getProtocol === 'function' ? tls.getProtocol() : null;
  }
}
