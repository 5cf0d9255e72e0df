/**
 * The cert auth tests' fixture: one in-process Ward with a TLS listener that requests
 * client certificates, two PKI roots (`pki` trusted by the `web` entry, `pki2` not) with a
 * `clients` role, the cert method mounted with a fake clock (only it: certificates expire
 * for the method, not for the PKI engine).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertBackend } from '../../../src/auth/cert/index.js';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { createHandler } from '../../../src/http/handler.js';
import { startListener, type Listener } from '../../../src/http/listener.js';
import { silentLogger } from '../../../src/sdk/logical.js';
import { FakeClock } from '../../helpers/clock.js';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { makeCa } from '../../helpers/test-ca.js';

export interface Client {
  cert?: string;
  key?: string;
}
export interface Answer {
  status: number;
  body: any; // any: asserted field by field
}

/** One HTTPS request to the TLS listener presenting `client`'s certificate (if any). */
export function tlsCall(url: string, method: string, path: string, client: Client, o: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const body = o.body === undefined ? '' : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Length': String(Buffer.byteLength(body)) };
    if (o.token) headers['X-Vault-Token'] = o.token;
    const r = https.request(`${url}/v1/${path}`, { method, headers, rejectUnauthorized: false, agent: false, ...client }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

export interface CertHarness {
  s: TestServer;
  tls: Listener;
  dir: string;
  clock: FakeClock;
  rootPem: string;
  otherRootPem: string;
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  issue(mount: string, cn: string, extra?: Record<string, unknown>): Promise<Client & { serial: string }>;
  login(client: Client, body?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

export async function startCertHarness(): Promise<CertHarness> {
  const clock = new FakeClock(Date.now());
  const registry = builtinRegistry();
  registry.register('cert', 'auth', async (config) => createCertBackend(config, { clock }));
  const s = await startTestServer({ registry });
  const dir = mkdtempSync(join(tmpdir(), 'ward-cert-auth-'));
  let tls: Listener | null = null;
  const close = async () => {
    await tls?.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const server = await (await makeCa('listener-ca')).server('ward');
    writeFileSync(join(dir, 'cert.pem'), server.certPem);
    writeFileSync(join(dir, 'key.pem'), server.keyPem);
    const listener = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'cert.pem'), tlsKeyFile: join(dir, 'key.pem') }, createHandler(s.core, { logger: silentLogger }));
    tls = listener;
    const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
    const roots: string[] = [];
    for (const [mount, cn] of [['pki', 'ward-root'], ['pki2', 'other-root']] as const) {
      assert.equal((await call('POST', `sys/mounts/${mount}`, { type: 'pki' })).status, 204);
      assert.equal((await call('POST', `sys/mounts/${mount}/tune`, { max_lease_ttl: '87600h' })).status, 204);
      const r = await call('POST', `${mount}/root/generate/internal`, { common_name: cn, ttl: '8760h' });
      assert.equal(r.status, 200, errText(r));
      roots.push(r.body.data.certificate);
      const role = await call('POST', `${mount}/roles/clients`, { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, max_ttl: '24h', key_type: 'ec', key_bits: 256 });
      assert.ok([200, 204].includes(role.status), errText(role));
    }
    assert.equal((await call('POST', 'sys/auth/cert', { type: 'cert' })).status, 204);
    assert.equal((await call('POST', 'sys/policies/acl/web', { policy: 'path "secret/*" { capabilities = ["read"] }' })).status, 204);
    const w = await call('POST', 'auth/cert/certs/web', { certificate: roots[0], display_name: 'web', allowed_common_names: 'web-*', token_policies: 'web', token_ttl: '10m' });
    assert.equal(w.status, 204, errText(w));
    return {
      s,
      tls: listener,
      dir,
      clock,
      rootPem: roots[0]!,
      otherRootPem: roots[1]!,
      call,
      issue: async (mount, cn, extra = {}) => {
        const r = await call('POST', `${mount}/issue/clients`, { common_name: cn, ttl: '1h', ...extra });
        assert.equal(r.status, 200, errText(r));
        return { cert: r.body.data.certificate, key: r.body.data.private_key, serial: r.body.data.serial_number };
      },
      login: (client, body = {}) => tlsCall(listener.url, 'POST', 'auth/cert/login', client, { body }),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
