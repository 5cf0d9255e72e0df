import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { testRequest } from '../../sdk/testing.js';
import { pkiBackend } from './index.js';

function mount(storage = new InmemStorage(), accessor = 'pki_1') {
  const backend = pkiBackend({ logger: silentLogger, system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 10 * 365 * 86400, options: () => ({}) } });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> =>
    backend.handleRequest(testRequest(storage, operation, path, data, { mountPoint: 'pki/', mountType: 'pki', mountAccessor: accessor, clientToken: '' }));
  return { storage, call };
}

describe('pki issuer and key changes are serialised per mount', () => {
  it('concurrent imports of one bundle store each certificate and key once', async () => {
    const src = mount(new InmemStorage(), 'src');
    const root = await src.call('update', 'root/generate/exported', { common_name: 'Race Root', key_type: 'ec' });
    const bundle = `${String(root?.data?.certificate)}\n${String(root?.data?.private_key)}`;
    const dst = mount(new InmemStorage(), 'dst');
    const all = await Promise.all(Array.from({ length: 8 }, () => dst.call('update', 'config/ca', { pem_bundle: bundle })));
    assert.equal(((await dst.call('list', 'issuers/'))?.data?.keys as string[]).length, 1);
    assert.equal(((await dst.call('list', 'keys/'))?.data?.keys as string[]).length, 1);
    assert.equal(all.flatMap((r) => (r?.data?.imported_issuers as string[] | null) ?? []).length, 1);
  });

  it('concurrent key generations cannot both take one name', async () => {
    const m = mount();
    const all = await Promise.allSettled(Array.from({ length: 4 }, () => m.call('update', 'keys/generate/internal', { key_type: 'ec', key_name: 'same' })));
    assert.equal(all.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(((await m.call('list', 'keys/'))?.data?.keys as string[]).length, 1);
  });
});
