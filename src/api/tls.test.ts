import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSSL, skipUnless } from '../../test/helpers/requirement.js';
import { ConnectionError, WardClient } from './index.js';

/** Makes a CA, a server cert for 127.0.0.1 and a client cert with openssl in `dir`; any openssl failure throws. */
function makePki(dir: string): (n: string) => string {
  const p = (n: string): string => join(dir, n);
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ward-test-ca', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  for (const [name, cn] of [['srv', '127.0.0.1'], ['cli', 'ward-client']] as const) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`)]);
    run(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '1', '-out', p(`${name}.pem`), '-extfile', p('ext.cnf')]);
  }
  mkdirSync(p('cadir'));
  writeFileSync(join(p('cadir'), 'ca.pem'), readFileSync(p('ca.pem')));
  return p;
}

test('custom CA (caCert / caPath), client certificates and tlsSkipVerify', { skip: skipUnless(OPENSSL) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const p = makePki(dir);
  const seen: string[] = [];
  const server: Server = createServer({ key: readFileSync(p('srv.key')), cert: readFileSync(p('srv.pem')), ca: readFileSync(p('ca.pem')), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push(String(peer.subject?.CN ?? ''));
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ initialized: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`; // TCP listener

  const withCa = new WardClient({ address, caCert: p('ca.pem'), clientCert: p('cli.pem'), clientKey: p('cli.key') });
  assert.equal(await withCa.initStatus(), true);
  assert.equal(seen.at(-1), 'ward-client', 'the client certificate was presented');
  withCa.close();

  const byDir = new WardClient({ address, caPath: p('cadir') });
  assert.equal(await byDir.initStatus(), true);
  byDir.close();

  const untrusted = await new WardClient({ address }).initStatus().catch((e: unknown) => e);
  assert.ok(untrusted instanceof ConnectionError);
  assert.match(untrusted.message, new RegExp(`^cannot reach ${address}: .*certificate`));

  const skip = new WardClient({ address, tlsSkipVerify: true });
  assert.equal(await skip.initStatus(), true);
  skip.close();
});
