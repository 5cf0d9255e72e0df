/**
 * The body of a sys/monitor response: log lines as they are written, until the client
 * goes. An async iterator written by hand rather than an async generator: when the
 * client disconnects, `return()` must stop the tap at once, while a generator waiting
 * for the next line would not run its cleanup until another line came.
 */
import type { LoggerControl, LogLevelName, LogLine } from './control.js';
import { formatLine, type LogFormat } from './format.js';

/** Lines held for a client that reads slower than the server logs; more are dropped and counted, as Vault's monitor does. */
export const MONITOR_BUFFER = 512;

export class MonitorStream implements AsyncIterableIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private waiting: ((r: IteratorResult<Buffer>) => void) | null = null;
  private dropped = 0;
  private closed = false;
  private readonly stop: () => void;

  constructor(control: LoggerControl, level: LogLevelName, private readonly format: LogFormat) {
    // An empty first chunk has the headers sent at once, as Vault flushes them, so a
    // client sees the 200 before the first line is logged.
    this.queue.push(Buffer.alloc(0));
    this.stop = control.tap(
      level,
      (line) => this.push(line),
      () => this.finish(),
    );
  }

  private push(line: LogLine): void {
    if (this.closed) return;
    if (this.queue.length >= MONITOR_BUFFER) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      const note = { '@timestamp': new Date().toISOString(), '@level': 'warn', '@message': `monitor dropped ${this.dropped} logs during monitor request` };
      this.dropped = 0;
      this.deliver(Buffer.from(formatLine(note, this.format)));
    }
    this.deliver(Buffer.from(formatLine(line, this.format)));
  }

  private deliver(chunk: Buffer): void {
    const w = this.waiting;
    if (w !== null) {
      this.waiting = null;
      w({ value: chunk, done: false });
    } else {
      this.queue.push(chunk);
    }
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) return Promise.resolve({ value: chunk, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The server is stopping: the lines already queued are still sent, then the body ends. */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    const w = this.waiting;
    this.waiting = null;
    w?.({ value: undefined, done: true });
  }

  /** Stops the tap and ends the iteration; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.queue.length = 0;
    const w = this.waiting;
    this.waiting = null;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
