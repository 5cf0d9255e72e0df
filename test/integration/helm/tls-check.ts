/**
 * What "serves TLS 1.2+ only" means for a chart pod, checked from outside as a client sees it:
 * a TLS 1.2 and a TLS 1.3 handshake succeed (the certificate verified against the test CA),
 * and a TLS 1.1 handshake is refused — by Ward: the same client speaks TLS 1.1 to a server
 * that allows it (the control), so the refusal is not this machine's OpenSSL defaults.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import type { Issued, TestCa } from '../../helpers/test-ca.js';

const TLS11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

/** The negotiated protocol of a handshake with host:port (rejects when it fails). */
export function handshake(host: string, port: number, o: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, servername: 'localhost', ...o }, () => {
      const v = s.getProtocol() ?? '';
      s.end();
      resolve(v);
    });
    s.on('error', reject);
  });
}

/** Asserts the API listener at host:port speaks TLS 1.2 and 1.3 and refuses TLS 1.1. */
export async function assertTls12Plus(host: string, port: number, ca: TestCa, leaf: Issued, cleanups: (() => unknown)[]): Promise<void> {
  assert.equal(await handshake(host, port, { ca: ca.certPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
  assert.equal(await handshake(host, port, { ca: ca.certPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), 'TLSv1.3');
  const open = createServer({ cert: leaf.certPem, key: leaf.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  await new Promise<void>((res) => open.listen(0, '127.0.0.1', res));
  cleanups.push(() => new Promise((res) => open.close(res)));
  assert.equal(await handshake('127.0.0.1', (open.address() as { port: number }).port, { ca: ca.certPem, ...TLS11 }), 'TLSv1.1');
  await assert.rejects(handshake(host, port, { ca: ca.certPem, ...TLS11 }), /protocol version|alert/i);
}
