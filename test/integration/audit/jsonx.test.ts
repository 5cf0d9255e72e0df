/**
 * `format=jsonx` over HTTP against a real server: a file device and a TCP socket device
 * enabled with it write each request and response as one JSONx record per line (Vault's
 * shape: the record's members in name order, no root element), the XML reads back as the
 * JSON record would, and secrets and tokens are there only as the device's HMAC.
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
