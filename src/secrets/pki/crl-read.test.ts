/**
 * A CRL exists from the moment an issuer that may sign one exists, so fetching it only
 * reads: on a performance standby a read cannot write, and a read should not be the one
 * paying for a signature. Every way of creating an issuer (or giving one its key) is
 * followed by a fetch with every storage write failing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import type { LogicalResponse } from '../../sdk/logical.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { externalCa, pkiMount } from './test-mount.test-helper.js';

type M = ReturnType<typeof pkiMount>;
/** Makes every write to the mount's storage fail (a read-only view), recording the keys attempted. */
function readOnly(m: M): { attempted: string[]; restore: () => void } {
  const attempted: string[] = [];
  const st = m.storage;
  const saved = { put: st.put, delete: st.delete, transaction: st.transaction };
  st.put = async (key) => {
    attempted.push(key);
    throw new Error(`write to ${key} on the read path`);
  };
  st.delete = async (key) => {
    attempted.push(key);
    throw new Error(`delete of ${key} on the read path`);
  };
  st.transaction = async (ops) => {
    attempted.push(...ops.map((o) => o.key));
    throw new Error('transaction on the read path');
  };
  return { attempted, restore: () => Object.assign(st, saved) };
}

const crlOf = (r: LogicalResponse | null): x509.X509Crl => {
  if (r?.raw) {
    assert.equal(r.raw.status, 200, `status ${r.raw.status}`);
    return new x509.X509Crl(typeof r.raw.body === 'string' ? r.raw.body : new Uint8Array(r.raw.body));
  }
  const pem = r?.data?.crl ?? r?.data?.certificate;
  assert.equal(typeof pem, 'string', JSON.stringify(r?.data));
  return new x509.X509Crl(pem as string);
};

/** Every CRL fetch form for `issuerId` (and the default's legacy paths when it is the default) answers a CRL it signed, writing nothing. */
async function fetchesOnlyRead(m: M, issuerId: string, asDefault: boolean): Promise<void> {
  const issuerPem = String((await m.data('read', `issuer/${issuerId}/json`)).certificate);
  const paths = [`issuer/${issuerId}/crl`, `issuer/${issuerId}/crl/pem`, `issuer/${issuerId}/crl/der`, ...(asDefault ? ['crl', 'crl/pem', 'cert/crl'] : [])];
  const ro = readOnly(m);
  try {
    for (const p of paths) {
      const crl = crlOf(await m.call('read', p));
      assert.ok(await crl.verify({ publicKey: new x509.X509Certificate(issuerPem) }), `${p}: signed by the issuer`);
    }
  } finally {
    ro.restore();
  }
  assert.deepEqual(ro.attempted, [], 'no storage write while fetching');
}

describe('pki CRL fetches only read', () => {
  it('after root/generate, root/rotate and issuers/generate/root', async () => {
    const m = pkiMount();
    const first = await m.data('update', 'root/generate/internal', { common_name: 'Read Root', key_type: 'ec' });
    await fetchesOnlyRead(m, first.issuer_id, true);
    const rotated = await m.data('update', 'root/rotate/internal', { common_name: 'Read Root 2', key_type: 'ec' });
    await fetchesOnlyRead(m, rotated.issuer_id, false);
    const third = await m.data('update', 'issuers/generate/root/internal', { common_name: 'Read Root 3', key_type: 'ec' });
    await fetchesOnlyRead(m, third.issuer_id, false);
    await m.backend.cleanup?.();
  });

  it('after importing a CA with its key (config/ca), and after intermediate/set-signed', async () => {
    const m = pkiMount();
    const ca = await externalCa('Imported Root');
    const imported = await m.data('update', 'config/ca', { pem_bundle: `${ca.cert}\n${ca.key}` });
    const id = (imported.imported_issuers as string[])[0]!;
    await fetchesOnlyRead(m, id, true);
    const csr = await m.data('update', 'intermediate/generate/internal', { common_name: 'Read Int', key_type: 'ec' });
    const signed = await m.data('update', `issuer/${id}/sign-intermediate`, { csr: csr.csr, common_name: 'Read Int' });
    const set = await m.data('update', 'intermediate/set-signed', { certificate: signed.certificate });
    await fetchesOnlyRead(m, (set.imported_issuers as string[])[0]!, false);
    await m.backend.cleanup?.();
  });

  it('after keys/import gives an imported certificate its key', async () => {
    const m = pkiMount();
    const ca = await externalCa('Key Later Root');
    const imported = await m.data('update', 'issuers/import/cert', { pem_bundle: ca.cert });
    const id = (imported.imported_issuers as string[])[0]!;
    await m.call('update', 'keys/import', { pem_bundle: ca.key });
    assert.equal((await m.data('read', `issuer/${id}`)).key_id !== '', true, 'the key was linked');
    await fetchesOnlyRead(m, id, false);
    await m.backend.cleanup?.();
  });

  it('after an issuer that never had a CRL is given crl-signing', async () => {
    const m = pkiMount();
    const ca = await externalCa('Usage Later Root');
    const id = ((await m.data('update', 'issuers/import/cert', { pem_bundle: ca.cert })).imported_issuers as string[])[0]!;
    await m.call('patch', `issuer/${id}`, { usage: 'read-only,issuing-certificates' });
    await m.call('update', 'keys/import', { pem_bundle: ca.key });
    assert.equal(await m.storage.get(`crls/${id}`), null, 'no crl-signing yet: no CRL');
    await m.call('patch', `issuer/${id}`, { usage: 'read-only,issuing-certificates,crl-signing' });
    await fetchesOnlyRead(m, id, false);
    await m.backend.cleanup?.();
  });

  it('with delta CRLs on: the delta exists from the start too', async () => {
    const m = pkiMount();
    await m.call('update', 'config/crl', { auto_rebuild: true, enable_delta: true });
    const root = await m.data('update', 'root/generate/internal', { common_name: 'Delta Read Root', key_type: 'ec' });
    const ro = readOnly(m);
    try {
      for (const p of ['crl/delta', 'crl/delta/pem', `issuer/${root.issuer_id}/crl/delta/der`, 'cert/delta-crl']) {
        const crl = crlOf(await m.call('read', p));
        assert.ok(crl.getExtension('2.5.29.27'), `${p}: a delta CRL`);
      }
    } finally {
      ro.restore();
    }
    assert.deepEqual(ro.attempted, []);
    await m.backend.cleanup?.();
  });

  it('a CRL missing from storage (a mount written before CRLs were built eagerly) is built when the mount loads, not on a fetch', async () => {
    const first = pkiMount();
    const root = await first.data('update', 'root/generate/internal', { common_name: 'Old Root', key_type: 'ec', issuer_name: 'old' });
    await first.backend.cleanup?.();
    await first.storage.delete(`crls/${root.issuer_id}`);

    const again = pkiMount({ storage: first.storage });
    await waitFor('the missing CRL to be built on load', async () => (await again.storage.get(`crls/${root.issuer_id}`)) !== null);
    await fetchesOnlyRead(again, root.issuer_id, true);
    await again.backend.cleanup?.();
  });

  it('a fetch finding no CRL answers Vault\'s error instead of building one', async () => {
    const m = pkiMount();
    const root = await m.data('update', 'root/generate/internal', { common_name: 'Gone Root', key_type: 'ec', issuer_name: 'gone' });
    await m.backend.cleanup?.(); // no periodic work racing the fetch
    await m.storage.delete(`crls/${root.issuer_id}`);
    const ro = readOnly(m);
    try {
      for (const p of ['issuer/gone/crl', 'issuer/gone/crl/der', 'crl', 'crl/pem', 'cert/crl']) {
        await rejectsWard(m.call('read', p), 400, new RegExp(`^unable to find CRL for issuer: id:${root.issuer_id}/ref:(gone|default)$`));
      }
    } finally {
      ro.restore();
    }
    assert.deepEqual(ro.attempted, []);
  });
});
