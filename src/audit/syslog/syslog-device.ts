/**
 * The `syslog` audit device: each record is one message to the local syslog daemon, in
 * the local form Go's log/syslog (and so Vault) uses there: `<PRI>Mmm dd hh:mm:ss
 * TAG[PID]: record`, severity INFO, facility from the options. Node cannot open unix
 * datagram sockets (/dev/log is one), so each batch goes through util-linux `logger`
 * (Debian's bsdutils, an Essential package, so present on every Debian-based image),
 * which writes exactly that form to a local socket, datagram or stream as it finds it.
 * A batch is written only once logger exited cleanly having reported no error, so the
 * broker's fail-closed rule holds. As Vault, the enable fails when there is no local
 * syslog socket ("Unix syslog delivery error"); reopen (SIGHUP) has nothing to do.
 *
 * WARD_TEST_SYSLOG_SOCKET (tests only) names the socket instead of /dev/log and friends,
 * so a test can own the receiving end.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { badRequest } from '../../sdk/errors.js';
import { BatchingDevice, type BatchedAuditDevice, type DeviceStats, type Sink } from '../batching.js';
import { parseSyslogOptions, type SyslogOptions } from './syslog-options.js';

export type SyslogAuditDevice = BatchedAuditDevice<'syslog'>;

/** Where Go's log/syslog looks for the local daemon, in its order. */
const LOCAL_SOCKETS = ['/dev/log', '/var/run/syslog', '/var/run/log'];
const LOGGER_PATHS = ['/usr/bin/logger', '/bin/logger'];
/** Larger than any record; logger's default (1 KiB) would cut records short. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** A local socket answers at once; this only bounds a wedged daemon. */
const SEND_TIMEOUT_MS = 5000;

export interface SyslogSeams {
  /** The syslog socket to use instead of the local daemon's (tests). */
  socketPath?: string;
}

const isSocket = (p: string): boolean => {
  try {
    return statSync(p).isSocket();
  } catch {
    return false;
  }
};

class SyslogSink implements Sink {
  constructor(
    private readonly o: SyslogOptions,
    private readonly candidates: readonly string[],
    private readonly logger: string,
    private readonly stats: DeviceStats,
  ) {}

  /** The first candidate that is a socket now (the daemon may have been restarted). */
  socketPath(): string | undefined {
    return this.candidates.find(isSocket);
  }

  write(lines: readonly string[]): Promise<void> {
    const path = this.socketPath();
    if (path === undefined) return Promise.reject(new Error('error writing to syslog: Unix syslog delivery error'));
    this.stats.writes++;
    const args = [`--socket=${path}`, '--socket-errors=on', `--priority=${this.o.facility}.info`, `--tag=${this.o.tag}`, `--id=${process.pid}`, `--size=${MAX_MESSAGE_BYTES}`];
    return new Promise((resolve, reject) => {
      // No environment: nothing of the server's reaches the child.
      const child = spawn(this.logger, args, { stdio: ['pipe', 'ignore', 'pipe'], env: {} });
      let stderr = '';
      let settled = false;
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`error writing to syslog: ${why}`));
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`no answer within ${SEND_TIMEOUT_MS}ms`);
      }, SEND_TIMEOUT_MS);
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.on('error', (e) => fail(e.message));
      child.stdin!.on('error', () => undefined); // logger gone early: its exit status says why
      child.on('close', (code) => {
        if (settled) return;
        const why = stderr.trim().replace(/^logger: /, '');
        if (code !== 0 || why !== '') return fail(why || `logger exited with status ${code}`);
        settled = true;
        clearTimeout(timer);
        resolve();
      });
      child.stdin!.end(lines.join(''));
    });
  }

  reopen(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Creates a syslog device; bad options, or no local syslog socket, are a 400. */
export async function createSyslogDevice(options: Record<string, string>, seams: SyslogSeams = {}): Promise<SyslogAuditDevice> {
  const o = parseSyslogOptions(options);
  const override = seams.socketPath ?? process.env['WARD_TEST_SYSLOG_SOCKET'];
  const candidates = override ? [override] : LOCAL_SOCKETS;
  const logger = LOGGER_PATHS.find((p) => existsSync(p));
  if (logger === undefined) throw badRequest('error creating syslogger: util-linux logger was not found (Debian package bsdutils)');
  const stats: DeviceStats = { writes: 0, lines: 0 };
  const sink = new SyslogSink(o, candidates, logger, stats);
  if (sink.socketPath() === undefined) throw badRequest('error creating syslogger: Unix syslog delivery error');
  return new BatchingDevice('syslog', sink, o.prefix, stats);
}
