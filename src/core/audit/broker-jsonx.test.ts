/**
 * `format=jsonx` on audit devices: the record a json device would write, as JSONx (jsonx.ts),
 * hashed the same way, after the device's prefix and one record per line.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditBroker } from './broker.js';
import { AuditFormatter, defaultFormatOptions } from './formatter.js';
import { jsonxRecord } from './jsonx.js';
import { formatOptions } from './table.js';
import type { AuditEntryInput } from './types.js';
import { readJsonxRecord } from '../../../test/integration/audit/jsonx-read.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-audit-jsonx-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `d${n++}`, 'audit.log');
const clock = { now: () => Date.UTC(2024, 4, 1, 10, 0, 0, 123) };

const SECRET = 's3cret <&> "quoted"';

function entry(): AuditEntryInput {
  return {
    auth: { clientToken: 'hvs.root', accessor: 'acc', displayName: 'root', policies: ['root'], tokenPolicies: ['root'], metadata: null, entityId: '', tokenType: 'service', tokenTtl: 0, tokenIssueTime: '2024-05-01T09:00:00Z' },
    request: {
      id: 'r1',
      operation: 'update',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      mountPoint: 'secret/',
      clientToken: 'hvs.root',
      clientTokenAccessor: 'acc',
      path: 'secret/a<b>&c',
      data: { password: SECRET, n: 7, flag: true, none: null, list: ['x', 2] },
      remoteAddress: '127.0.0.1',
      remotePort: 1234,
      wrapTtl: 0,
    },
    response: { mountType: 'kv', mountAccessor: 'kv_1', data: { value: SECRET } },
    error: 'bad <input> & "more"',
  };
}

describe('audit format=jsonx', () => {
  it('formats the JSON record as JSONx, hashes and all', () => {
    const salt = randomBytes(32);
    const json = new AuditFormatter(salt);
    const jsonx = new AuditFormatter(salt, { ...defaultFormatOptions, format: 'jsonx' });
    for (const type of ['request', 'response'] as const) {
      const want = json.format(type, entry(), '2024-05-01T10:00:00Z');
      const got = jsonx.format(type, entry(), '2024-05-01T10:00:00Z');
      assert.equal(got, jsonxRecord(want));
      assert.deepEqual(readJsonxRecord(got), JSON.parse(want));
      assert.ok(!got.includes('s3cret'), 'the secret is hashed');
    }
  });

  it('accepts json and jsonx in any case as Vault does; anything else is Vault\'s 400', () => {
    assert.equal(formatOptions({}).format, 'json');
    assert.equal(formatOptions({ format: 'json' }).format, 'json');
    assert.equal(formatOptions({ format: ' JSONx ' }).format, 'jsonx');
    for (const bad of ['xml', '', 'jsonxx']) assert.throws(() => formatOptions({ format: bad }), { message: 'unsupported "format": invalid configuration' }, bad);
  });

  it('a file device with format=jsonx writes one JSONx record per line after its prefix', async () => {
    const b = new AuditBroker({ storage: new InmemStorage(), logger: silentLogger, clock });
    const file = fresh();
    await b.enable('x', { type: 'file', description: '', options: { file_path: file, format: 'jsonx', prefix: 'ward:' }, local: false });
    await rejectsWard(b.enable('bad', { type: 'file', description: '', options: { file_path: fresh(), format: 'xml' }, local: false }), 400, /^unsupported "format": invalid configuration$/);
    await b.logRequest(entry());
    await b.logResponse(entry());
    await b.close();
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('s3cret'), 'no plaintext secret in the file');
    const lines = text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 2);
    const records = lines.map((l) => {
      assert.ok(l.startsWith('ward:<json:'), l.slice(0, 40));
      return readJsonxRecord(l.slice('ward:'.length));
    });
    assert.deepEqual(records.map((r) => r['type']), ['request', 'response']);
    const [req, res] = records;
    assert.equal(req!['time'], '2024-05-01T10:00:00.123000000Z');
    assert.equal(req!['request']['path'], 'secret/a<b>&c');
    assert.equal(req!['error'], 'bad <input> & "more"');
    assert.equal(req!['request']['data']['n'], 7);
    assert.equal(req!['request']['data']['flag'], true);
    assert.equal(req!['request']['data']['none'], null);
    assert.equal(req!['request']['data']['list'][1], 2);
    assert.match(req!['auth']['client_token'], /^hmac-sha256:[0-9a-f]{64}$/);
    assert.match(req!['request']['data']['password'], /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(res!['response']['data']['value'], req!['request']['data']['password']);
  });
});
