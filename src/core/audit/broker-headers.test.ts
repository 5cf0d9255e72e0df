import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditBroker } from './broker.js';
import type { AuditEntryInput } from './types.js';
import { auditRecords } from '../../../test/helpers/audit-log.js';

const dir = mkdtempSync(join(tmpdir(), 'ward-audit-headers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function entry(wireHeaders: string[]): AuditEntryInput {
  return {
    auth: null,
    request: {
      id: 'r1',
      operation: 'read',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      mountPoint: 'secret/',
      clientToken: '',
      clientTokenAccessor: '',
      path: 'secret/foo',
      data: null,
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      wrapTtl: 0,
      wireHeaders,
    },
    response: { mountType: 'kv', mountAccessor: 'kv_1', data: null },
  };
}

describe('audit broker: audited request headers', () => {
  it('records configured headers in request.headers, HMACed with each device\'s own salt when hmac=true', async () => {
    const b = new AuditBroker({ storage: new InmemStorage(), logger: silentLogger });
    await b.load();
    const a = join(dir, 'a.log');
    const c = join(dir, 'c.log');
    await b.enable('a', { type: 'file', description: '', options: { file_path: a }, local: false });
    await b.enable('c', { type: 'file', description: '', options: { file_path: c, log_raw: 'true' }, local: false });
    await b.headers.set('X-Tenant', true);
    await b.headers.set('X-Trace', false);
    const e = entry(['X-Tenant', 'acme', 'X-Trace', 't1', 'Cookie', 'secret-cookie', 'X-Correlation-Id', 'corr']);
    await b.logRequest(e);
    await b.logResponse(e);
    const ha = await b.hash('a', 'acme');
    const hc = await b.hash('c', 'acme');
    assert.notEqual(ha, hc);
    for (const [path, hashed] of [[a, ha], [c, hc]] as const) {
      const recs = auditRecords(path);
      assert.equal(recs.length, 2);
      for (const r of recs) assert.deepEqual(r.request.headers, { 'x-tenant': [hashed], 'x-trace': ['t1'], 'x-correlation-id': ['corr'] });
    }
    await b.close();
  });

  it('leaves headers out when none of the sent ones is audited', async () => {
    const b = new AuditBroker({ storage: new InmemStorage(), logger: silentLogger });
    await b.load();
    const p = join(dir, 'none.log');
    await b.enable('f', { type: 'file', description: '', options: { file_path: p }, local: false });
    await b.logRequest(entry(['Cookie', 'x']));
    assert.equal(auditRecords(p)[0]?.request.headers, undefined);
    await b.close();
  });
});
