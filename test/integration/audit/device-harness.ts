/**
 * One harness per audit device kind for the conformance suite: the options to enable it
 * with, the records its target received so far, a way to make its target fail and to
 * bring it back, and a bad option with the 400 text Vault gives for it. Each takes the
 * record format to enable the device with (`json` by default, or `jsonx`) and reads
 * records back in it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../helpers/audit-log.js';
import { auditRecords } from '../../helpers/audit-log.js';
import { freePort } from '../../helpers/net.js';
import { startDgramReceiver, type DgramReceiver } from '../../helpers/unix-dgram.js';
import { readJsonxRecord } from './jsonx-read.js';

export type RecordFormat = 'json' | 'jsonx';

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

const parseRecord = (text: string, format: RecordFormat): AuditRecord => (format === 'jsonx' ? readJsonxRecord(text) : (JSON.parse(text) as AuditRecord));

/** The complete lines' records: a last line without its newline is still arriving. */
const parseLines = (text: string, format: RecordFormat): AuditRecord[] =>
  text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parseRecord(l, format));

/** `format` as an option only when it is not the default, so json devices list the options they always did. */
const formatOption = (format: RecordFormat): Record<string, string> => (format === 'json' ? {} : { format });

function fileRecords(path: string, format: RecordFormat): AuditRecord[] {
  if (format === 'json') return auditRecords(path);
  return existsSync(path) ? parseLines(readFileSync(path, 'utf8'), format) : [];
}

export async function fileHarness(format: RecordFormat = 'json'): Promise<DeviceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-conf-file-'));
  const logDir = join(dir, 'logs');
  const path = join(logDir, 'audit.log');
  const kept: AuditRecord[] = [];
  return {
    type: 'file',
    options: { file_path: path, ...formatOption(format) },
    records: () => [...kept, ...fileRecords(path, format)],
    async break(reopen) {
      kept.push(...fileRecords(path, format));
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
async function streamHarness(kind: 'tcp' | 'unix', format: RecordFormat): Promise<DeviceHarness> {
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
    options: { address, socket_type: kind, write_timeout: '1s', ...formatOption(format) },
    records: () => parseLines(text, format),
    break: async () => stop(),
    restore: async () => listen(),
    bad: { options: { socket_type: kind }, error: '"address" is required: invalid configuration' },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const tcpHarness = (format: RecordFormat = 'json'): Promise<DeviceHarness> => streamHarness('tcp', format);
export const unixHarness = (format: RecordFormat = 'json'): Promise<DeviceHarness> => streamHarness('unix', format);

export async function udpHarness(format: RecordFormat = 'json'): Promise<DeviceHarness> {
  const got: string[] = [];
  const rx: UdpSocket = createSocket('udp4');
  rx.on('message', (m) => got.push(m.toString('utf8')));
  await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  return {
    type: 'socket',
    options: { address: `127.0.0.1:${rx.address().port}`, socket_type: 'udp', ...formatOption(format) },
    records: () => parseLines(got.join(''), format),
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

export async function syslogHarness(format: RecordFormat = 'json'): Promise<DeviceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-conf-syslog-'));
  const path = join(dir, 'log.sock');
  let rx: DgramReceiver = await startDgramReceiver(path);
  const earlier: string[] = [];
  process.env['WARD_TEST_SYSLOG_SOCKET'] = path;
  const all = (): string[] => [...earlier, ...rx.messages];
  return {
    type: 'syslog',
    options: formatOption(format),
    records: () =>
      all().map((m) => {
        const hit = SYSLOG_LINE.exec(m);
        if (!hit) throw new Error(`not a syslog message from the device: ${m.slice(0, 200)}`);
        return parseRecord(hit[1]!.replace(/\n$/, ''), format);
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
