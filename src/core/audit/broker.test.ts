import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger, type Logger } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditBroker } from './broker.js';
import { AUDIT_TABLE_KEY } from './table.js';
import type { AuditEntryInput } from './types.js';
import { auditRecords } from '../../../test/helpers/audit-log.js';
import { DEV_FULL, skipUnless } from '../../../test/helpers/requirement.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-audit-broker-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `d${n++}`, 'audit.log');
const clock = { now: () => Date.UTC(2024, 4, 1, 10, 0, 0, 123) };

function newBroker(storage = new InmemStorage(), logger: Logger = silentLogger): AuditBroker {
  return new AuditBroker({ storage, logger, clock });
}

function entry(): AuditEntryInput {
  return {
    auth: {
      clientToken: 'hvs.root',
      accessor: 'acc',
      displayName: 'root',
      policies: ['root'],
      tokenPolicies: ['root'],
      metadata: null,
      entityId: '',
      tokenType: 'service',
      tokenTtl: 0,
      tokenIssueTime: '2024-05-01T09:00:00Z',
    },
    request: {
      id: 'r1',
      operation: 'update',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      mountPoint: 'secret/',
      clientToken: 'hvs.root',
      clientTokenAccessor: 'acc',
      path: 'secret/foo',
      data: { password: 'pw', n: 7, inner: { token: 'tk' } },
      remoteAddress: '127.0.0.1',
      remotePort: 1234,
      wrapTtl: 0,
    },
    response: { mountType: 'kv', mountAccessor: 'kv_1', data: { value: 'v' } },
  };
}

const enableFile = (b: AuditBroker, path: string, options: Record<string, string>): Promise<void> =>
  b.enable(path, { type: 'file', description: '', options, local: false });

const lines = auditRecords;

describe('AuditBroker', () => {
  it('enables, lists and disables devices; paths get a trailing slash', async () => {
    const b = newBroker();
    assert.equal(b.hasDevices(), false);
    const file = fresh();
    await b.enable('/main', { type: 'file', description: 'primary', options: { file_path: file }, local: true });
    assert.equal(b.hasDevices(), true);
    assert.deepEqual(b.list(), {
      'main/': { type: 'file', description: 'primary', options: { file_path: file }, local: true, path: 'main/' },
    });
    await rejectsWard(enableFile(b, 'main/', { file_path: fresh() }), 400, /path already in use/);
    await b.disable('main');
    assert.deepEqual(b.list(), {});
    assert.equal(b.hasDevices(), false);
    await b.disable('main'); // no-op
    await b.close();
  });

  it('refuses unknown types, missing file_path, unopenable targets and bad bool options', async () => {
    const b = newBroker();
    await rejectsWard(b.enable('x', { type: 'nope', description: '', options: {}, local: false }), 400, /unknown backend type/);
    await rejectsWard(enableFile(b, 'x', {}), 400, /"file_path" is required: invalid configuration/);
    await rejectsWard(enableFile(b, 'x', { file_path: dir }), 400, /EISDIR/);
    await rejectsWard(enableFile(b, 'x', { file_path: fresh(), log_raw: 'maybe' }), 400, /log_raw/);
    await rejectsWard(enableFile(b, '/', { file_path: fresh() }), 400, /empty/);
    assert.deepEqual(b.list(), {});
  });

  it('logs request and response records whose hashes match audit-hash', async () => {
    const b = newBroker();
    const file = fresh();
    await enableFile(b, 'f', { file_path: file });
    const e = entry();
    await b.logRequest(e);
    await b.logResponse(e);
    await b.close();
    const [req, res] = lines(file);
    assert.ok(req && res);
    assert.equal(req['type'] as unknown, 'request');
    assert.equal(res['type'] as unknown, 'response');
    assert.equal(req['time'] as unknown, '2024-05-01T10:00:00.123000000Z');
    assert.match(String(req['auth']!['client_token']), /^hmac-sha256:[0-9a-f]{64}$/);
    assert.equal(req['request']!['path'], 'secret/foo');
    assert.equal(req['response'], undefined);
    assert.equal(res['request']!['id'], 'r1');
    assert.equal(res['response']!['mount_type'], 'kv');
    assert.match(String((res['response']!['data'] as Record<string, unknown>)['value']), /^hmac-sha256:/);
  });

  it('hash() reproduces every hashed value in the log', async () => {
    const b = newBroker();
    const file = fresh();
    await enableFile(b, 'f', { file_path: file });
    const e = entry();
    await b.logRequest(e);
    await b.logResponse(e);
    const [req, res] = lines(file);
    const h = (s: string): Promise<string> => b.hash('f', s);
    assert.equal(req!['auth']!['client_token'], await h('hvs.root'));
    assert.equal(req!['auth']!['accessor'], await h('acc'));
    assert.equal(req!['request']!['client_token'], await h('hvs.root'));
    assert.deepEqual(req!['request']!['data'], { password: await h('pw'), n: 7, inner: { token: await h('tk') } });
    assert.deepEqual(res!['response']!['data'], { value: await h('v') });
    await rejectsWard(b.hash('nope', 'x'), 400, /unknown audit backend/);
    await b.close();
  });

  it('honours log_raw and hmac_accessor per device', async () => {
    const b = newBroker();
    const raw = fresh();
    const noAcc = fresh();
    await enableFile(b, 'raw', { file_path: raw, log_raw: 'true' });
    await enableFile(b, 'noacc', { file_path: noAcc, hmac_accessor: 'false' });
    await b.logRequest(entry());
    const [r] = lines(raw);
    assert.equal(r!['request']!['client_token'], 'hvs.root');
    assert.deepEqual(r!['request']!['data'], entry().request.data);
    const [a] = lines(noAcc);
    assert.equal(a!['request']!['client_token_accessor'], 'acc');
    assert.equal(a!['request']!['client_token'], await b.hash('noacc', 'hvs.root'));
    await b.close();
  });

  it('applies the mount non-HMAC key lists', async () => {
    const b = newBroker();
    const file = fresh();
    await enableFile(b, 'f', { file_path: file });
    await b.logResponse({ ...entry(), nonHmacRequestKeys: ['password'], nonHmacResponseKeys: ['value'] });
    const [r] = lines(file);
    assert.equal((r!['request']!['data'] as Record<string, unknown>)['password'], 'pw');
    assert.equal((r!['response']!['data'] as Record<string, unknown>)['value'], 'v');
    await b.close();
  });

  it('resolves without devices', async () => {
    await newBroker().logRequest(entry());
  });

  it('fails closed when the only device cannot write', { skip: skipUnless(DEV_FULL) }, async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (m) => void errors.push(m) };
    const b = newBroker(new InmemStorage(), logger);
    await enableFile(b, 'full', { file_path: '/dev/full' });
    await rejectsWard(b.logRequest(entry()), 500);
    await rejectsWard(b.logResponse(entry()), 500);
    assert.ok(errors.length >= 2);
    await b.close();
  });

  it('fails closed when the file vanishes and cannot be reopened', async () => {
    const b = newBroker();
    const file = fresh();
    await enableFile(b, 'f', { file_path: file });
    rmSync(join(file, '..'), { recursive: true });
    await b.reopen(); // SIGHUP: reopen fails and is logged
    await rejectsWard(b.logRequest(entry()), 500);
    await b.close();
  });

  it('succeeds when at least one of two devices writes', { skip: skipUnless(DEV_FULL) }, async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (m) => void errors.push(m) };
    const b = newBroker(new InmemStorage(), logger);
    const good = fresh();
    await enableFile(b, 'bad', { file_path: '/dev/full' });
    await enableFile(b, 'good', { file_path: good });
    await b.logRequest(entry());
    assert.equal(lines(good).length, 1);
    assert.equal(errors.length, 1);
    await b.close();
  });

  it('keeps table and salts across brokers on the same storage', async () => {
    const storage = new InmemStorage();
    const file = fresh();
    const b1 = newBroker(storage);
    await enableFile(b1, 'f', { file_path: file, prefix: 'X:' });
    const before = await b1.hash('f', 'secret');
    await b1.close();
    assert.notEqual(await storage.get(AUDIT_TABLE_KEY), null);

    const b2 = newBroker(storage);
    await b2.load();
    assert.deepEqual(Object.keys(b2.list()), ['f/']);
    assert.equal(await b2.hash('f', 'secret'), before);
    await b2.logRequest(entry());
    await b2.disable('f');
    await b2.close();
    assert.ok(readFileSync(file, 'utf8').startsWith('X:{'));

    const b3 = newBroker(storage);
    await b3.load();
    assert.deepEqual(b3.list(), {});
    await enableFile(b3, 'f', { file_path: file });
    assert.notEqual(await b3.hash('f', 'secret'), before, 'a re-enabled device gets a new salt');
    await b3.close();
  });

  it('a stored device that cannot open on load stays enabled and fails closed', async () => {
    const storage = new InmemStorage();
    const file = fresh();
    const b1 = newBroker(storage);
    await enableFile(b1, 'f', { file_path: file });
    await b1.close();
    rmSync(join(file, '..'), { recursive: true });
    const blocker = join(file, '..');
    // A regular file where the directory was: mkdir and open both fail.
    writeFileSync(blocker, '');
    const b2 = newBroker(storage);
    await b2.load();
    assert.deepEqual(Object.keys(b2.list()), ['f/']);
    await rejectsWard(b2.logRequest(entry()), 500);
    rmSync(blocker);
    await b2.reopen();
    await b2.logRequest(entry());
    assert.equal(lines(file).length, 1);
    await b2.close();
  });
});
