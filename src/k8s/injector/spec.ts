/**
 * What to inject, decided from the pod's annotations with the injector's options as
 * defaults (only the status annotation is ever written back). Everything here is checked:
 * a value that would give a broken agent denies the pod with a message naming it.
 */
import { posix } from 'node:path';
import { AUTH_CONFIG } from './auth-methods.js';
import { parseJsonPatch, type JsonPatchOp } from './json-patch.js';
import type { InjectorOptions, Resources } from './options.js';
import { SA_TOKEN_DIR, type Pod } from './pod.js';
import { readSecrets, type SecretSpec } from './secrets.js';
import type { Annotations } from './values.js';

export interface AgentSpec {
  image: string;
  address: string;
  vaultNamespace: string;
  authType: string;
  authPath: string;
  authConfig: Record<string, string>;
  minBackoff?: string;
  maxBackoff?: string;
  exitOnErr: boolean;
  tls: { skipVerify: boolean; caCert?: string; caPath?: string; clientCert?: string; clientKey?: string; serverName?: string; secret?: string };
  secrets: SecretSpec[];
  secretVolumePath: string;
  /** Extra secret directories (secret-volume-path-<name>), each its own volume. */
  customDirs: string[];
  injectToken: boolean;
  prePopulate: boolean;
  prePopulateOnly: boolean;
  initFirst: boolean;
  native: boolean;
  revokeOnShutdown: boolean;
  revokeGrace: number;
  enableQuit: boolean;
  shareProcessNamespace?: boolean;
  configMap?: string;
  extraSecret?: string;
  copyVolumeMounts?: string;
  /** The service-account token volume mounted into the agents and the file auto-auth reads. */
  token: { volume: string; mountPath: string; path: string };
  jsonPatch: JsonPatchOp[];
  initJsonPatch: JsonPatchOp[];
  /** agent-init-json-patch was given (even as an empty patch). */
  hasInitJsonPatch: boolean;
  securityContext?: { runAsUser: number; runAsGroup: number };
  resources: Resources;
  cache?: { port: number; useAutoAuthToken: string };
  templateConfig: { exitOnRetryFailure: boolean; staticSecretRenderInterval?: string; maxConnectionsPerHost?: number; leaseRenewalThreshold?: number };
  disableIdleConnections: string[];
  disableKeepAlives: string[];
  telemetry: Record<string, unknown>;
  env: Record<string, string>;
  logLevel: string;
  /** App containers that get the secrets mounts (and env wrapping). */
  containers: string[];
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

/** Builds the spec; throws DenyError for values that cannot work. */
export function buildSpec(pod: Pod, a: Annotations, o: InjectorOptions): AgentSpec {
  const spec = pod.spec ?? {};
  const apps = spec.containers ?? [];
  const authType = a.str('auth-type') ?? '';
  const authConfig: Record<string, string> = {};
  for (const [k, v] of a.withPrefix('auth-config-')) {
    const key = k.replace(/-/g, '_');
    if (!(AUTH_CONFIG[authType] ?? []).includes(key)) throw a.deny(`auth-config-${k}`, `${authType} auto-auth has no config parameter "${key}" (known: ${(AUTH_CONFIG[authType] ?? []).join(', ')})`);
    authConfig[key] = v;
  }
  const role = a.str('role');
  if (role !== undefined && authType === 'kubernetes') authConfig['role'] = role;

  const prePopulateOnly = a.bool('agent-pre-populate-only');
  const prePopulate = a.bool('agent-pre-populate') || prePopulateOnly;
  const native = o.nativeSidecars && a.bool('agent-native-sidecar') && !prePopulateOnly;

  const runAsSet = ['agent-run-as-user', 'agent-run-as-group', 'agent-run-as-same-user'].some((k) => a.has(k));
  // As vault-k8s: asking for a uid or gid turns the security context on unless it is explicitly off.
  const setSc = a.has('agent-set-security-context') ? a.bool('agent-set-security-context') : a.bool('agent-set-security-context') || runAsSet;
  let runAsUser = a.num('agent-run-as-user') ?? 0;
  if (a.bool('agent-run-as-same-user')) {
    const uid = apps[0]?.securityContext?.runAsUser;
    if (uid === undefined || uid === 0) throw a.deny('agent-run-as-same-user', 'the first container has no non-root securityContext.runAsUser to copy');
    runAsUser = uid;
  }

  const secretVolumePath = a.str('secret-volume-path') ?? '';
  const secrets = readSecrets(a, secretVolumePath);
  const customDirs = [...new Set(secrets.map((s) => s.dir).filter((x) => x !== secretVolumePath))];

  const names = apps.map((c) => c.name);
  const containers = a.has('agent-inject-containers') ? list(a.str('agent-inject-containers')) : names;
  for (const c of containers) if (!names.includes(c)) throw a.deny('agent-inject-containers', `the pod has no container "${c}" (containers: ${names.join(', ')})`);
  const copy = a.str('agent-copy-volume-mounts');
  if (copy !== undefined && ![...apps, ...(spec.initContainers ?? [])].some((c) => c.name === copy)) {
    throw a.deny('agent-copy-volume-mounts', `the pod has no container "${copy}"`);
  }

  const out: AgentSpec = {
    image: a.str('agent-image') || o.vaultImage,
    address: a.str('service') ?? '',
    vaultNamespace: a.str('namespace') ?? '',
    authType,
    authPath: a.str('auth-path') ?? '',
    authConfig,
    exitOnErr: a.bool('agent-auto-auth-exit-on-err'),
    tls: { skipVerify: a.bool('tls-skip-verify') },
    secrets,
    secretVolumePath,
    customDirs,
    injectToken: a.bool('agent-inject-token'),
    prePopulate,
    prePopulateOnly,
    initFirst: a.bool('agent-init-first'),
    native,
    revokeOnShutdown: a.bool('agent-revoke-on-shutdown'),
    revokeGrace: a.num('agent-revoke-grace') ?? 0,
    enableQuit: a.bool('agent-enable-quit'),
    token: tokenMount(pod, a),
    jsonPatch: a.has('agent-json-patch') ? parseJsonPatch(a.str('agent-json-patch') ?? '[]') : [],
    initJsonPatch: a.has('agent-init-json-patch') ? parseJsonPatch(a.str('agent-init-json-patch') ?? '[]') : [],
    hasInitJsonPatch: a.has('agent-init-json-patch'),
    resources: {
      cpuRequest: a.str('agent-requests-cpu') ?? '',
      cpuLimit: a.str('agent-limits-cpu') ?? '',
      memRequest: a.str('agent-requests-mem') ?? '',
      memLimit: a.str('agent-limits-mem') ?? '',
      ephemeralRequest: a.str('agent-requests-ephemeral') ?? '',
      ephemeralLimit: a.str('agent-limits-ephemeral') ?? '',
    },
    templateConfig: { exitOnRetryFailure: a.bool('template-config-exit-on-retry-failure') },
    disableIdleConnections: list(a.str('agent-disable-idle-connections')),
    disableKeepAlives: list(a.str('agent-disable-keep-alives')),
    telemetry: {},
    env: {},
    logLevel: a.str('log-level') ?? '',
    containers,
  };
  optional(out, a);
  if (setSc) out.securityContext = { runAsUser, runAsGroup: a.num('agent-run-as-group') ?? 0 };
  if (a.bool('agent-cache-enable')) {
    out.cache = { port: a.num('agent-cache-listener-port') ?? 0, useAutoAuthToken: a.str('agent-cache-use-auto-auth-token') ?? '' };
  }
  for (const [k, v] of a.withPrefix('agent-telemetry-')) out.telemetry[k.replace(/-/g, '_')] = jsonOrString(v);
  return out;
}

function optional(out: AgentSpec, a: Annotations): void {
  const set = <T extends object>(target: T, key: keyof T, ann: string): void => {
    const v = a.str(ann);
    if (v !== undefined && v !== '') (target as Record<keyof T, unknown>)[key] = v;
  };
  set(out, 'minBackoff', 'auth-min-backoff');
  set(out, 'maxBackoff', 'auth-max-backoff');
  set(out.tls, 'caCert', 'ca-cert');
  set(out.tls, 'caPath', 'ca-key'); // vault-k8s maps ca-key to ca_path
  set(out.tls, 'clientCert', 'client-cert');
  set(out.tls, 'clientKey', 'client-key');
  set(out.tls, 'serverName', 'tls-server-name');
  set(out.tls, 'secret', 'tls-secret');
  set(out, 'configMap', 'agent-configmap');
  set(out, 'extraSecret', 'agent-extra-secret');
  set(out, 'copyVolumeMounts', 'agent-copy-volume-mounts');
  if (a.has('agent-share-process-namespace')) out.shareProcessNamespace = a.bool('agent-share-process-namespace');
  const interval = a.str('template-static-secret-render-interval');
  if (interval) out.templateConfig.staticSecretRenderInterval = interval;
  const conns = a.num('template-max-connections-per-host');
  if (conns !== undefined) out.templateConfig.maxConnectionsPerHost = conns;
  const threshold = a.num('template-lease-renewal-threshold');
  if (threshold !== undefined) out.templateConfig.leaseRenewalThreshold = threshold;
  const proxy = a.str('proxy-address');
  if (proxy) out.env['HTTPS_PROXY'] = proxy;
  if (a.has('client-max-retries')) out.env['VAULT_MAX_RETRIES'] = a.str('client-max-retries') ?? '';
  // Whole seconds: Ward's client reads an integer, Vault's accepts one too.
  if (a.has('client-timeout')) out.env['VAULT_CLIENT_TIMEOUT'] = String(Math.ceil(goDurationSeconds(a.str('client-timeout') ?? '0')));
  if (a.has('go-max-procs')) out.env['GOMAXPROCS'] = a.str('go-max-procs') ?? '';
  out.env['VAULT_LOG_LEVEL'] = out.logLevel;
  out.env['VAULT_LOG_FORMAT'] = a.str('log-format') ?? '';
}

/** The token volume: the default one, or a named projected volume (agent-service-account-token-volume-name). */
function tokenMount(pod: Pod, a: Annotations): AgentSpec['token'] {
  const named = a.str('agent-service-account-token-volume-name');
  if (named) {
    const vol = (pod.spec?.volumes ?? []).find((v) => v.name === named);
    const proj = vol?.projected?.sources?.find((s) => s.serviceAccountToken)?.serviceAccountToken;
    if (!vol || !proj) throw a.deny('agent-service-account-token-volume-name', 'the pod has no projected volume of that name with a serviceAccountToken source');
    // Where an app container already mounts it, the agents use the same path.
    const existing = (pod.spec?.containers ?? []).flatMap((c) => c.volumeMounts ?? []).find((m) => m.name === named);
    const mountPath = existing?.mountPath ?? '/var/run/secrets/vault.hashicorp.com/serviceaccount';
    return { volume: named, mountPath, path: posix.join(mountPath, proj.path ?? 'token') };
  }
  for (const c of pod.spec?.containers ?? []) {
    const m = (c.volumeMounts ?? []).find((vm) => vm.mountPath === SA_TOKEN_DIR || vm.mountPath.includes('serviceaccount'));
    if (m) return { volume: m.name, mountPath: m.mountPath, path: posix.join(m.mountPath, 'token') };
  }
  return { volume: '', mountPath: SA_TOKEN_DIR, path: posix.join(SA_TOKEN_DIR, 'token') };
}

function jsonOrString(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function goDurationSeconds(v: string): number {
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (unit[m[2] ?? 's'] ?? 0);
  return total;
}
