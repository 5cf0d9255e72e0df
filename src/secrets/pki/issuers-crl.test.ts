/**
 * Where the issuer API meets the revocation side (built on two branches): deleting an
 * issuer leaves none of its CRLs behind, and revoking an issuer follows config/crl's
 * auto_rebuild as revoking a certificate does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { testRequest } from '../../sdk/testing.js';
import { pkiBackend } from './index.js';

function mount() {
  const storage = new InmemStorage();
  const backend = pkiBackend({ logger: silentLogger, system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 10 * 365 * 86400, options: () => ({}) } });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> =>
    backend.handleRequest(testRequest(storage, operation, path, data, { mountPoint: 'pki/', mountType: 'pki', mountAccessor: 'pki_1', clientToken: '' }));
  return { storage, call, backend };
}

const crlNumber = async (m: ReturnType<typeof mount>, ref: string): Promise<string> => {
  const r = await m.call('read', `issuer/${ref}/crl`);
  const pem = String(r?.data?.crl);
  const { X509Crl } = await import('@peculiar/x509');
  const crl = new X509Crl(pem);
  return crl.getExtension('2.5.29.20')?.rawData ? Buffer.from(crl.getExtension('2.5.29.20')!.rawData).toString('hex') : '';
};

describe('pki issuers and CRLs', () => {
  it('deleting an issuer removes its complete and delta CRLs', async () => {
    const m = mount();
    await m.call('update', 'config/crl', { auto_rebuild: true, enable_delta: true });
    const root = await m.call('update', 'root/generate/internal', { common_name: 'Delete Me Root', key_type: 'ec', issuer_name: 'gone' });
    const id = String(root?.data?.issuer_id);
    assert.ok((await m.call('read', 'crl/delta/pem')) !== null);
    assert.ok((await m.storage.get(`delta-crls/${id}`)) !== null, 'a delta CRL was stored');
    await m.call('delete', 'issuer/gone');
    assert.equal(await m.storage.get(`crls/${id}`), null);
    assert.equal(await m.storage.get(`delta-crls/${id}`), null);
    await m.backend.cleanup?.();
  });

  async function parentAndChild(m: ReturnType<typeof mount>): Promise<string> {
    await m.call('update', 'root/generate/internal', { common_name: 'Parent Root', key_type: 'ec', issuer_name: 'parent' });
    const csr = await m.call('update', 'intermediate/generate/internal', { common_name: 'Child CA', key_type: 'ec' });
    const signed = await m.call('update', 'issuer/parent/sign-intermediate', { csr: csr?.data?.csr, common_name: 'Child CA' });
    const imported = await m.call('update', 'intermediate/set-signed', { certificate: signed?.data?.certificate });
    const child = (imported?.data?.imported_issuers as string[])[0]!;
    assert.ok(child, JSON.stringify(imported?.data));
    return child;
  }

  it('revoking an issuer re-signs its parent CRL at once without auto_rebuild', async () => {
    const m = mount();
    const child = await parentAndChild(m);
    const before = await crlNumber(m, 'parent');
    assert.notEqual(before, '', 'the parent has a numbered CRL');
    await m.call('update', `issuer/${child}/revoke`);
    assert.notEqual(await crlNumber(m, 'parent'), before);
    await m.backend.cleanup?.();
  });

  it('revoking an issuer waits for the periodic rebuild under auto_rebuild, like revoking a certificate', async () => {
    const m = mount();
    const child = await parentAndChild(m);
    const before = await crlNumber(m, 'parent');
    await m.call('update', 'config/crl', { auto_rebuild: true });
    await m.call('update', `issuer/${child}/revoke`);
    assert.equal(await crlNumber(m, 'parent'), before, 'the parent CRL was re-signed at once despite auto_rebuild');
    await m.backend.cleanup?.();
  });

  it('cert/ca_chain (JSON) and the raw ca_chain give the same chain, found over the mount', async () => {
    const m = mount();
    const child = await parentAndChild(m);
    await m.call('update', 'config/issuers', { default: child });
    const json = await m.call('read', 'cert/ca_chain');
    const raw = await m.call('read', 'ca_chain');
    const rawText = String(raw?.raw?.body ?? '');
    const blocks = rawText.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    assert.equal(blocks.length, 2, 'the raw chain names the child and its parent');
    assert.deepEqual((json?.data?.ca_chain as string[]).map((c) => c.trim()), blocks.map((c) => c.trim()));
    await m.backend.cleanup?.();
  });
});
