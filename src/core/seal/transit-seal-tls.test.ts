/** The transit seal's tls_* settings reach the connection: CA, client certificate, server name, skip-verify. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSSL, skipUnless } from '../../../test/helpers/requirement.js';
import { SealError } from './auto-seal.js';
import { TransitSeal } from './transit-seal.js';
import type { TransitSealSpec } from './spec.js';

function makePki(dir: string): (n: string) => string {
  const p = (n: string): string => join(dir, n);
  writeFileSync(p('ext.cnf'), 'subjectAltName=DNS:transit.test\n');
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=seal-test-ca', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  for (const [name, cn] of [['srv', 'transit.test'], ['cli', 'seal-client']] as const) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`)]);
    run(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '1', '-out', p(`${name}.pem`), '-extfile', p('ext.cnf')]);
  }
  return p;
}

test('transit seal over TLS: CA and server name verify the provider, the client certificate is presented', { skip: skipUnless(OPENSSL) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-seal-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = makePki(dir);
  const clients: string[] = [];
  const server = createServer({ key: readFileSync(p('srv.key')), cert: readFileSync(p('srv.pem')), ca: readFileSync(p('ca.pem')), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    clients.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ data: { ciphertext: 'vault:v1:abc' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base: TransitSealSpec = { type: 'transit', address, token: 't', keyName: 'k', mountPath: 'transit', disableRenewal: true, tlsSkipVerify: false };

  const verified = new TransitSeal({ ...base, tlsCaCert: p('ca.pem'), tlsServerName: 'transit.test', tlsClientCert: p('cli.pem'), tlsClientKey: p('cli.key') });
  assert.equal((await verified.wrap(Buffer.from('x'))).ciphertext, 'vault:v1:abc');
  assert.deepEqual(clients, ['seal-client']);
  verified.stop();

  const noCa = new TransitSeal(base);
  await assert.rejects(noCa.wrap(Buffer.from('x')), (e: unknown) => e instanceof SealError && e.message.includes(address));
  noCa.stop();

  const wrongName = new TransitSeal({ ...base, tlsCaCert: p('ca.pem') }); // the certificate names transit.test, not 127.0.0.1
  await assert.rejects(wrongName.wrap(Buffer.from('x')), SealError);
  wrongName.stop();

  const skip = new TransitSeal({ ...base, tlsSkipVerify: true });
  assert.equal((await skip.wrap(Buffer.from('x'))).ciphertext, 'vault:v1:abc');
  skip.stop();
});
