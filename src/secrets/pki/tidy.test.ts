import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { pkiMount } from './test-mount.test-helper.js';

const key = (serial: string) => serial.replace(/:/g, '-');

describe('pki tidy', () => {
  it('removes expired certificates and revocations and reports as Vault', async () => {
    const m = pkiMount();
    await m.withRoot();
    const [a, b, c] = [await m.issue('a.example.com'), await m.issue('b.example.com'), await m.issue('c.example.com')];
    await m.call('update', 'revoke', { serial_number: b.serial_number });
    await m.expire(a.serial_number);
    await m.expire(b.serial_number);
    const t = await m.call('update', 'tidy', { tidy_cert_store: true, tidy_revocation_list: true, safety_buffer: '1m' });
    assert.equal(t?.status, 202);
    await m.backend.tidier.running;
    const st = await m.data('read', 'tidy-status');
    assert.equal(st.state, 'Finished');
    assert.equal(st.message, 'Tidying finished');
    assert.equal(st.tidy_cert_store, true);
    assert.equal(st.tidy_revoked_certs, true, 'tidy_revocation_list is the old name of tidy_revoked_certs');
    assert.equal(st.tidy_revoked_cert_issuer_associations, false);
    assert.equal(st.safety_buffer, 60);
    assert.equal(st.pause_duration, '0s');
    assert.equal(st.cert_store_deleted_count, 1);
    assert.equal(st.revoked_cert_deleted_count, 1);
    assert.equal(st.missing_issuer_cert_count, 0);
    assert.equal(st.current_revoked_cert_count, 0);
    assert.equal(st.current_cert_store_count, 2, 'the root and c stay');
    assert.equal(st.error, null);
    assert.ok(Date.parse(st.time_started) <= Date.parse(st.time_finished));
    assert.equal(await m.storage.get(`certs/${key(a.serial_number)}`), null);
    assert.notEqual(await m.storage.get(`certs/${key(c.serial_number)}`), null);
    const crl = new x509.X509Crl(new Uint8Array((await m.call('read', 'crl'))!.raw!.body as Buffer));
    assert.deepEqual(crl.entries, [], 'the expired revocation left the CRL');
  });

  it('validates flags with Vault words', async () => {
    const m = pkiMount();
    await m.withRoot();
    await rejectsWard(m.call('update', 'tidy', {}), 400, /at least one operation/i);
    await rejectsWard(m.call('update', 'tidy', { tidy_cert_store: true, pause_duration: '-1s' }), 400, /negative pause_duration/);
    await rejectsWard(m.call('update', 'tidy', { tidy_cert_store: true, pause_duration: 'slow' }), 400, /pause_duration/);
    await rejectsWard(m.call('update', 'tidy-cancel'), 400, /Tidy operation cannot be cancelled as none is currently running/);
  });

  it('pauses between certificates, refuses a second run, and stops on tidy-cancel', async () => {
    const m = pkiMount();
    await m.withRoot();
    for (let i = 0; i < 4; i++) await m.expire((await m.issue(`n${i}.example.com`)).serial_number);
    assert.equal((await m.call('update', 'tidy', { tidy_cert_store: true, safety_buffer: '1s', pause_duration: '2s' }))?.status, 202);
    const again = await m.call('update', 'tidy', { tidy_cert_store: true });
    assert.deepEqual(again?.warnings, ['Tidy operation already in progress.']);
    const cancel = await m.data('update', 'tidy-cancel');
    assert.equal(cancel.state, 'Cancelling');
    await m.backend.tidier.running;
    const st = await m.data('read', 'tidy-status');
    assert.equal(st.state, 'Cancelled');
    // The 2 s pause before the first certificate is where the cancel lands (it cuts the pause short).
    assert.equal(st.cert_store_deleted_count, 0, 'stopped before deleting anything');
    assert.equal(st.pause_duration, '2s');
  });

  it('tidy_revoked_cert_issuer_associations gives a revocation without an issuer the one that signed it', async () => {
    const m = pkiMount();
    const root = await m.withRoot();
    const leaf = await m.issue();
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    const p = `revoked/${key(leaf.serial_number)}`;
    const rec = JSON.parse((await m.storage.get(p))!.toString());
    await m.storage.put(p, Buffer.from(JSON.stringify({ ...rec, issuerId: '' })));
    await m.call('update', 'tidy', { tidy_revoked_cert_issuer_associations: true });
    await m.backend.tidier.running;
    assert.equal(JSON.parse((await m.storage.get(p))!.toString()).issuerId, root.issuer_id);
    assert.equal((await m.data('read', 'tidy-status')).missing_issuer_cert_count, 0);
  });
});

describe('pki config/auto-tidy', () => {
  it('reads Vault defaults and refuses enabling with nothing to do', async () => {
    const m = pkiMount();
    assert.deepEqual(await m.data('read', 'config/auto-tidy'), {
      enabled: false,
      interval_duration: 43200,
      tidy_cert_store: false,
      tidy_revoked_certs: false,
      tidy_revoked_cert_issuer_associations: false,
      safety_buffer: 259200,
      pause_duration: '0s',
    });
    await rejectsWard(m.call('update', 'config/auto-tidy', { enabled: true }), 400, /Auto-tidy enabled but no tidy operations were requested/);
  });

  it('runs tidy on its interval while mounted and stops on cleanup', async () => {
    const m = pkiMount({ tickMs: 20 });
    await m.withRoot();
    const leaf = await m.issue();
    await m.expire(leaf.serial_number);
    const w = await m.data('update', 'config/auto-tidy', { enabled: true, interval_duration: '1s', tidy_cert_store: true, safety_buffer: '1s' });
    assert.equal(w.interval_duration, 1);
    await waitFor('auto-tidy to remove the expired certificate', async () => (await m.storage.get(`certs/${key(leaf.serial_number)}`)) === null);
    await waitFor('the run to finish', async () => (await m.data('read', 'tidy-status')).state === 'Finished');
    assert.match((await m.data('read', 'tidy-status')).last_auto_tidy_finished, /^\d{4}-/);
    assert.equal(m.backend.periodic.active, true);
    await m.backend.cleanup?.();
    assert.equal(m.backend.periodic.active, false, 'no timer left behind');
  });

  it('rebuilds an auto_rebuild CRL inside its grace period and the delta CRL on its interval', async () => {
    const m = pkiMount({ tickMs: 20 });
    await m.withRoot();
    await m.call('update', 'config/crl', { auto_rebuild: true, expiry: '3s', auto_rebuild_grace_period: '2s', enable_delta: true, delta_rebuild_interval: '1s' });
    const number = async (p: string) => {
      const crl = new x509.X509Crl(new Uint8Array((await m.call('read', p))!.raw!.body as Buffer));
      return { n: parseInt(Buffer.from(crl.getExtension('2.5.29.20')!.value).subarray(2).toString('hex'), 16), entries: crl.entries.length };
    };
    const first = (await number('crl')).n;
    await waitFor('the complete CRL to be rebuilt before it expires', async () => (await number('crl')).n > first);
    const leaf = await m.issue();
    await m.call('update', 'revoke', { serial_number: leaf.serial_number });
    await waitFor('the delta CRL to list the revocation', async () => (await number('crl/delta')).entries === 1 || (await number('crl')).entries === 1);
    await m.backend.cleanup?.();
  });
});
