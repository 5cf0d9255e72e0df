import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAgentConfig } from '../config.js';

const hcl = (method: string) => `auto_auth {\n  method "cert" {\n${method}\n  }\n}\n`;

test('cert config: Vault Agent keys, all optional', () => {
  assert.deepEqual(parseAgentConfig(hcl(''), 'a.hcl').autoAuth?.method.params, { type: 'cert', name: '', reload: false });
  const m = parseAgentConfig(hcl('mount_path = "auth/certs"\nconfig = {\n name = "web"\n ca_cert = "/ca.pem"\n client_cert = "/c.pem"\n client_key = "/k.pem"\n reload = true\n}'), 'a.hcl').autoAuth?.method;
  assert.equal(m?.mountPath, 'certs');
  assert.deepEqual(m?.params, { type: 'cert', name: 'web', caCert: '/ca.pem', clientCert: '/c.pem', clientKey: '/k.pem', reload: true });
});

test('cert config errors name the field', () => {
  assert.throws(() => parseAgentConfig(hcl('config = { client_cert = "/c.pem" }'), 'a.hcl'), /a\.hcl:\d+: .*client_cert and client_key must be set together/);
  assert.throws(() => parseAgentConfig(hcl('config = { client_key = "/k.pem" }'), 'a.hcl'), /client_cert and client_key must be set together/);
  assert.throws(() => parseAgentConfig(hcl('config = { tls_skip_verify = true }'), 'a.hcl'), /unknown key "tls_skip_verify"/);
  assert.throws(() => parseAgentConfig(hcl('config = { reload = "sometimes" }'), 'a.hcl'), /reload must be a boolean/);
});
