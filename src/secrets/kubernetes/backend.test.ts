import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { silentLogger } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { driveBackend } from '../../sdk/testing.js';
import { connectionFor, type KubeEngineContext } from './context.js';
import { createKubernetesSecretsBackend, type KubeEngineOptions } from './index.js';

const system = { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 86400, options: () => ({}) };

function harness(o: KubeEngineOptions = { env: {}, serviceAccountDir: '/nonexistent' }) {
  const storage = new InmemStorage();
  const { backend } = createKubernetesSecretsBackend({ storage, mountPoint: 'kubernetes/', mountType: 'kubernetes', logger: silentLogger, system }, o);
  return driveBackend(backend, storage, { mountPoint: 'kubernetes/', mountType: 'kubernetes', mountAccessor: 'kubernetes_1', clientToken: '' });
}

describe('kubernetes engine roles', () => {
  const h = harness();
  const ok = { allowed_kubernetes_namespaces: 'apps', service_account_name: 'app' };

  it('stores a role and reads it back with defaults', async () => {
    assert.equal(await h.call('update', 'roles/app', { ...ok, extra_labels: { a: 'b' } }), null);
    const r = await h.call('read', 'roles/app');
    assert.deepEqual(r?.data, {
      allowed_kubernetes_namespaces: ['apps'],
      allowed_kubernetes_namespace_selector: '',
      token_max_ttl: 0,
      token_default_ttl: 0,
      token_default_audiences: [],
      service_account_name: 'app',
      kubernetes_role_name: '',
      kubernetes_role_type: 'Role',
      generated_role_rules: '',
      name_template: '',
      extra_labels: { a: 'b' },
      extra_annotations: {},
    });
    assert.deepEqual((await h.call('list', 'roles/'))?.data, { keys: ['app'] });
  });

  const bad: [string, Record<string, unknown>, string | RegExp][] = [
    ['no namespaces', { service_account_name: 'app' }, 'one (at least) of allowed_kubernetes_namespaces or allowed_kubernetes_namespace_selector must be set'],
    ['no identity', { allowed_kubernetes_namespaces: '*' }, 'one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set'],
    ['two identities', { ...ok, kubernetes_role_name: 'view' }, 'one (and only one) of service_account_name, kubernetes_role_name or generated_role_rules must be set'],
    ['bad role type', { ...ok, kubernetes_role_type: 'Group' }, "kubernetes_role_type must be either 'Role' or 'ClusterRole'"],
    ['bad rules', { allowed_kubernetes_namespaces: '*', generated_role_rules: 'rules: nope' }, "failed to parse 'generated_role_rules' as k8s.io/api/rbac/v1/Policy object"],
    ['bad selector', { allowed_kubernetes_namespace_selector: '{"matchLabels":', service_account_name: 'a' }, "failed to parse 'allowed_kubernetes_namespace_selector' as k8s.io/apimachinery/pkg/apis/meta/v1/LabelSelector object"],
    ['ttl over max', { ...ok, token_default_ttl: '2h', token_max_ttl: '1h' }, 'token_default_ttl 2h0m0s cannot be greater than token_max_ttl 1h0m0s'],
    ['bad template', { ...ok, name_template: '{{ .RoleName ' }, 'unable to initialize name template: unclosed action'],
    ['a service account name Kubernetes refuses', { ...ok, service_account_name: 'App_1' }, /^service_account_name "App_1" is not a valid Kubernetes name/],
    ['a role name Kubernetes refuses', { allowed_kubernetes_namespaces: 'apps', kubernetes_role_name: 'x'.repeat(254) }, /^kubernetes_role_name "x{10}.*" is not a valid Kubernetes name/],
    ['a namespace Kubernetes refuses', { allowed_kubernetes_namespaces: 'apps,Bad.NS', service_account_name: 'app' }, /^allowed_kubernetes_namespaces: "bad.ns" is not a valid Kubernetes namespace name/],
  ];
  for (const [what, data, text] of bad) {
    it(`refuses a role with ${what} (400)`, async () => {
      await rejectsWard(h.call('update', `roles/bad`, data), 400, text);
      assert.equal(await h.call('read', 'roles/bad'), null, 'nothing stored');
    });
  }

  it('creds: unknown role, missing namespace, ClusterRoleBinding to a Role are 400 before any API call', async () => {
    await rejectsWard(h.call('update', 'creds/nope', { kubernetes_namespace: 'apps' }), 400, "role 'nope' does not exist");
    await h.call('update', 'roles/multi', { allowed_kubernetes_namespaces: 'a,b', kubernetes_role_name: 'view' });
    await rejectsWard(h.call('update', 'creds/multi', {}), 400, "'kubernetes_namespace' is required unless the Vault role has a single namespace specified");
    await rejectsWard(h.call('update', 'creds/multi', { kubernetes_namespace: 'c' }), 400, /is not present in role's allowed_kubernetes_namespaces/);
    await rejectsWard(h.call('update', 'creds/multi', { kubernetes_namespace: 'a', cluster_role_binding: true }), 400, 'a ClusterRoleBinding cannot ref a Role');
    await h.call('update', 'roles/any', { allowed_kubernetes_namespaces: '*', kubernetes_role_name: 'view' });
    await rejectsWard(h.call('update', 'creds/any', { kubernetes_namespace: 'No_Such/ns' }), 400, /^kubernetes_namespace "No_Such\/ns" is not a valid Kubernetes namespace name/);
    await h.call('update', 'roles/upper', { allowed_kubernetes_namespaces: 'a', kubernetes_role_name: 'view', name_template: 'Ward_{{ .RoleName }}' });
    await rejectsWard(h.call('update', 'creds/upper', {}), 400, /^name_template produced "Ward_upper", which is not a valid Kubernetes name/);
  });

  it('config: the JWT is write-only; check without a host or the in-cluster env is a 400 naming what is missing', async () => {
    await rejectsWard(h.call('read', 'check'), 400, 'kubernetes_host is not configured and the in-cluster defaults are missing: KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT');
    assert.equal(await h.call('update', 'config', { kubernetes_host: 'https://k:6443', service_account_jwt: 'secret-jwt' }), null);
    assert.deepEqual((await h.call('read', 'config'))?.data, { kubernetes_host: 'https://k:6443', kubernetes_ca_cert: '', disable_local_ca_jwt: false });
  });
});

describe('kubernetes engine config', () => {
  const h = harness();
  for (const host of ['http://k:8080', 'ftp://k', 'https://', '::::']) {
    it(`refuses kubernetes_host ${JSON.stringify(host)} with 400 (TLS only)`, async () => {
      await rejectsWard(h.call('update', 'config', { kubernetes_host: host }), 400, /^kubernetes_host must be an https URL/);
    });
  }
  it('refuses a kubernetes_ca_cert that is not a PEM certificate with 400', async () => {
    await rejectsWard(h.call('update', 'config', { kubernetes_host: 'https://k', kubernetes_ca_cert: 'not a cert' }), 400, 'kubernetes_ca_cert is not a PEM-encoded certificate');
  });
  it('accepts a bare host:port as https', async () => {
    assert.equal(await h.call('update', 'config', { kubernetes_host: '10.0.0.1:6443' }), null);
  });
});

describe('kubernetes engine connection defaults', () => {
  const ctx = (env: Record<string, string>, dir: string): KubeEngineContext => ({ system, logger: silentLogger, env, serviceAccountDir: dir });

  it('in a pod: the service env vars, the mounted token and CA; disable_local_ca_jwt turns them off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-sa-'));
    try {
      writeFileSync(join(dir, 'token'), 'pod-token\n');
      writeFileSync(join(dir, 'ca.crt'), 'PEM');
      const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
      assert.deepEqual(await connectionFor(ctx(env, dir), null), { host: 'https://10.0.0.1:443', caCert: 'PEM', token: 'pod-token' });
      assert.deepEqual(await connectionFor(ctx({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir), null), { host: 'https://[fd00::1]:443', caCert: 'PEM', token: 'pod-token' });
      const explicit = { kubernetes_host: 'https://k', kubernetes_ca_cert: '', service_account_jwt: 'given', disable_local_ca_jwt: false };
      assert.deepEqual(await connectionFor(ctx(env, dir), explicit), { host: 'https://k', caCert: 'PEM', token: 'given' });
      assert.deepEqual(await connectionFor(ctx(env, dir), { ...explicit, service_account_jwt: '', disable_local_ca_jwt: true }), { host: 'https://k', caCert: '', token: '' });
      await rejectsWard(connectionFor(ctx(env, dir), { ...explicit, kubernetes_host: '', disable_local_ca_jwt: true }), 400, /kubernetes_host is not configured/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
