import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, resolveConfig } from './config.js';
import { DEFAULT_IMAGE } from './options.js';

test('defaults: :8080, Ward image, vault-k8s auth defaults, modest resources', () => {
  const c = resolveConfig({ 'tls-cert-file': '/c', 'tls-key-file': '/k', 'vault-address': 'https://ward:8200' }, {});
  // Empty host: every address, IPv6 and IPv4 (as Go's ":8080").
  assert.deepEqual(c.listen, { host: '', port: 8080 });
  assert.deepEqual(c.tls, { kind: 'files', certFile: '/c', keyFile: '/k' });
  assert.equal(c.options.vaultImage, DEFAULT_IMAGE);
  assert.equal(c.options.authPath, 'auth/kubernetes');
  assert.equal(c.options.resources.cpuRequest, '50m');
  assert.equal(c.nativeSidecars, 'auto');
  assert.equal(c.logLevel, 'info');
});

test('AGENT_INJECT_* variables win over flags, as in vault-k8s', () => {
  const c = resolveConfig(
    { listen: '127.0.0.1:9000', 'tls-cert-file': '/c', 'tls-key-file': '/k', 'vault-address': 'https://flag:8200', 'run-as-user': '200', 'cpu-limit': '1' },
    { AGENT_INJECT_VAULT_ADDR: 'https://env:8200', AGENT_INJECT_RUN_AS_USER: '300', AGENT_INJECT_MEM_LIMIT: '', AGENT_INJECT_REVOKE_ON_SHUTDOWN: 'true', AGENT_INJECT_DEFAULT_TEMPLATE: 'json', AGENT_INJECT_NATIVE_SIDECARS: 'false' },
  );
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9000 });
  assert.equal(c.options.vaultAddress, 'https://env:8200');
  assert.equal(c.options.runAsUser, 300);
  assert.equal(c.options.resources.cpuLimit, '1');
  assert.equal(c.options.revokeOnShutdown, true);
  assert.equal(c.options.defaultTemplate, 'json');
  assert.equal(c.nativeSidecars, 'false');
});

test('the rest of vault-k8s\'s settings: backoffs, keep-alives, template tuning, log level spellings, TLS minimum', () => {
  const c = resolveConfig(
    { 'tls-auto': 'cfg', 'auth-min-backoff': '2s', 'disable-keep-alives': 'templating', 'log-level': 'err', 'tls-min-version': 'tls13' },
    { AGENT_INJECT_AUTH_MAX_BACKOFF: '30s', AGENT_INJECT_DISABLE_IDLE_CONNECTIONS: 'auto-auth', AGENT_INJECT_TEMPLATE_MAX_CONNECTIONS_PER_HOST: '4', AGENT_INJECT_TEMPLATE_LEASE_RENEWAL_THRESHOLD: '0.5', AGENT_INJECT_USE_LEADER_ELECTOR: 'true', AGENT_INJECT_TELEMETRY_PATH: '/metrics' },
  );
  assert.deepEqual(
    [c.options.authMinBackoff, c.options.authMaxBackoff, c.options.disableKeepAlives, c.options.disableIdleConnections, c.options.maxConnectionsPerHost, c.options.leaseRenewalThreshold, c.logLevel, c.tlsMinVersion],
    ['2s', '30s', 'templating', 'auto-auth', 4, 0.5, 'error', 'TLSv1.3'],
  );
  assert.equal(resolveConfig({ 'tls-auto': 'cfg', 'log-level': 'warning' }, {}).logLevel, 'warn');
  assert.equal(resolveConfig({ 'tls-auto': 'cfg' }, {}).tlsMinVersion, 'TLSv1.2');
});

test('a CA in AGENT_INJECT_VAULT_CACERT_BYTES is refused: Ward\'s agent reads the CA from a file', () => {
  assert.throws(() => resolveConfig({ 'tls-auto': 'cfg' }, { AGENT_INJECT_VAULT_CACERT_BYTES: '-----BEGIN CERTIFICATE-----' }), /AGENT_INJECT_VAULT_CACERT_BYTES is not supported.*ca-cert/);
});

test('an empty resource flag removes the default', () => {
  assert.equal(resolveConfig({ 'tls-auto': 'vault-agent-injector-cfg', 'memory-limit': '' }, {}).options.resources.memLimit, '');
});

test('-tls-auto selects the auto source with its hosts', () => {
  const c = resolveConfig({ 'tls-auto': 'vault-agent-injector-cfg', 'tls-auto-hosts': 'svc,svc.ns,svc.ns.svc' }, {});
  assert.deepEqual(c.tls, { kind: 'auto', webhookConfig: 'vault-agent-injector-cfg', hosts: ['svc', 'svc.ns', 'svc.ns.svc'] });
});

test('bad settings are errors naming the flag', () => {
  const bad: [Record<string, string>, NodeJS.ProcessEnv, RegExp][] = [
    [{}, {}, /-tls-cert-file and -tls-key-file, or -tls-auto/],
    [{ 'tls-cert-file': '/c' }, {}, /-tls-key-file/],
    [{ 'tls-auto': 'x', listen: 'nope' }, {}, /-listen "nope"/],
    [{ 'tls-auto': 'x', 'run-as-user': 'root' }, {}, /-run-as-user/],
    [{ 'tls-auto': 'x', 'cpu-request': '-1' }, {}, /-cpu-request/],
    [{ 'tls-auto': 'x' }, { AGENT_INJECT_CPU_REQUEST: 'lots' }, /AGENT_INJECT_CPU_REQUEST/],
    [{ 'tls-auto': 'x', 'default-template': 'yaml' }, {}, /-default-template/],
    [{ 'tls-auto': 'x', 'log-level': 'loud' }, {}, /-log-level/],
    [{ 'tls-auto': 'x', 'native-sidecars': 'maybe' }, {}, /-native-sidecars/],
    [{ 'tls-auto': 'x', 'tls-min-version': 'tls11' }, {}, /-tls-min-version/],
    [{ 'tls-auto': 'x' }, { AGENT_INJECT_VAULT_ADDR: 'ward:8200' }, /AGENT_INJECT_VAULT_ADDR "ward:8200": expected an http\(s\) URL/],
    [{ 'tls-auto': 'x', 'auth-max-backoff': 'soon' }, {}, /-auth-max-backoff/],
    [{ 'tls-auto': 'x', 'template-static-secret-render-interval': '5 min' }, {}, /-template-static-secret-render-interval/],
  ];
  for (const [flags, env, msg] of bad) assert.throws(() => resolveConfig(flags, env), (e: unknown) => e instanceof ConfigError && msg.test(e.message), JSON.stringify(flags));
});
