/**
 * `format=jsonx` over HTTP against a real server: a file device and a TCP socket device
 * enabled with it write each request and response as one JSONx record per line (Vault's
 * shape: the record's members in name order, no root element), the XML reads back as the
 * JSON record would, and secrets and tokens are there only as the device's HMAC. Then
 * every device kind (file; socket over tcp, unix and udp; syslog) with format=jsonx on
 * one server, read back through the conformance suite's harnesses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { freePort } from '../../helpers/net.js';
import { waitFor } from '../../helpers/wait.js';
import type { AuditRecord } from '../../helpers/audit-log.js';
import { jsonxRecord } from '../../../src/core/audit/jsonx.js';
import { readJsonxRecord } from './jsonx-read.js';
import { skipUnless } from '../../helpers/requirement.js';
import { LOGGER, PYTHON3 } from '../../helpers/unix-dgram.js';
import { fileHarness, syslogHarness, tcpHarness, udpHarness, unixHarness, type DeviceHarness, type RecordFormat } from './device-harness.js';

const SECRET = 'jsonx-secret <&> "q" \'a\'';

/** Complete lines only: a last line without its newline is still being written. */
function completeLines(text: string): string[] {
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');
}

describe('audit format=jsonx over HTTP', () => {
  let s: TestServer;
  let dir: string;
  let tcp: Server;
  let tcpText = '';
  const conns = new Set<Socket>();
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-jsonx-'));
    const port = await freePort();
    tcp = createServer((c) => {
      conns.add(c);
      c.setEncoding('utf8');
      c.on('data', (d: string) => (tcpText += d));
      c.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
    const root = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, body });
    const file = await root('PUT', 'sys/audit/x', { type: 'file', options: { file_path: join(dir, 'audit.xml'), format: 'jsonx' } });
    assert.equal(file.status, 204, JSON.stringify(file.body));
    const sock = await root('PUT', 'sys/audit/s', { type: 'socket', options: { address: `127.0.0.1:${port}`, format: 'jsonx', prefix: 'W ' } });
    assert.equal(sock.status, 204, JSON.stringify(sock.body));
  });
  after(async () => {
    await s?.close();
    for (const c of conns) c.destroy();
    await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the devices with their format', async () => {
    const l = await api(s, 'GET', 'sys/audit', { token: s.rootToken });
    assert.equal(l.body.data['x/'].options.format, 'jsonx');
    assert.equal(l.body.data['s/'].options.format, 'jsonx');
  });

  it('an unknown format is Vault\'s 400', async () => {
    const r = await api(s, 'PUT', 'sys/audit/bad', { token: s.rootToken, body: { type: 'file', options: { file_path: join(dir, 'bad.log'), format: 'xml' } } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { errors: ['unsupported "format": invalid configuration'] });
  });

  it('records every request and response as JSONx, secrets and tokens only as the device\'s HMAC', async () => {
    const path = 'secret/data/jx';
    assert.equal((await api(s, 'POST', path, { token: s.rootToken, body: { data: { password: SECRET, n: 3 } } })).status, 200);
    assert.equal((await api(s, 'GET', path, { token: s.rootToken })).body.data.data.password, SECRET);

    const sources: { name: string; device: string; lines: () => string[]; prefix: string }[] = [
      { name: 'file', device: 'x', prefix: '', lines: () => (existsSync(join(dir, 'audit.xml')) ? completeLines(readFileSync(join(dir, 'audit.xml'), 'utf8')) : []) },
      { name: 'socket', device: 's', prefix: 'W ', lines: () => completeLines(tcpText) },
    ];
    for (const src of sources) {
      const records = await waitFor(`4 jsonx records for ${path} (${src.name})`, () => {
        const got: AuditRecord[] = [];
        for (const line of src.lines()) {
          assert.ok(line.startsWith(`${src.prefix}<json:`), `${src.name}: ${line.slice(0, 60)}`);
          const xml = line.slice(src.prefix.length);
          const rec = readJsonxRecord(xml);
          // Members in Vault's order: re-encoding what was read gives the same text.
          assert.equal(jsonxRecord(JSON.stringify(rec)), xml);
          if (rec['request']?.path === path) got.push(rec);
        }
        return got.length >= 4 ? got : false;
      });
      assert.deepEqual(
        records.map((r) => `${r['type']} ${r['request'].operation}`),
        ['request create', 'response create', 'request read', 'response read'],
        src.name,
      );
      const hash = (input: string) => api(s, 'POST', `sys/audit-hash/${src.device}`, { token: s.rootToken, body: { input } }).then((r) => r.body.data.hash as string);
      const secretHash = await hash(SECRET);
      assert.match(secretHash, /^hmac-sha256:[0-9a-f]{64}$/);
      assert.equal(records[0]!['request'].data.data.password, secretHash, src.name);
      assert.equal(records[0]!['request'].data.data.n, 3, src.name);
      assert.equal(records[3]!['response'].data.data.password, secretHash, src.name);
      assert.equal(records[0]!['auth'].client_token, await hash(s.rootToken), src.name);
      const text = src.lines().join('\n');
      assert.ok(!text.includes('jsonx-secret'), `${src.name}: no plaintext secret`);
      assert.ok(!text.includes(s.rootToken), `${src.name}: no plaintext token`);
    }
  });
});

const kinds: { name: string; make: (format: RecordFormat) => Promise<DeviceHarness>; skip?: string | false }[] = [
  { name: 'file', make: fileHarness },
  { name: 'tcp', make: tcpHarness },
  { name: 'unix', make: unixHarness },
  { name: 'udp', make: udpHarness },
  { name: 'syslog', make: syslogHarness, skip: skipUnless(PYTHON3, LOGGER) },
];

describe('audit format=jsonx on every device kind', () => {
  let s: TestServer;
  const devices: { name: string; h: DeviceHarness }[] = [];
  before(async () => {
    s = await startTestServer();
    for (const k of kinds) {
      if (k.skip) continue;
      const h = await k.make('jsonx');
      devices.push({ name: k.name, h });
      const r = await api(s, 'PUT', `sys/audit/${k.name}`, { token: s.rootToken, body: { type: h.type, options: h.options } });
      assert.equal(r.status, 204, `${k.name}: ${JSON.stringify(r.body)}`);
    }
  });
  after(async () => {
    await s?.close();
    for (const d of devices) await d.h.close();
  });

  for (const k of kinds) {
    it(`${k.name}: the write and its read as JSONx records, the secret as the device's HMAC`, { skip: k.skip ?? false }, async () => {
      const path = `secret/data/kind-${k.name}`;
      assert.equal((await api(s, 'POST', path, { token: s.rootToken, body: { data: { password: SECRET } } })).status, 200);
      assert.equal((await api(s, 'GET', path, { token: s.rootToken })).status, 200);
      const h = devices.find((d) => d.name === k.name)!.h;
      const recs = await waitFor(`4 jsonx records for ${path} (${k.name})`, () => {
        const got = h.records().filter((r) => r['request']?.path === path);
        return got.length >= 4 ? got : false;
      });
      assert.deepEqual(
        recs.map((r) => `${r['type']} ${r['request'].operation}`),
        ['request create', 'response create', 'request read', 'response read'],
      );
      const hash = (await api(s, 'POST', `sys/audit-hash/${k.name}`, { token: s.rootToken, body: { input: SECRET } })).body.data.hash as string;
      assert.equal(recs[0]!['request'].data.data.password, hash);
      assert.equal(recs[3]!['response'].data.data.password, hash);
      assert.ok(!JSON.stringify(h.records()).includes('jsonx-secret'), 'no plaintext secret reached the device');
    });
  }
});
