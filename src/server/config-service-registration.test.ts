import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import hcl from 'js-hcl-parser';
import { blocks, ConfigError, Locator, parseConfig } from './config.js';
import { parseServiceRegistration } from './config-service-registration.js';

const BASE = 'storage "inmem" {}\n\n';

/** Parses the one service_registration stanza of `text` with `env` as the process environment. */
function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  const full = BASE + text;
  const loc = new Locator('ward.hcl', full);
  const root = JSON.parse(hcl.parse(full)) as Record<string, unknown>;
  const [block] = blocks(root['service_registration'], 'service_registration', loc);
  assert.ok(block);
  return parseServiceRegistration(block, loc, loc.offsetOf('service_registration'), env);
}

describe('service_registration "kubernetes"', () => {
  it('reads namespace and pod_name from the stanza', () => {
    const c = parse('service_registration "kubernetes" {\n  namespace = "vault"\n  pod_name  = "vault-0"\n}\n');
    assert.deepEqual(c, { type: 'kubernetes', namespace: 'vault', podName: 'vault-0' });
  });

  it('lets VAULT_K8S_NAMESPACE and VAULT_K8S_POD_NAME win over the file, and an empty stanza use them alone', () => {
    const env = { VAULT_K8S_NAMESPACE: 'prod', VAULT_K8S_POD_NAME: 'ward-2' };
    assert.deepEqual(parse('service_registration "kubernetes" {\n  namespace = "vault"\n  pod_name  = "vault-0"\n}\n', env), { type: 'kubernetes', namespace: 'prod', podName: 'ward-2' });
    assert.deepEqual(parse('service_registration "kubernetes" {}\n', env), { type: 'kubernetes', namespace: 'prod', podName: 'ward-2' });
    // An empty variable counts as unset, as in Vault.
    assert.deepEqual(parse('service_registration "kubernetes" {\n  namespace = "vault"\n  pod_name  = "vault-0"\n}\n', { VAULT_K8S_NAMESPACE: '' }).namespace, 'vault');
  });

  it('names the missing setting, the variable and the line', () => {
    assert.throws(() => parse('service_registration "kubernetes" {\n  pod_name = "vault-0"\n}\n'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, 'ward.hcl:3: service_registration "kubernetes": namespace must be provided via "VAULT_K8S_NAMESPACE" or the "namespace" config parameter');
      return true;
    });
    assert.throws(() => parse('service_registration "kubernetes" {}\n', { VAULT_K8S_NAMESPACE: 'vault' }), /ward\.hcl:3: .*pod_name must be provided via "VAULT_K8S_POD_NAME"/);
  });

  it('refuses names Kubernetes would never accept', () => {
    assert.throws(() => parse('service_registration "kubernetes" {\n  namespace = "Vault/x"\n  pod_name = "vault-0"\n}\n'), /ward\.hcl:4: .*namespace name "Vault\/x" is not a valid Kubernetes namespace name/);
    assert.throws(() => parse('service_registration "kubernetes" {}\n', { VAULT_K8S_NAMESPACE: 'vault', VAULT_K8S_POD_NAME: 'a b' }), /ward\.hcl:3: .*pod name "a b" \(from VAULT_K8S_POD_NAME\) is not a valid Kubernetes pod name/);
  });

  it('reads the JSON form too', () => {
    const json = JSON.stringify({ storage: { inmem: {} }, service_registration: { kubernetes: { namespace: 'vault', pod_name: 'ward-0' } } });
    const saved = { ns: process.env['VAULT_K8S_NAMESPACE'], pod: process.env['VAULT_K8S_POD_NAME'] };
    delete process.env['VAULT_K8S_NAMESPACE'];
    delete process.env['VAULT_K8S_POD_NAME'];
    try {
      assert.deepEqual(parseConfig(json, 'ward.json').serviceRegistration, { type: 'kubernetes', namespace: 'vault', podName: 'ward-0' });
    } finally {
      if (saved.ns !== undefined) process.env['VAULT_K8S_NAMESPACE'] = saved.ns;
      if (saved.pod !== undefined) process.env['VAULT_K8S_POD_NAME'] = saved.pod;
    }
  });

  it('rejects unknown keys and unknown types with file:line (through the whole config)', () => {
    assert.throws(() => parseConfig(`${BASE}service_registration "kubernetes" {\n  namespace = "vault"\n  podname = "x"\n}\n`, 'ward.hcl'), /ward\.hcl:5: unknown key "podname" in service_registration "kubernetes"/);
    assert.throws(() => parseConfig(`${BASE}service_registration "kubernetes" {\n  namespace = 3\n}\n`, 'ward.hcl'), /ward\.hcl:4: namespace must be a string/);
    assert.throws(() => parseConfig(`${BASE}service_registration "consul" {}\n`, 'ward.hcl'), /ward\.hcl:3: unknown service_registration type "consul"/);
  });
});
