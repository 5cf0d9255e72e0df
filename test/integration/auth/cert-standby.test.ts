/**
 * Issue 19, cert auth under HA: a login sent to a standby is forwarded to the active node
 * with the client certificate chain the standby saw (Vault forwards the peer
 * certificates too), so it logs in; a client cannot smuggle a chain in by header.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { errText } from '../../helpers/errors.js';
import { startHaCluster, type HaCluster } from '../../helpers/ha-cluster.js';
import { api } from '../../helpers/server.js';
import { makeCa } from '../../helpers/test-ca.js';

function tlsLogin(url: string, client: { cert?: string; key?: string }, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  // any: asserted field by field
  return new Promise((resolve, reject) => {
    const r = https.request(`${url}/v1/auth/cert/login`, { method: 'POST', headers: { 'Content-Length': '2', ...headers }, rejectUnauthorized: false, agent: false, ...client }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    r.on('error', reject);
    r.end('{}');
  });
}

describe('cert auth through a standby', () => {
  let c: HaCluster;
  let tls: Listener;
  let dir: string;
  before(async () => {
    c = await startHaCluster({ nodes: 2 });
    const a = await c.active();
    const call = (method: string, path: string, body?: unknown) => api(a, method, path, { token: c.rootToken, ...(body === undefined ? {} : { body }) });
    assert.equal((await call('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    assert.equal((await call('POST', 'sys/auth/cert', { type: 'cert' })).status, 204);
    dir = mkdtempSync(join(tmpdir(), 'ward-cert-ha-'));
    const server = await (await makeCa('listener-ca')).server('ward');
    writeFileSync(join(dir, 'cert.pem'), server.certPem);
    writeFileSync(join(dir, 'key.pem'), server.keyPem);
    const standby = c.nodes.find((n) => n !== a)!;
    tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') }, createHandler(standby.core, { logger: silentLogger }));
  });
  after(async () => {
    await tls?.close();
    await c?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the certificate presented to the standby', async () => {
    const a = await c.active();
    const call = (method: string, path: string, body?: unknown) => api(a, method, path, { token: c.rootToken, ...(body === undefined ? {} : { body }) });
    const root = await call('POST', 'pki/root/generate/internal', { common_name: 'ha-root', ttl: '720h', key_type: 'ec', key_bits: 256 });
    assert.equal(root.status, 200, errText(root));
    assert.ok([200, 204].includes((await call('POST', 'pki/roles/clients', { allow_any_name: true, client_flag: true, key_type: 'ec', key_bits: 256 })).status));
    assert.equal((await call('POST', 'auth/cert/certs/web', { certificate: root.body.data.certificate })).status, 204);
    const issued = (await call('POST', 'pki/issue/clients', { common_name: 'web-1', ttl: '1h' })).body.data;
    const r = await tlsLogin(tls.url, { cert: issued.certificate, key: issued.private_key });
    assert.equal(r.status, 200, errText(r));
    assert.equal(r.body.auth.metadata.common_name, 'web-1');
    // A header naming a chain is the standby's to set, never the client's.
    const der = Buffer.from(issued.certificate.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
    const smuggled = await tlsLogin(tls.url, {}, { 'X-Ward-Forwarded-Client-Certs': der });
    assert.equal(smuggled.status, 400);
    assert.deepEqual(smuggled.body.errors, ['client certificate must be supplied']);
  });
});
