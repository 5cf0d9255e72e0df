import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { pkiMount } from './test-mount.test-helper.js';

type M = ReturnType<typeof pkiMount>;

/** The raw body of a fetch path, parsed as a CRL (DER or PEM). */
async function fetchCrl(m: M, path: string): Promise<x509.X509Crl> {
  const r = await m.call('read', path);
  assert.ok(r?.raw, `${path} answers a raw body`);
  assert.equal(r.raw.status, 200);
  return new x509.X509Crl(typeof r.raw.body === 'string' ? r.raw.body : new Uint8Array(r.raw.body));
}

const crlNumber = (c: x509.X509Crl): number => {
  const ext = c.getExtension('2.5.29.20');
  assert.ok(ext, 'CRL Number extension present');
  return parseInt(Buffer.from(ext.value).subarray(2).toString('hex'), 16);
};
const deltaBase = (c: x509.X509Crl): number | null => {
  const ext = c.getExtension('2.5.29.27');
  return ext ? parseInt(Buffer.from(ext.value).subarray(2).toString('hex'), 16) : null;
};
const serials = (c: x509.X509Crl): string[] => c.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, ''));
const hex = (colon: string): string => colon.replace(/:/g, '').replace(/^0+/, '');

describe('pki config/crl', () => {
  it('reads Vault defaults and echoes a write', async () => {
    const m = pkiMount();
    assert.deepEqual(await m.data('read', 'config/crl'), {
      expiry: '72h',
      disable: false,
      ocsp_disable: false,
      ocsp_expiry: '12h',
      auto_rebuild: false,
      auto_rebuild_grace_period: '12h',
      enable_delta: false,
      delta_rebuild_interval: '15m',
    });
    const w = await m.data('update', 'config/crl', { expiry: '48h', auto_rebuild: true, enable_delta: true, delta_rebuild_interval: '5m' });
    assert.equal(w.expiry, '48h');
    assert.equal(w.enable_delta, true);
    assert.equal((await m.data('read', 'config/crl')).delta_rebuild_interval, '5m');
  });

  it('refuses inconsistent settings with Vault words', async () => {
    const m = pkiMount();
    await rejectsWard(m.call('update', 'config/crl', { expiry: 'soon' }), 400, /given expiry could not be decoded/);
    await rejectsWard(m.call('update', 'config/crl', { auto_rebuild: true, expiry: '12h' }), 400, /grace period \(12h\) must be strictly shorter than CRL expiry \(12h\)/);
    await rejectsWard(m.call('update', 'config/crl', { enable_delta: true }), 400, /Delta CRLs cannot be enabled when auto rebuilding is disabled/);
    await rejectsWard(m.call('update', 'config/crl', { ocsp_expiry: '-1h' }), 400, /ocsp_expiry must be greater than or equal to 0/);
    assert.equal((await m.data('read', 'config/crl')).expiry, '72h', 'nothing was stored');
  });
});

describe('pki CRL building', () => {
  it('honours expiry for nextUpdate and numbers CRLs increasingly on rotate', async () => {
    const m = pkiMount();
    await m.withRoot();
    const first = await fetchCrl(m, 'crl');
    await m.call('update', 'config/crl', { expiry: '1h' });
    assert.deepEqual(await m.data('read', 'crl/rotate'), { success: true });
    const second = await fetchCrl(m, 'crl');
    assert.equal((second.nextUpdate!.getTime() - second.thisUpdate.getTime()) / 1000, 3600);
    assert.ok(crlNumber(second) > crlNumber(first), 'CRL numbers increase');
  });

  it('concurrent rebuilds of one issuer\'s CRL sign one after another: every CRL gets its own number', async () => {
    const m = pkiMount();
    await m.withRoot();
    const first = crlNumber(await fetchCrl(m, 'crl'));
    await Promise.all(Array.from({ length: 5 }, () => m.data('read', 'crl/rotate')));
    assert.equal(crlNumber(await fetchCrl(m, 'crl')), first + 5, 'five rotations, five numbers (RFC 5280 §5.2.3: never reused)');
  });

  it('serves an empty signed CRL while disabled and the full one again after', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    assert.deepEqual(serials(await fetchCrl(m, 'crl')), [hex(leaf.serial_number)]);
    await m.call('update', 'config/crl', { disable: true });
    const empty = await fetchCrl(m, 'crl/pem');
    assert.deepEqual(empty.entries, []);
    assert.ok(await empty.verify({ publicKey: new x509.X509Certificate(root.certificate).publicKey }), 'still signed by the CA');
    await m.call('update', 'config/crl', { disable: false });
    assert.deepEqual(serials(await fetchCrl(m, 'crl')), [hex(leaf.serial_number)]);
  });

  it('with auto_rebuild and delta: revocations reach the delta CRL first, the complete CRL on rotation', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    await m.call('update', 'config/crl', { auto_rebuild: true, enable_delta: true });
    await m.data('read', 'crl/rotate');
    const leaf = await m.issue();
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    assert.deepEqual(serials(await fetchCrl(m, 'crl')), [], 'auto_rebuild: revocation waits for the rebuild');

    assert.deepEqual(await m.data('read', 'crl/rotate-delta'), { success: true });
    const complete = await fetchCrl(m, 'crl');
    const delta = await fetchCrl(m, 'crl/delta');
    assert.deepEqual(serials(delta), [hex(leaf.serial_number)]);
    assert.equal(deltaBase(delta), crlNumber(complete), 'Delta CRL Indicator names the complete CRL');
    assert.ok(crlNumber(delta) > crlNumber(complete));
    assert.ok(await delta.verify({ publicKey: new x509.X509Certificate(root.certificate).publicKey }));
    assert.equal(deltaBase(complete), null);

    await m.data('read', 'crl/rotate');
    const complete2 = await fetchCrl(m, 'crl');
    assert.deepEqual(serials(complete2), [hex(leaf.serial_number)]);
    assert.ok(crlNumber(complete2) > crlNumber(delta));
    const delta2 = await fetchCrl(m, 'crl/delta/pem');
    assert.deepEqual(serials(delta2), [], 'the delta empties once the complete CRL has the revocation');
    assert.equal(deltaBase(delta2), crlNumber(complete2));
  });

  it('rotation skips an issuer without a key (an imported CA certificate cannot sign a CRL)', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    await m.call('update', 'config/crl', { auto_rebuild: true, enable_delta: true });
    const imported = { ...JSON.parse((await m.storage.get(`config/issuer/${root.issuer_id}`))!.toString()), id: 'imported-1', name: 'imported', keyId: '' };
    await m.storage.put('config/issuer/imported-1', Buffer.from(JSON.stringify(imported)));
    assert.deepEqual(await m.data('read', 'crl/rotate'), { success: true });
    assert.deepEqual(await m.data('read', 'crl/rotate-delta'), { success: true });
    assert.equal(await m.storage.get('crls/imported-1'), null);
  });

  it('rotate-delta without delta CRLs enabled is refused', async () => {
    const m = pkiMount();
    await m.withRoot();
    await rejectsWard(m.call('read', 'crl/rotate-delta'), 400, /delta CRLs are not enabled/i);
  });

  it('serves each issuer\'s CRLs under issuer/:ref', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    await m.call('update', 'config/crl', { auto_rebuild: true, enable_delta: true });
    const leaf = await m.issue();
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    await m.data('read', 'crl/rotate');
    const json = await m.data('read', `issuer/${root.issuer_id}/crl`);
    assert.deepEqual(serials(new x509.X509Crl(json.crl)), [hex(leaf.serial_number)]);
    for (const p of ['issuer/root/crl/der', 'issuer/default/crl/pem', 'issuer/root/crl/delta/der', 'issuer/root/crl/delta/pem']) {
      await fetchCrl(m, p);
    }
    assert.notEqual(deltaBase(new x509.X509Crl((await m.data('read', 'cert/delta-crl')).certificate)), null, 'cert/delta-crl as JSON');
    const djson = await m.data('read', 'issuer/root/crl/delta');
    assert.notEqual(deltaBase(new x509.X509Crl(djson.crl)), null);
    await rejectsWard(m.call('read', 'issuer/nope/crl'), 400, /unable to find PKI issuer for reference: nope/);
  });
});
