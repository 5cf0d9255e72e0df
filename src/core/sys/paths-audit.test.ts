import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defineBackend } from '../../sdk/framework/backend.js';
import { silentLogger, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditBroker } from '../audit/broker.js';
import { auditPaths } from './paths-audit.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { SYS_MOUNT, testRequest } from '../../sdk/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-sys-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function setup() {
  const broker = new AuditBroker({ storage: new InmemStorage(), logger: silentLogger });
  const sys = defineBackend({ type: 'system', kind: 'secret', paths: auditPaths(broker) });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
    sys.handleRequest(testRequest(new InmemStorage(), operation, path, data, SYS_MOUNT));
  return { broker, call };
}

describe('sys/audit paths', () => {
  it('enable, read, audit-hash, disable', async () => {
    const { broker, call } = setup();
    const file = join(dir, 'a.log');
    // The CLI sends options as a map; "k=v" lists are accepted too.
    const enabled = await call('update', 'audit/file', { type: 'file', description: 'd', options: { file_path: file } });
    assert.equal(enabled, null);
    assert.ok(existsSync(file));
    await call('create', 'audit/second/', { type: 'file', options: ['file_path=discard', 'log_raw=true'], local: 'true' });

    const listed = await call('read', 'audit');
    assert.deepEqual(listed?.data, {
      'file/': { type: 'file', description: 'd', options: { file_path: file }, local: false, path: 'file/' },
      'second/': { type: 'file', description: '', options: { file_path: 'discard', log_raw: 'true' }, local: true, path: 'second/' },
    });

    const hashed = await call('update', 'audit-hash/file', { input: 'secret' });
    assert.equal(hashed?.data?.['hash'], await broker.hash('file/', 'secret'));
    assert.match(String(hashed?.data?.['hash']), /^hmac-sha256:[0-9a-f]{64}$/);

    assert.equal(await call('delete', 'audit/file'), null);
    assert.deepEqual(Object.keys((await call('read', 'audit'))?.data ?? {}), ['second/']);
    await broker.close();
  });

  it('maps broker errors to 400', async () => {
    const { broker, call } = setup();
    const is400 = (pattern: RegExp) => isWardError(400, pattern);
    await assert.rejects(call('update', 'audit/x', {}), is400(/missing type/));
    await assert.rejects(call('update', 'audit/x', { type: 'file' }), is400(/"file_path" is required: invalid configuration/));
    await assert.rejects(call('update', 'audit-hash/nope', { input: 'a' }), is400(/unknown audit backend/));
    await call('update', 'audit/x', { type: 'file', options: { file_path: 'discard' } });
    await assert.rejects(call('update', 'audit/x', { type: 'file', options: { file_path: 'discard' } }), is400(/path already in use/));
    await broker.close();
  });
});
