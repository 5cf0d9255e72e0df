/**
 * One table: pod annotations (and spec) → the injected pod, a denial or warnings. A guard at
 * the end checks that every catalogued annotation appears in some row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGUE, PREFIX } from './annotations.js';
import type { MutateResult } from './mutate.js';
import type { InjectorOptions } from './options.js';
import type { Container, Pod } from './pod.js';
import { ADDRESS, inject, review, testOptions, testPod, type Injected } from './testing.js';

type Json = Record<string, any>; // any: the tests read deep into decoded JSON
const V = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [PREFIX + k, v]));
const BASE = { 'agent-inject': 'true', role: 'web', 'agent-inject-secret-db': 'secret/data/db' };

interface Row {
  name: string;
  ann: Record<string, string>;
  spec?: Partial<NonNullable<Pod['spec']>>;
  opts?: Partial<InjectorOptions>;
  ns?: string;
  /** Substring of the denial message. */
  deny?: string;
  /** Substring of some warning. */
  warn?: string;
  check?: (i: Injected, r: MutateResult) => void;
}

const cfg = (c: Json | undefined): Json => c ?? assert.fail('no config');
const tpl = (i: Injected, n = 0): Json => cfg(i.sidecarConfig ?? i.initConfig)['template'][n];
const env = (c: Container | undefined, name: string): string | undefined => c?.env?.find((e) => e.name === name)?.value;
const mountsOf = (c: Container | undefined): string[] => (c?.volumeMounts ?? []).map((m) => `${m.name}:${m.mountPath}`);

const ROWS: Row[] = [
  { name: 'no agent-inject: unchanged', ann: { role: 'web' }, check: (_i, r) => assert.deepEqual(r.allowed && r.patch, []) },
  { name: 'agent-inject false: unchanged', ann: { ...BASE, 'agent-inject': 'false' }, check: (_i, r) => assert.deepEqual(r.allowed && r.patch, []) },
  { name: 'agent-inject not a bool: denied', ann: { ...BASE, 'agent-inject': 'yes' }, deny: 'vault.hashicorp.com/agent-inject: value "yes"' },
  { name: 'already injected: unchanged', ann: { ...BASE, 'agent-inject-status': 'injected' }, check: (_i, r) => assert.deepEqual(r.allowed && r.patch, []) },
  { name: 'other status re-injects', ann: { ...BASE, 'agent-inject-status': 'update' }, check: (i) => assert.ok(i.sidecar) },
  { name: 'kube-system is denied', ann: BASE, ns: 'kube-system', deny: 'cannot inject into system namespaces' },
  {
    name: 'typical pod: init + sidecar, defaults',
    ann: BASE,
    check: (i) => {
      assert.deepEqual(i.pod.spec?.initContainers?.map((c) => c.name), ['vault-agent-init']);
      assert.deepEqual(i.pod.spec?.containers?.map((c) => c.name), ['app', 'vault-agent']);
      assert.equal(i.pod.metadata?.annotations?.[`${PREFIX}agent-inject-status`], 'injected');
      assert.deepEqual(i.sidecar?.command, ['ward', 'agent']);
      const ic = cfg(i.initConfig);
      assert.equal(ic['exit_after_auth'], true);
      assert.equal(cfg(i.sidecarConfig)['exit_after_auth'], false);
      assert.deepEqual(ic['auto_auth']['method'], { type: 'kubernetes', mount_path: 'auth/kubernetes', namespace: '', config: { token_path: '/var/run/secrets/kubernetes.io/serviceaccount/token', role: 'web' } });
      assert.deepEqual(ic['auto_auth']['sink'], [{ type: 'file', config: { path: '/home/vault/.vault-token' } }]);
      assert.deepEqual(ic['vault'], { address: ADDRESS });
      assert.deepEqual(ic['template_config'], { exit_on_retry_failure: true });
      assert.equal(tpl(i)['destination'], '/vault/secrets/db');
      assert.equal(tpl(i)['contents'], '{{ with secret "secret/data/db" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}');
      assert.ok(mountsOf(i.pod.spec?.containers?.[0]).includes('vault-secrets:/vault/secrets'));
      assert.deepEqual(i.sidecar?.securityContext, {
        runAsUser: 100, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.deepEqual(i.sidecar?.resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
      assert.deepEqual(i.pod.spec?.volumes?.map((v) => `${v.name}:${JSON.stringify(v.emptyDir)}`).slice(1), [
        'home-init:{"medium":"Memory"}', 'home-sidecar:{"medium":"Memory"}', 'vault-secrets:{"medium":"Memory"}',
      ]);
      assert.ok(mountsOf(i.sidecar).includes('kube-api-access-abcde:/var/run/secrets/kubernetes.io/serviceaccount'));
    },
  },
  { name: 'no role: denied', ann: { 'agent-inject': 'true', 'agent-inject-secret-db': 'x' }, deny: 'no Vault role' },
  { name: 'no address: denied', ann: BASE, opts: { vaultAddress: '' }, deny: 'no Vault address' },
  { name: 'service overrides the address', ann: { ...BASE, service: 'https://other:8200' }, check: (i) => assert.equal(cfg(i.initConfig)['vault']['address'], 'https://other:8200') },
  { name: 'service that is not a URL: denied', ann: { ...BASE, service: 'ward.ward.svc:8200' }, deny: 'vault.hashicorp.com/service: value "ward.ward.svc:8200": expected an http(s) URL' },
  { name: 'proxy-address that is not a URL: denied', ann: { ...BASE, 'proxy-address': 'proxy' }, deny: 'proxy-address: value "proxy": expected an http(s) URL' },
  { name: 'namespace → method namespace', ann: { ...BASE, namespace: 'team-a' }, check: (i) => assert.equal(cfg(i.initConfig)['auto_auth']['method']['namespace'], 'team-a') },
  { name: 'auth-path', ann: { ...BASE, 'auth-path': 'auth/k8s-east' }, check: (i) => assert.equal(cfg(i.initConfig)['auto_auth']['method']['mount_path'], 'auth/k8s-east') },
  { name: 'auth-type unknown: denied', ann: { ...BASE, 'auth-type': 'ldap' }, deny: 'vault.hashicorp.com/auth-type: value "ldap": expected one of kubernetes, approle, token_file, jwt, cert, aws, azure, gcp' },
  {
    // Every auto-auth method the agent has is reachable through annotations, as in vault-k8s.
    name: 'auth-type jwt with auth-config-* (a projected token of another audience)',
    ann: { 'agent-inject': 'true', 'agent-inject-secret-db': 'x', 'auth-type': 'jwt', 'auth-path': 'auth/jwt', 'auth-config-path': '/var/run/secrets/tokens/vault', 'auth-config-role': 'web', 'auth-config-remove-jwt-after-reading': 'false' },
    check: (i) => {
      const m = cfg(i.initConfig)['auto_auth']['method'];
      assert.equal(m['type'], 'jwt');
      assert.deepEqual(m['config'], { path: '/var/run/secrets/tokens/vault', role: 'web', remove_jwt_after_reading: 'false' });
    },
  },
  {
    name: 'auth-type aws ec2',
    ann: { 'agent-inject': 'true', 'agent-inject-secret-db': 'x', 'auth-type': 'aws', 'auth-path': 'auth/aws', 'auth-config-type': 'ec2', 'auth-config-role': 'web' },
    check: (i) => assert.deepEqual(cfg(i.initConfig)['auto_auth']['method']['config'], { type: 'ec2', role: 'web' }),
  },
  { name: 'auth-config param unknown to gcp: denied', ann: { ...BASE, 'auth-type': 'gcp', 'auth-config-token-path': 'x' }, deny: 'gcp auto-auth has no config parameter "token_path"' },
  {
    name: 'auth-type approle with auth-config-*',
    ann: { 'agent-inject': 'true', 'agent-inject-secret-db': 'x', 'auth-type': 'approle', 'auth-config-role-id-file-path': '/vault/custom/role-id' },
    check: (i) => assert.deepEqual(cfg(i.initConfig)['auto_auth']['method']['config'], { role_id_file_path: '/vault/custom/role-id' }),
  },
  { name: 'auth-config-role replaces role', ann: { 'agent-inject': 'true', 'agent-inject-secret-db': 'x', 'auth-config-role': 'r2' }, check: (i) => assert.equal(cfg(i.initConfig)['auto_auth']['method']['config']['role'], 'r2') },
  { name: 'auth-config param unknown to the method: denied', ann: { ...BASE, 'auth-config-audience': 'x' }, deny: 'auth-config-audience' },
  {
    name: 'backoffs and exit-on-err',
    ann: { ...BASE, 'auth-min-backoff': '2s', 'auth-max-backoff': '1m', 'agent-auto-auth-exit-on-err': 'true' },
    check: (i) => {
      const m = cfg(i.initConfig)['auto_auth']['method'];
      assert.deepEqual([m['min_backoff'], m['max_backoff'], m['exit_on_err']], ['2s', '1m', true]);
    },
  },
  { name: 'bad duration: denied', ann: { ...BASE, 'auth-min-backoff': '5 seconds' }, deny: 'vault.hashicorp.com/auth-min-backoff: value "5 seconds": expected a duration' },
  {
    name: 'TLS settings',
    ann: { ...BASE, 'tls-skip-verify': 'true', 'ca-cert': '/vault/tls/ca.crt', 'ca-key': '/vault/tls/cas', 'client-cert': '/vault/tls/c.crt', 'client-key': '/vault/tls/c.key', 'tls-server-name': 'ward.internal', 'tls-secret': 'ward-tls' },
    check: (i) => {
      assert.deepEqual(cfg(i.initConfig)['vault'], { address: ADDRESS, tls_skip_verify: true, ca_cert: '/vault/tls/ca.crt', ca_path: '/vault/tls/cas', client_cert: '/vault/tls/c.crt', client_key: '/vault/tls/c.key', tls_server_name: 'ward.internal' });
      assert.ok(mountsOf(i.init).includes('vault-tls-secrets:/vault/tls'));
      assert.ok(i.pod.spec?.volumes?.some((v) => v.name === 'vault-tls-secrets' && JSON.stringify(v['secret']) === '{"secretName":"ward-tls"}'));
    },
  },
  { name: 'relative ca-cert: denied', ann: { ...BASE, 'ca-cert': 'ca.crt' }, deny: 'ca-cert: value "ca.crt": expected an absolute path' },
  {
    name: 'client env: proxy, retries, timeout, GOMAXPROCS, log level/format',
    ann: { ...BASE, 'proxy-address': 'http://proxy:3128', 'client-max-retries': '3', 'client-timeout': '1m30s', 'go-max-procs': '2', 'log-level': 'debug', 'log-format': 'json' },
    check: (i) => {
      assert.deepEqual(['HTTPS_PROXY', 'VAULT_MAX_RETRIES', 'VAULT_CLIENT_TIMEOUT', 'GOMAXPROCS', 'VAULT_LOG_LEVEL', 'VAULT_LOG_FORMAT'].map((n) => env(i.sidecar, n)), ['http://proxy:3128', '3', '90', '2', 'debug', 'json']);
      assert.deepEqual(i.sidecar?.args, ['-log-level=debug']);
    },
  },
  { name: 'bad log level: denied', ann: { ...BASE, 'log-level': 'loud' }, deny: 'log-level: value "loud"' },
  {
    name: 'template, file, perms, command, delimiters, error-on-missing-key',
    ann: {
      ...BASE, 'agent-inject-template-db': '[[ with secret "secret/data/db" ]][[ .Data.data.password ]][[ end ]]', 'agent-inject-file-db': 'conf/db.txt', 'agent-inject-perms-db': '0400',
      'agent-inject-command-db': 'pkill -HUP web', 'agent-template-left-delim-db': '[[', 'agent-template-right-delim-db': ']]', 'error-on-missing-key-db': 'true',
    },
    check: (i) => assert.deepEqual(tpl(i), {
      destination: '/vault/secrets/conf/db.txt', left_delimiter: '[[', right_delimiter: ']]', contents: '[[ with secret "secret/data/db" ]][[ .Data.data.password ]][[ end ]]',
      perms: '0400', command: 'pkill -HUP web', error_on_missing_key: true,
    }),
  },
  { name: 'non-octal perms: denied', ann: { ...BASE, 'agent-inject-perms-db': '0999' }, deny: 'agent-inject-perms-db: value "0999": expected an octal file mode' },
  { name: 'file escaping the volume: denied', ann: { ...BASE, 'agent-inject-file-db': '../etc/passwd' }, deny: 'agent-inject-file-db' },
  { name: 'template file', ann: { 'agent-inject': 'true', role: 'web', 'agent-inject-template-file-cfg': '/vault/custom/cfg.tpl' }, check: (i) => assert.equal(tpl(i)['source'], '/vault/custom/cfg.tpl') },
  { name: 'default template json', ann: { ...BASE, 'agent-inject-default-template': 'json' }, check: (i) => assert.equal(tpl(i)['contents'], '{{ with secret "secret/data/db" }}{{ .Data | toJSON }}\n{{ end }}') },
  { name: 'default template json from the option', ann: BASE, opts: { defaultTemplate: 'json' }, check: (i) => assert.match(String(tpl(i)['contents']), /toJSON/) },
  {
    name: 'injector options are the defaults of their annotations',
    ann: BASE,
    opts: { runAsUser: 7, runAsGroup: 8, revokeOnShutdown: true, authPath: 'auth/k8s', authMinBackoff: '3s', disableKeepAlives: 'templating', staticSecretRenderInterval: '2m', maxConnectionsPerHost: 3, vaultImage: 'r/ward:9' },
    check: (i) => {
      const s = cfg(i.sidecarConfig);
      assert.deepEqual([i.sidecar?.securityContext?.runAsUser, i.sidecar?.securityContext?.runAsGroup, i.sidecar?.image], [7, 8, 'r/ward:9']);
      assert.ok((i.sidecar?.['args'] as string[]).includes('-revoke-on-shutdown'));
      assert.deepEqual([s['auto_auth']['method']['mount_path'], s['auto_auth']['method']['min_backoff'], s['disable_keep_alives']], ['auth/k8s', '3s', ['templating']]);
      assert.deepEqual(s['template_config'], { exit_on_retry_failure: true, static_secret_render_interval: '2m', max_connections_per_host: 3 });
    },
  },
  { name: 'bad default template: denied', ann: { ...BASE, 'agent-inject-default-template': 'yaml' }, deny: 'expected one of map, json' },
  { name: 'names are lower-cased', ann: { ...BASE, 'agent-inject-secret-DB2': 'x' }, check: (i) => assert.equal(tpl(i, 1)['destination'], '/vault/secrets/db2') },
  { name: 'preserve-secret-case', ann: { ...BASE, 'agent-inject-secret-DB2': 'x', 'preserve-secret-case': 'true' }, check: (i) => assert.equal(tpl(i, 1)['destination'], '/vault/secrets/DB2') },
  { name: 'preserve-secret-case-<name>', ann: { ...BASE, 'agent-inject-secret-DB2': 'x', 'preserve-secret-case-DB2': 'true' }, check: (i) => assert.equal(tpl(i, 1)['destination'], '/vault/secrets/DB2') },
  {
    name: 'secret-volume-path and secret-volume-path-<name>',
    ann: { ...BASE, 'secret-volume-path': '/etc/secrets', 'agent-inject-secret-tls': 'pki/issue/web', 'secret-volume-path-tls': '/etc/tls' },
    check: (i) => {
      assert.deepEqual([tpl(i)['destination'], tpl(i, 1)['destination']], ['/etc/secrets/db', '/etc/tls/tls']);
      assert.deepEqual(mountsOf(i.pod.spec?.containers?.[0]).slice(1), ['vault-secrets:/etc/secrets', 'vault-secrets-custom-0:/etc/tls']);
    },
  },
  {
    name: 'agent-inject-containers limits the mounts',
    ann: { ...BASE, 'agent-inject-containers': 'app' },
    spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }, { name: 'log', image: 'b' }] },
    check: (i) => assert.deepEqual(i.pod.spec?.containers?.map((c) => mountsOf(c).length), [2, 0, 3]),
  },
  { name: 'agent-inject-containers naming no container: denied', ann: { ...BASE, 'agent-inject-containers': 'app,nope' }, deny: 'no container "nope"' },
  { name: 'agent-inject-token adds a sink', ann: { ...BASE, 'agent-inject-token': 'true' }, check: (i) => assert.equal(cfg(i.sidecarConfig)['auto_auth']['sink'][1]['config']['path'], '/vault/secrets/token') },
  { name: 'pre-populate false: sidecar only', ann: { ...BASE, 'agent-pre-populate': 'false' }, check: (i) => assert.deepEqual([!!i.init, !!i.sidecar], [false, true]) },
  { name: 'pre-populate-only: init only', ann: { ...BASE, 'agent-pre-populate-only': 'true' }, check: (i) => assert.deepEqual([!!i.init, !!i.sidecar, i.pod.spec?.volumes?.some((v) => v.name === 'home-sidecar')], [true, false, false]) },
  {
    name: 'init-first with existing init containers: list replaced, agent first',
    ann: { ...BASE, 'agent-init-first': 'true' },
    spec: { initContainers: [{ name: 'migrate', image: 'm' }] },
    check: (i, r) => {
      assert.deepEqual(i.pod.spec?.initContainers?.map((c) => c.name), ['vault-agent-init', 'migrate']);
      assert.ok(r.allowed && r.patch.some((op) => op.op === 'remove' && op.path === '/spec/initContainers'));
      assert.deepEqual(mountsOf(i.pod.spec?.initContainers?.[1]), ['vault-secrets:/vault/secrets']);
    },
  },
  { name: 'without init-first the agent comes last', ann: BASE, spec: { initContainers: [{ name: 'migrate', image: 'm' }] }, check: (i) => assert.deepEqual(i.pod.spec?.initContainers?.map((c) => c.name), ['migrate', 'vault-agent-init']) },
  {
    name: 'revoke-on-shutdown with grace',
    ann: { ...BASE, 'agent-revoke-on-shutdown': 'true', 'agent-revoke-grace': '10', 'ca-cert': '/vault/tls/ca.crt' },
    check: (i) => {
      assert.deepEqual((i.sidecar?.['args'] as string[]).slice(-2), ['-revoke-on-shutdown', '-revoke-grace=10']);
      assert.equal(i.sidecar?.['lifecycle'], undefined, 'no preStop shell command');
    },
  },
  { name: 'negative revoke grace: denied', ann: { ...BASE, 'agent-revoke-grace': '-1' }, deny: 'agent-revoke-grace: value "-1"' },
  {
    name: 'enable-quit and cache',
    ann: { ...BASE, 'agent-enable-quit': 'true', 'agent-cache-enable': 'true', 'agent-cache-listener-port': '8300', 'agent-cache-use-auto-auth-token': 'force', 'agent-cache-exit-on-err': 'true' },
    check: (i) => {
      const s = cfg(i.sidecarConfig);
      assert.deepEqual(s['listener'], [{ type: 'tcp', address: '127.0.0.1:8300', tls_disable: true, agent_api: { enable_quit: true } }]);
      assert.deepEqual(s['cache'], { use_auto_auth_token: 'force' });
      assert.equal(cfg(i.initConfig)['listener'], undefined);
    },
  },
  { name: 'bad cache port: denied', ann: { ...BASE, 'agent-cache-listener-port': '70000' }, deny: 'agent-cache-listener-port' },
  { name: 'share-process-namespace', ann: { ...BASE, 'agent-share-process-namespace': 'true' }, check: (i) => assert.equal(i.pod.spec?.shareProcessNamespace, true) },
  { name: 'share-process-namespace over an explicit false: denied', ann: { ...BASE, 'agent-share-process-namespace': 'true' }, spec: { shareProcessNamespace: false }, deny: 'shareProcessNamespace: false' },
  { name: 'agent-image', ann: { ...BASE, 'agent-image': 'registry.example/ward:2' }, check: (i) => assert.equal(i.sidecar?.image, 'registry.example/ward:2') },
  {
    name: 'agent-configmap: operator config, no VAULT_CONFIG',
    ann: { 'agent-inject': 'true', 'agent-configmap': 'agent-cfg' },
    check: (i) => {
      assert.equal(env(i.init, 'VAULT_CONFIG'), undefined);
      assert.equal(env(i.init, 'VAULT_ADDR'), ADDRESS);
      assert.deepEqual(i.init?.args, ['-log-level=info', '-config=/vault/configs/config-init.hcl']);
      assert.deepEqual(i.sidecar?.args, ['-log-level=info', '-config=/vault/configs/config.hcl']);
      assert.ok(mountsOf(i.sidecar).includes('vault-config:/vault/configs'));
    },
  },
  { name: 'agent-extra-secret', ann: { ...BASE, 'agent-extra-secret': 'approle-ids' }, check: (i) => assert.ok(mountsOf(i.init).includes('extra-secrets:/vault/custom')) },
  {
    name: 'agent-copy-volume-mounts (not the token mount)',
    ann: { ...BASE, 'agent-copy-volume-mounts': 'app' },
    spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }, { name: 'certs', mountPath: '/certs' }] }] },
    check: (i) => assert.deepEqual(mountsOf(i.sidecar).filter((m) => m.startsWith('certs')), ['certs:/certs']),
  },
  {
    name: 'agent-service-account-token-volume-name',
    ann: { ...BASE, 'agent-service-account-token-volume-name': 'vault-token' },
    spec: { volumes: [{ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { path: 'vault', audience: 'ward' } }] } }], containers: [{ name: 'app', image: 'a' }] },
    check: (i) => {
      assert.equal(cfg(i.initConfig)['auto_auth']['method']['config']['token_path'], '/var/run/secrets/vault.hashicorp.com/serviceaccount/vault');
      assert.ok(mountsOf(i.init).includes('vault-token:/var/run/secrets/vault.hashicorp.com/serviceaccount'));
    },
  },
  {
    name: 'agent-service-account-token-volume-name mounted by the app: same path',
    ann: { ...BASE, 'agent-service-account-token-volume-name': 'vault-token' },
    spec: { volumes: [{ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { path: 'vault', audience: 'ward' } }] } }], containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'vault-token', mountPath: '/var/run/ward' }] }] },
    check: (i) => assert.equal(cfg(i.initConfig)['auto_auth']['method']['config']['token_path'], '/var/run/ward/vault'),
  },
  { name: 'agent-service-account-token-volume-name naming no projected volume: denied', ann: { ...BASE, 'agent-service-account-token-volume-name': 'nope' }, deny: 'no projected volume of that name' },
  { name: 'no token mount: denied', ann: BASE, spec: { containers: [{ name: 'app', image: 'a' }] }, deny: 'no service account token mount' },
  {
    name: 'agent-json-patch and agent-init-json-patch',
    ann: { ...BASE, 'agent-json-patch': '[{"op":"replace","path":"/resources/limits/memory","value":"64Mi"}]', 'agent-init-json-patch': '[{"op":"add","path":"/env/-","value":{"name":"X","value":"1"}}]' },
    check: (i) => {
      assert.equal((i.sidecar?.['resources'] as Json)['limits']['memory'], '64Mi');
      assert.equal(env(i.init, 'X'), '1');
      assert.equal(env(i.sidecar, 'X'), undefined);
    },
  },
  { name: 'json patch not JSON: denied', ann: { ...BASE, 'agent-json-patch': '[{"op":' }, deny: 'vault.hashicorp.com/agent-json-patch: value "[{\\"op\\":": invalid JSON patch' },
  { name: 'json patch that does not apply: denied', ann: { ...BASE, 'agent-init-json-patch': '[{"op":"remove","path":"/nope"}]' }, deny: 'agent-init-json-patch: the patch does not apply to the vault-agent-init container' },
  { name: 'run-as user/group', ann: { ...BASE, 'agent-run-as-user': '2000', 'agent-run-as-group': '0' }, check: (i) => assert.deepEqual((({ runAsUser, runAsGroup, runAsNonRoot }) => [runAsUser, runAsGroup, runAsNonRoot])(i.sidecar?.securityContext as Json), [2000, 0, false]) },
  { name: 'run-as-user not a number: denied', ann: { ...BASE, 'agent-run-as-user': 'root' }, deny: 'agent-run-as-user: value "root"' },
  {
    name: 'run-as-same-user',
    ann: { ...BASE, 'agent-run-as-same-user': 'true' },
    spec: { containers: [{ name: 'app', image: 'a', securityContext: { runAsUser: 4242 }, volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] },
    check: (i) => assert.equal(i.sidecar?.securityContext?.runAsUser, 4242),
  },
  { name: 'run-as-same-user without a uid: denied', ann: { ...BASE, 'agent-run-as-same-user': 'true' }, deny: 'agent-run-as-same-user' },
  {
    name: 'set-security-context false keeps uid-free hardening',
    ann: { ...BASE, 'agent-set-security-context': 'false' },
    check: (i) => assert.deepEqual(Object.keys(i.sidecar?.securityContext ?? {}), ['readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'capabilities', 'seccompProfile']),
  },
  {
    name: 'resources overridden and removed',
    ann: { ...BASE, 'agent-limits-cpu': '1', 'agent-limits-mem': '', 'agent-limits-ephemeral': '1Gi', 'agent-requests-cpu': '', 'agent-requests-mem': '32Mi', 'agent-requests-ephemeral': '100Mi' },
    check: (i) => assert.deepEqual(i.sidecar?.['resources'], { requests: { memory: '32Mi', 'ephemeral-storage': '100Mi' }, limits: { cpu: '1', 'ephemeral-storage': '1Gi' } }),
  },
  { name: 'request above its limit: denied', ann: { ...BASE, 'agent-requests-mem': '1Gi', 'agent-limits-mem': '512Mi' }, deny: 'memory request 1Gi is above its limit 512Mi' },
  { name: 'request above the default limit: denied', ann: { ...BASE, 'agent-requests-mem': '300Mi' }, deny: 'memory request 300Mi is above its limit 256Mi' },
  { name: 'cpu request equal to its limit is fine', ann: { ...BASE, 'agent-requests-cpu': '0.5', 'agent-limits-cpu': '500m' }, check: (i) => assert.equal((i.sidecar?.['resources'] as Json)['limits']['cpu'], '500m') },
  { name: 'negative resource: denied', ann: { ...BASE, 'agent-limits-mem': '-128Mi' }, deny: 'vault.hashicorp.com/agent-limits-mem: value "-128Mi": expected a non-negative Kubernetes quantity' },
  { name: 'unparsable resource: denied', ann: { ...BASE, 'agent-requests-cpu': 'lots' }, deny: 'agent-requests-cpu: value "lots"' },
  {
    name: 'template config',
    ann: { ...BASE, 'template-config-exit-on-retry-failure': 'false', 'template-static-secret-render-interval': '30s', 'template-max-connections-per-host': '5', 'template-lease-renewal-threshold': '0.75' },
    check: (i) => assert.deepEqual(cfg(i.sidecarConfig)['template_config'], { exit_on_retry_failure: false, static_secret_render_interval: '30s', max_connections_per_host: 5, lease_renewal_threshold: 0.75 }),
  },
  { name: 'bad threshold: denied', ann: { ...BASE, 'template-lease-renewal-threshold': '2' }, deny: 'template-lease-renewal-threshold' },
  {
    name: 'keep-alives, idle connections, telemetry',
    ann: { ...BASE, 'agent-disable-idle-connections': 'auto-auth, templating', 'agent-disable-keep-alives': 'proxying', 'agent-telemetry-prometheus-retention-time': '24h', 'agent-telemetry-disable-hostname': 'true' },
    check: (i) => {
      const s = cfg(i.sidecarConfig);
      assert.deepEqual([s['disable_idle_connections'], s['disable_keep_alives']], [['auto-auth', 'templating'], ['proxying']]);
      assert.deepEqual(s['telemetry'], { prometheus_retention_time: '24h', disable_hostname: true });
    },
  },
  { name: 'agent-request-namespace is accepted and ignored', ann: { ...BASE, 'agent-request-namespace': 'apps' }, check: (i) => assert.ok(i.sidecar) },
  { name: 'typo: allowed with a warning naming the closest', ann: { ...BASE, 'agent-inject-secrets-api': 'secret/api' }, warn: 'unknown annotation vault.hashicorp.com/agent-inject-secrets-api (did you mean vault.hashicorp.com/agent-inject-secret-api?)' },
  { name: 'a per-secret prefix without a name warns with the <name> form', ann: { ...BASE, 'agent-inject-secret': 'secret/data/x' }, warn: 'unknown annotation vault.hashicorp.com/agent-inject-secret (did you mean vault.hashicorp.com/agent-inject-secret-<name>?)' },
  { name: 'typo in agent-inject itself still warns', ann: { 'agent-injet': 'true' }, warn: 'did you mean vault.hashicorp.com/agent-inject?' },
  { name: 'per-secret annotation for no secret warns', ann: { ...BASE, 'agent-inject-file-dbb': 'x' }, warn: 'agent-inject-file-dbb names no secret' },
  {
    name: 'native sidecar: one restartable init container with a startup probe',
    ann: BASE,
    opts: { nativeSidecars: true },
    check: (i) => {
      assert.deepEqual(i.pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy]), [['vault-agent', 'Always']]);
      assert.deepEqual(i.pod.spec?.containers?.map((c) => c.name), ['app']);
      assert.deepEqual((i.sidecar?.['startupProbe'] as Json)['exec']['command'], ['ward', 'agent', '-check-rendered']);
      assert.equal(cfg(i.sidecarConfig)['exit_after_auth'], false);
      assert.ok(!i.pod.spec?.volumes?.some((v) => v.name === 'home-init'));
    },
  },
  {
    name: 'native sidecar with agent-configmap: the probe reads the same config file',
    ann: { 'agent-inject': 'true', 'agent-configmap': 'agent-cfg' },
    opts: { nativeSidecars: true },
    check: (i) => assert.deepEqual((i.sidecar?.['startupProbe'] as Json)['exec']['command'], ['ward', 'agent', '-check-rendered', '-config=/vault/configs/config.hcl']),
  },
  { name: 'native sidecar: agent-init-json-patch has no init container to patch', ann: { ...BASE, 'agent-init-json-patch': '[]' }, opts: { nativeSidecars: true }, warn: 'agent-init-json-patch is not used with a native sidecar' },
  { name: 'native sidecar opt-out', ann: { ...BASE, 'agent-native-sidecar': 'false' }, opts: { nativeSidecars: true }, check: (i) => assert.deepEqual([i.init?.name, i.pod.spec?.containers?.length], ['vault-agent-init', 2]) },
  {
    name: 'secrets as env vars: app command wrapped, value never in the spec',
    ann: { ...BASE, 'agent-inject-env-api': 'secret/data/api' },
    check: (i) => {
      const app = i.pod.spec?.containers?.[0];
      assert.deepEqual(app?.command, ['/bin/sh', '-ec', `. '/vault/secrets/api.env' && exec "$0" "$@"`]);
      assert.deepEqual(app?.args, ['/web', '--port=8080']);
      assert.match(String(tpl(i, 1)['contents']), /^\{\{ with secret "secret\/data\/api" \}\}\{\{ range \$k, \$v := \(or \.Data\.data \.Data\) \}\}export /);
    },
  },
  { name: 'env vars without a command to wrap: denied', ann: { ...BASE, 'agent-inject-env-api': 'secret/data/api' }, spec: { containers: [{ name: 'app', image: 'a', volumeMounts: [{ name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }] }, deny: 'container "app" has no command to wrap' },
  { name: 'env vars without pre-populate: denied', ann: { ...BASE, 'agent-inject-env-api': 'x', 'agent-pre-populate': 'false' }, deny: 'needs vault.hashicorp.com/agent-pre-populate' },
];

for (const row of ROWS) {
  test(`mutate: ${row.name}`, () => {
    const pod = testPod(V(row.ann), row.spec);
    const r = review(pod, testOptions(row.opts), row.ns);
    if (row.deny) {
      assert.equal(r.allowed, false, 'expected a denial');
      assert.ok(!r.allowed && r.message.includes(row.deny), `message: ${!r.allowed ? r.message : ''}`);
      return;
    }
    assert.equal(r.allowed, true, !r.allowed ? r.message : '');
    if (row.warn) assert.ok(r.warnings.some((w) => w.includes(row.warn ?? '')), `warnings: ${JSON.stringify(r.warnings)}`);
    else assert.deepEqual(r.warnings, []);
    row.check?.(inject(pod, r), r);
  });
}

test('the table covers every catalogued annotation', () => {
  const used = ROWS.flatMap((r) => Object.keys(r.ann));
  const missing = CATALOGUE.filter((d) => !used.some((k) => (d.perSecret || d.free ? k.startsWith(d.name) && k.length > d.name.length : k === d.name)));
  assert.deepEqual(missing.map((d) => d.name), []);
});
