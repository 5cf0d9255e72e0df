/**
 * `ward k8s injector` settings from flags and AGENT_INJECT_* variables, as vault-k8s reads
 * them: a non-empty variable wins over the flag, the flag over the default. Each setting
 * is validated here so a typo stops the injector at start, naming the flag or variable.
 */
import type { Kind } from './annotations.js';
import { AUTH_TYPES } from './auth-methods.js';
import { defaultOptions, type InjectorOptions } from './options.js';
import { invalid } from './values.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type TlsConfig = { kind: 'files'; certFile: string; keyFile: string } | { kind: 'auto'; webhookConfig: string; hosts: string[] };

export interface InjectorConfig {
  /** host "" listens on every address (IPv6 and IPv4 where available). */
  listen: { host: string; port: number };
  tls: TlsConfig;
  options: InjectorOptions;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'standard' | 'json';
  /** auto: ask the API server's /version (native sidecars from Kubernetes 1.29). */
  nativeSidecars: 'auto' | 'true' | 'false';
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
}

/** vault-k8s's level spellings (hclog) onto Ward's five. */
const LOG_LEVELS: Record<string, InjectorConfig['logLevel']> = { trace: 'trace', debug: 'debug', info: 'info', notice: 'info', '': 'info', warn: 'warn', warning: 'warn', err: 'error', error: 'error' };

type Apply = (c: InjectorConfig, v: string) => void;

interface Setting {
  flag: string;
  env: string;
  kind: Kind;
  values?: readonly string[];
  apply: Apply;
  usage: string;
}

const res = (k: keyof InjectorOptions['resources']): Apply => (c, v) => void (c.options.resources[k] = v);
const s = (flag: string, env: string, kind: Kind, usage: string, apply: Apply, values?: readonly string[]): Setting => ({ flag, env: `AGENT_INJECT_${env}`, kind, usage, apply, ...(values ? { values } : {}) });
const bool = (v: string): boolean => /^(1|t|true)$/i.test(v);
const tls = (c: InjectorConfig): Record<string, string> => c.tls as unknown as Record<string, string>; // filled in, then checked

/** Every setting; the CLI builds its flag list from this table. */
export const SETTINGS: readonly Setting[] = [
  s('listen', 'LISTEN', 'string', 'Address to listen on (host:port; default :8080).', (c, v) => {
    const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(v);
    if (!m || Number(m[2]) > 65535) throw new ConfigError(`invalid -listen "${v}": expected host:port such as :8080`);
    c.listen = { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  }),
  s('log-level', 'LOG_LEVEL', 'enum', 'Log level: trace, debug, info, warn, error.', (c, v) => void (c.logLevel = LOG_LEVELS[v.trim().toLowerCase()] ?? 'info'), Object.keys(LOG_LEVELS)),
  s('log-format', 'LOG_FORMAT', 'enum', 'Log format: standard or json.', (c, v) => void (c.logFormat = v as InjectorConfig['logFormat']), ['standard', 'json']),
  s('tls-cert-file', 'TLS_CERT_FILE', 'string', 'PEM certificate to serve (re-read when it changes).', (c, v) => void (tls(c)['certFile'] = v)),
  s('tls-key-file', 'TLS_KEY_FILE', 'string', 'PEM private key to serve.', (c, v) => void (tls(c)['keyFile'] = v)),
  s('tls-auto', 'TLS_AUTO', 'string', 'MutatingWebhookConfiguration name: generate and rotate the certificate and patch its caBundle.', (c, v) => void (tls(c)['webhookConfig'] = v)),
  s('tls-auto-hosts', 'TLS_AUTO_HOSTS', 'list', 'Comma-separated DNS names for the -tls-auto certificate.', (c, v) => void (tls(c)['hosts'] = v)),
  s('vault-address', 'VAULT_ADDR', 'url', 'Address of the Ward (Vault) server the agents talk to.', (c, v) => void (c.options.vaultAddress = v)),
  s('vault-image', 'VAULT_IMAGE', 'string', `Image of the injected agent containers; they run "ward agent" (default ${defaultOptions().vaultImage}).`, (c, v) => void (c.options.vaultImage = v)),
  s('vault-auth-type', 'VAULT_AUTH_TYPE', 'enum', 'Auto-auth method type (default kubernetes).', (c, v) => void (c.options.authType = v), AUTH_TYPES),
  s('vault-auth-path', 'VAULT_AUTH_PATH', 'string', 'Mount path of the auth method (default auth/kubernetes).', (c, v) => void (c.options.authPath = v)),
  s('vault-namespace', 'VAULT_NAMESPACE', 'string', 'Vault Enterprise namespace for auto-auth.', (c, v) => void (c.options.vaultNamespace = v)),
  s('proxy-address', 'PROXY_ADDR', 'url', 'HTTPS proxy the agents use to reach the server.', (c, v) => void (c.options.proxyAddress = v)),
  s('revoke-on-shutdown', 'REVOKE_ON_SHUTDOWN', 'bool', 'Revoke the agent token when the pod stops.', (c, v) => void (c.options.revokeOnShutdown = bool(v))),
  s('run-as-user', 'RUN_AS_USER', 'uint', 'uid of the agent containers (default 100).', (c, v) => void (c.options.runAsUser = Number(v))),
  s('run-as-group', 'RUN_AS_GROUP', 'uint', 'gid of the agent containers (default 1000).', (c, v) => void (c.options.runAsGroup = Number(v))),
  s('run-as-same-user', 'RUN_AS_SAME_USER', 'bool', 'Run the agents as the uid of the first app container.', (c, v) => void (c.options.runAsSameUser = bool(v))),
  s('set-security-context', 'SET_SECURITY_CONTEXT', 'bool', 'Set runAsUser/runAsGroup on the agents (default true).', (c, v) => void (c.options.setSecurityContext = bool(v))),
  s('default-template', 'DEFAULT_TEMPLATE', 'enum', 'Default template: map or json.', (c, v) => void (c.options.defaultTemplate = v as 'map' | 'json'), ['map', 'json']),
  s('cpu-request', 'CPU_REQUEST', 'quantity', 'CPU request of the agents (default 50m; "" for none).', res('cpuRequest')),
  s('cpu-limit', 'CPU_LIMIT', 'quantity', 'CPU limit of the agents (default none).', res('cpuLimit')),
  s('memory-request', 'MEM_REQUEST', 'quantity', 'Memory request of the agents (default 64Mi).', res('memRequest')),
  s('memory-limit', 'MEM_LIMIT', 'quantity', 'Memory limit of the agents (default 256Mi).', res('memLimit')),
  s('ephemeral-storage-request', 'EPHEMERAL_REQUEST', 'quantity', 'Ephemeral storage request (default none).', res('ephemeralRequest')),
  s('ephemeral-storage-limit', 'EPHEMERAL_LIMIT', 'quantity', 'Ephemeral storage limit (default none).', res('ephemeralLimit')),
  s('template-config-exit-on-retry-failure', 'TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE', 'bool', 'template_config.exit_on_retry_failure (default true).', (c, v) => void (c.options.exitOnRetryFailure = bool(v))),
  s('template-static-secret-render-interval', 'TEMPLATE_STATIC_SECRET_RENDER_INTERVAL', 'duration', 'template_config.static_secret_render_interval.', (c, v) => void (c.options.staticSecretRenderInterval = v)),
  s('auth-min-backoff', 'AUTH_MIN_BACKOFF', 'duration', 'Default auto_auth min_backoff (agent default 1s).', (c, v) => void (c.options.authMinBackoff = v)),
  s('auth-max-backoff', 'AUTH_MAX_BACKOFF', 'duration', 'Default auto_auth max_backoff (agent default 5m).', (c, v) => void (c.options.authMaxBackoff = v)),
  s('disable-idle-connections', 'DISABLE_IDLE_CONNECTIONS', 'list', 'Default disable_idle_connections (comma list).', (c, v) => void (c.options.disableIdleConnections = v)),
  s('disable-keep-alives', 'DISABLE_KEEP_ALIVES', 'list', 'Default disable_keep_alives (comma list).', (c, v) => void (c.options.disableKeepAlives = v)),
  s('template-max-connections-per-host', 'TEMPLATE_MAX_CONNECTIONS_PER_HOST', 'uint', 'Default template_config.max_connections_per_host.', (c, v) => void (c.options.maxConnectionsPerHost = Number(v))),
  s('template-lease-renewal-threshold', 'TEMPLATE_LEASE_RENEWAL_THRESHOLD', 'float', 'Default template_config.lease_renewal_threshold.', (c, v) => void (c.options.leaseRenewalThreshold = Number(v))),
  s('tls-min-version', 'TLS_MIN_VERSION', 'enum', 'Lowest TLS version served: tls12 (default) or tls13.', (c, v) => void (c.tlsMinVersion = v === 'tls13' ? 'TLSv1.3' : 'TLSv1.2'), ['tls12', 'tls13']),
  // Accepted so vault-helm's Deployment runs unchanged: metrics are always at /metrics, and
  // leader election belongs to the -tls-auto source.
  s('telemetry-path', 'TELEMETRY_PATH', 'string', 'Accepted for compatibility; metrics are served at /metrics.', () => undefined),
  s('use-leader-elector', 'USE_LEADER_ELECTOR', 'bool', 'Accepted for compatibility; -tls-auto always elects a leader.', () => undefined),
  s('vault-cacert-bytes', 'VAULT_CACERT_BYTES', 'string', 'Not supported: Ward\'s agent reads its CA from a file (vault.hashicorp.com/ca-cert with tls-secret).', (_c, v) => {
    if (v !== '') throw new ConfigError('-vault-cacert-bytes / AGENT_INJECT_VAULT_CACERT_BYTES is not supported: Ward\'s agent reads its CA from a file; mount it with vault.hashicorp.com/tls-secret and point vault.hashicorp.com/ca-cert at it');
  }),
  s('native-sidecars', 'NATIVE_SIDECARS', 'enum', 'Inject the agent as a native sidecar: auto (Kubernetes >= 1.29, from /version), true or false.', (c, v) => void (c.nativeSidecars = v as InjectorConfig['nativeSidecars']), ['auto', 'true', 'false']),
];

/** Resolves flags (name → value as given) and the environment into a checked configuration. */
export function resolveConfig(flags: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): InjectorConfig {
  const c: InjectorConfig = { listen: { host: '', port: 8080 }, tls: {} as TlsConfig, options: defaultOptions(), logLevel: 'info', logFormat: 'standard', nativeSidecars: 'auto', tlsMinVersion: 'TLSv1.2' };
  for (const st of SETTINGS) {
    const fromEnv = env[st.env];
    const useEnv = fromEnv !== undefined && fromEnv !== '';
    const raw = useEnv ? fromEnv : flags[st.flag];
    if (raw === undefined) continue;
    const v = st.flag === 'log-level' ? raw.trim().toLowerCase() : raw;
    const why = v === '' && st.kind === 'url' ? undefined : st.kind === 'bool' ? (/^(1|t|true|0|f|false)$/i.test(v) ? undefined : 'expected true or false') : invalid({ name: st.flag, kind: st.kind, ...(st.values ? { values: st.values } : {}) }, v);
    if (why) throw new ConfigError(`invalid ${useEnv ? st.env : `-${st.flag}`} "${v}": ${why}`);
    st.apply(c, v);
  }
  const t = tls(c);
  if (t['webhookConfig']) {
    c.tls = { kind: 'auto', webhookConfig: t['webhookConfig'], hosts: (t['hosts'] ?? '').split(',').map((h) => h.trim()).filter((h) => h !== '') };
  } else if (t['certFile'] && t['keyFile']) {
    c.tls = { kind: 'files', certFile: t['certFile'], keyFile: t['keyFile'] };
  } else if (t['certFile'] || t['keyFile']) {
    throw new ConfigError(`-tls-cert-file and -tls-key-file go together (missing ${t['certFile'] ? '-tls-key-file' : '-tls-cert-file'})`);
  } else {
    throw new ConfigError('a serving certificate is required: -tls-cert-file and -tls-key-file, or -tls-auto');
  }
  return c;
}
