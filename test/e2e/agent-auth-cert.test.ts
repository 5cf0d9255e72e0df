/**
 * Agent auto-auth `cert` end to end: the real `bin/ward agent` logs in over mutual TLS to a
 * Ward TLS listener with a client certificate issued by Ward's own PKI engine. With
 * `reload = true`, certificate files replaced on disk are used at the next login.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHandler } from '../../src/http/handler.js';
import { startListener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/sdk/logical.js';
import { api, startTestServer } from '../helpers/server.js';
import { makeCa } from '../helpers/test-ca.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

test('cert auto-auth over mutual TLS with a PKI-issued certificate; reload picks up a replaced certificate', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  const ca = await makeCa('listener-ca');
  const leaf = await ca.server('ward');
  const listenerCa = put(dir, 'listener-ca.pem', ca.certPem);
  const tls = await startListener(
    { address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: put(dir, 'cert.pem', leaf.certPem), tlsKeyFile: put(dir, 'key.pem', leaf.keyPem) },
    createHandler(server.core, { logger: silentLogger }),
  );
  t.after(() => tls.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const r = await api(server, method, path, { token: server.rootToken, ...(body === undefined ? {} : { body }) });
    assert.ok(r.status < 300, `${path}: ${JSON.stringify(r.body)}`);
    return r;
  };
  await call('POST', 'sys/mounts/pki', { type: 'pki' });
  const rootCert = (await call('POST', 'pki/root/generate/internal', { common_name: 'ward-root', ttl: '8760h' })).body.data.certificate as string;
  await call('POST', 'pki/roles/clients', { allow_any_name: true, enforce_hostnames: false, client_flag: true, server_flag: false, max_ttl: '24h', key_type: 'ec', key_bits: 256 });
  await call('POST', 'sys/auth/cert', { type: 'cert' });
  // A short max TTL makes the agent log in again (renewal cannot help), which is when reload matters.
  await call('POST', 'auth/cert/certs/web', { certificate: rootCert, allowed_common_names: 'web-*', token_ttl: '2s', token_max_ttl: '3s' });
  const issue = async (cn: string) => (await call('POST', 'pki/issue/clients', { common_name: cn, ttl: '1h' })).body.data as { certificate: string; private_key: string };
  const first = await issue('web-1');
  const certFile = put(dir, 'client.pem', first.certificate);
  const keyFile = put(dir, 'client-key.pem', first.private_key);

  const sink = join(dir, 'sink');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "cert" {
    config = {
      name = "web"
      ca_cert = "${listenerCa}"
      client_cert = "${certFile}"
      client_key = "${keyFile}"
      reload = true
    }
  }
  sink "file" { config = { path = "${sink}" } }
}
`);
  const agent = startAgent({ url: tls.url }, cfg);
  t.after(() => agent.stop());
  const cn = async (token: string) => (await api(server, 'GET', 'auth/token/lookup-self', { token })).body.data?.meta?.common_name as string | undefined;

  const t1 = await waitFor('the sink token', () => tryRead(sink), 15_000, agent);
  assert.equal(await cn(t1), 'web-1');

  const second = await issue('web-2');
  writeFileSync(keyFile, second.private_key);
  writeFileSync(certFile, second.certificate);
  await waitFor('a token logged in with the new certificate', async () => {
    const s = tryRead(sink);
    return s !== undefined && s !== t1 && (await cn(s)) === 'web-2';
  }, 20_000, agent);
});

test('cert auto-auth without a client certificate is refused by the server and retried, not crashed', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  const ca = await makeCa('listener-ca');
  const leaf = await ca.server('ward');
  const tls = await startListener(
    { address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: put(dir, 'cert.pem', leaf.certPem), tlsKeyFile: put(dir, 'key.pem', leaf.keyPem) },
    createHandler(server.core, { logger: silentLogger }),
  );
  t.after(() => tls.close());
  assert.equal((await api(server, 'POST', 'sys/auth/cert', { token: server.rootToken, body: { type: 'cert' } })).status, 204);
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "cert" {
    exit_on_err = true
    config = { ca_cert = "${put(dir, 'ca.pem', ca.certPem)}" }
  }
  sink "file" { config = { path = "${join(dir, 'sink')}" } }
}
`);
  const { code, stderr } = await startAgent({ url: tls.url }, cfg).exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /auto_auth cert: .*client certificate/i);
});
