/**
 * One harness per audit device kind for the conformance suite: the options to enable it
 * with, the records its target received so far, a way to make its target fail and to
 * bring it back, and a bad option with the 400 text Vault gives for it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../helpers/audit-log.js';
import { auditRecords } from '../../helpers/audit-log.js';
import { freePort } from '../../helpers/net.js';
import { startDgramReceiver, type DgramReceiver } from '../../helpers/unix-dgram.js';

export interface DeviceHarness {
  readonly type: 'file' | 'socket' | 'syslog';
  readonly options: Record<string, string>;
  records(): AuditRecord[];
  /** Makes every write fail; `reopen` is what the server must do to notice (file: SIGHUP). */
  break(reopen: () => Promise<void>): Promise<void>;
  restore(reopen: () => Promise<void>): Promise<void>;
  readonly bad: { options: Record<string, string>; error: string };
  close(): Promise<void>;
}

const parseLines = (text: string): AuditRecord[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);

export async function fileHarness(): Promise<DeviceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-conf-file-'));
  const logDir = join(dir, 'logs');
  const path = join(logDir, 'audit.log');
  const kept: AuditRecord[] = [];
  return {
    type: 'file',
    options: { file_path: path },
    records: () => [...kept, ...auditRecords(path)],
    async break(reopen) {
      kept.push(...auditRecords(path));
      // A regular file where the directory was: the reopen cannot create the log.
      rmSync(logDir, { recursive: true });
      writeFileSync(logDir, '');
      await reopen();
    },
    async restore(reopen) {
      rmSync(logDir);
      mkdirSync(logDir);
      await reopen();
    },
    bad: { options: {}, error: '"file_path" is required: invalid configuration' },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TCP or unix stream listener collecting what every connection sent. */
async function streamHarness(kind: 'tcp' | 'unix'): Promise<DeviceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-conf-sock-'));
  const port = kind === 'tcp' ? await freePort() : 0;
  const address = kind === 'tcp' ? `127.0.0.1:${port}` : join(dir, 'audit.sock');
  let text = '';
  const conns = new Set<Socket>();
  let server: Server | null = null;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const srv = createServer((c) => {
        conns.add(c);
        c.on('error', () => undefined);
        c.on('data', (d) => (text += d.toString('utf8')));
        c.on('close', () => conns.delete(c));
      });
      srv.once('error', reject);
      const ready = (): void => {
        server = srv;
        resolve();
      };
      if (kind === 'tcp') srv.listen(port, '127.0.0.1', ready);
      else srv.listen(address, ready);
    });
  const stop = async (): Promise<void> => {
    const srv = server;
    server = null;
    for (const c of conns) c.destroy();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  };
  await listen();
  return {
    type: 'socket',
    options: { address, socket_type: kind, write_timeout: '1s' },
    records: () => parseLines(text),
    break: async () => stop(),
    restore: async () => listen(),
    bad: { options: { socket_type: kind }, error: '"address" is required: invalid configuration' },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const tcpHarness = (): Promise<DeviceHarness> => streamHarness('tcp');
export const unixHarness = (): Promise<DeviceHarness> => streamHarness('unix');

export async function udpHarness(): Promise<DeviceHarness> {
  const got: string[] = [];
  const rx: UdpSocket = createSocket('udp4');
  rx.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  return {
    type: 'socket',
    options: { address: `127.0.0.1:${rx.address().port}`, socket_type: 'udp' },
    records: () => parseLines(got.join('')),
    // UDP has no connection to lose: a receiver that went away is not seen by the sender
    // (Vault's documentation warns of this), so this kind has no failure to show.
    break: () => Promise.reject(new Error('udp cannot fail a write')),
    restore: () => Promise.resolve(),
    bad: { options: { address: '127.0.0.1', socket_type: 'udp' }, error: 'address "127.0.0.1": missing port (expected host:port)' },
    close: async () => {
      rx.close();
    },
  };
}

/** `<PRI>stamp TAG[PID]: record`, the local syslog form. */
const SYSLOG_LINE = /^<38>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d vault\[\d+\]: (.*)$/s;

export async function syslogHarness(): Promise<DeviceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-conf-syslog-'));
  const path = join(dir, 'log.sock');
  let rx: DgramReceiver = await startDgramReceiver(path);
  const earlier: string[] = [];
  process.env['WARD_TEST_SYSLOG_SOCKET'] = path;
  const all = (): string[] => [...earlier, ...rx.messages];
  return {
    type: 'syslog',
    options: {},
    records: () =>
      all().map((m) => {
        const hit = SYSLOG_LINE.exec(m);
        if (!hit) throw new Error(`not a syslog message from the device: ${m.slice(0, 200)}`);
        return JSON.parse(hit[1]!) as AuditRecord;
      }),
    async break() {
      earlier.push(...rx.messages);
      await rx.close();
      rmSync(path, { force: true });
    },
    async restore() {
      rx = await startDgramReceiver(path);
    },
    bad: { options: { facility: 'bogus' }, error: 'error creating syslogger: invalid syslog facility: BOGUS' },
    async close() {
      delete process.env['WARD_TEST_SYSLOG_SOCKET'];
      await rx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
