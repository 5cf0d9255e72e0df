/**
 * Issue 19 (cert auth): the client certificate chain a TLS client presented reaches the
 * core's request input (DER, leaf first), so an auth method can verify it; a plain-HTTP
 * request carries no TLS state and a TLS one without a certificate an empty chain.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { FakeCore } from '../../../src/http/fake-core.test-helper.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { makeCa, type Issued, type TestCa } from '../../helpers/test-ca.js';

function call(url: string, opts: https.RequestOptions = {}): Promise<number> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(`${url}/v1/secret/x`, { method: 'GET', rejectUnauthorized: false, agent: false, ...opts }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end();
  });
}

describe('client certificates in the request input', () => {
  let dir: string;
  let ca: TestCa;
  let alice: Issued;
  const core = new FakeCore();
  let tlsListener: Listener;
  let plain: Listener;
  before(async () => {
    core.initialized = true;
    core.sealed = false;
    dir = mkdtempSync(join(tmpdir(), 'ward-peer-'));
    ca = await makeCa('peer-ca');
    alice = await ca.client('alice');
    const server = await ca.server('ward');
    writeFileSync(join(dir, 'cert.pem'), server.certPem);
    writeFileSync(join(dir, 'key.pem'), server.keyPem);
    const handler = createHandler(core, { logger: silentLogger });
    tlsListener = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') }, handler);
    plain = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, handler);
  });
  after(async () => {
    await tlsListener?.close();
    await plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the presented chain, leaf first, as DER', async () => {
    core.inputs = [];
    await call(tlsListener.url, { cert: alice.certPem + ca.certPem, key: alice.keyPem });
    const chain = core.inputs[0]?.connection.tls?.peerCertificates ?? [];
    assert.ok(chain.length >= 1, 'no chain');
    assert.equal(new X509Certificate(chain[0]!).subject, 'CN=alice');
    assert.ok(chain.some((c) => new X509Certificate(c).subject === 'CN=peer-ca'), 'the CA the client sent is missing');
  });

  it('TLS without a client certificate: an empty chain; plain HTTP: no TLS state', async () => {
    core.inputs = [];
    await call(tlsListener.url);
    assert.deepEqual(core.inputs[0]?.connection.tls, { peerCertificates: [] });
    await call(plain.url);
    assert.equal(core.inputs[1]?.connection.tls, undefined);
  });
});
