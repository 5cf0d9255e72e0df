/**
 * The catalogue of every `vault.hashicorp.com/*` annotation the injector reads: name (or
 * prefix, for per-secret and free-form keys), value type (its validation is in values.ts)
 * and default (a constant, or the injector-wide setting from flags / AGENT_INJECT_*). It is
 * the one source for parsing, defaults and "did you mean" suggestions.
 */
import { AUTH_TYPES } from './auth-methods.js';
import type { InjectorOptions } from './options.js';

export const PREFIX = 'vault.hashicorp.com/';

/** How a value is checked. */
export type Kind =
  | 'bool' // Go strconv.ParseBool spellings
  | 'string'
  | 'path' // absolute file path
  | 'url' // http(s) URL
  | 'duration' // Go duration ("30s", "1m30s", "0")
  | 'uint' // non-negative integer
  | 'int'
  | 'float'
  | 'port'
  | 'quantity' // Kubernetes resource quantity, "" removes it
  | 'octal' // file mode such as "0400"
  | 'enum'
  | 'json-patch' // RFC 6902 array
  | 'list'; // comma-separated

export interface AnnotationDef {
  /** Name after the prefix; for `perSecret`/`free` ones, the part before `<name>`. */
  name: string;
  kind: Kind;
  /** `agent-inject-file-<name>`: one value per declared secret. */
  perSecret?: boolean;
  /** `auth-config-<param>`: free-form suffix. */
  free?: boolean;
  values?: readonly string[];
  /** The value when the annotation is absent; undefined means "not set". */
  default?: (o: InjectorOptions) => string | undefined;
}

const d = (name: string, kind: Kind, extra: Partial<AnnotationDef> = {}): AnnotationDef => ({ name, kind, ...extra });
/** An annotation with a default: a constant or one taken from the injector's options. */
const dd = (name: string, kind: Kind, dflt: string | ((o: InjectorOptions) => string | undefined), extra: Partial<AnnotationDef> = {}): AnnotationDef =>
  d(name, kind, { ...extra, default: typeof dflt === 'string' ? () => dflt : dflt });
const ps = (name: string, kind: Kind): AnnotationDef => d(name, kind, { perSecret: true });

/** Every annotation, exact names first. Per-secret prefixes end with `-` and are matched longest first. */
export const CATALOGUE: readonly AnnotationDef[] = [
  // Switches and status
  d('agent-inject', 'bool'),
  d('agent-inject-status', 'string'),
  dd('agent-native-sidecar', 'bool', 'true'), // Ward: opt out of native sidecars
  // Secrets and templates
  ps('agent-inject-secret-', 'string'),
  ps('agent-inject-template-file-', 'string'),
  ps('agent-inject-template-', 'string'),
  ps('agent-inject-env-', 'string'), // Ward: secrets as environment variables
  ps('agent-inject-file-', 'string'),
  ps('agent-inject-perms-', 'octal'),
  ps('agent-inject-command-', 'string'),
  ps('agent-template-left-delim-', 'string'),
  ps('agent-template-right-delim-', 'string'),
  ps('error-on-missing-key-', 'bool'),
  ps('secret-volume-path-', 'path'),
  ps('preserve-secret-case-', 'bool'),
  dd('agent-inject-default-template', 'enum', (o) => o.defaultTemplate, { values: ['map', 'json'] }),
  dd('secret-volume-path', 'path', '/vault/secrets'),
  dd('preserve-secret-case', 'bool', 'false'),
  d('agent-inject-containers', 'list'),
  dd('agent-inject-token', 'bool', 'false'),
  // Lifecycle and placement
  dd('agent-pre-populate', 'bool', 'true'),
  dd('agent-pre-populate-only', 'bool', 'false'),
  dd('agent-init-first', 'bool', 'false'),
  dd('agent-revoke-on-shutdown', 'bool', (o) => String(o.revokeOnShutdown)),
  dd('agent-revoke-grace', 'uint', '5'),
  dd('agent-enable-quit', 'bool', 'false'),
  dd('agent-auto-auth-exit-on-err', 'bool', 'false'),
  d('agent-share-process-namespace', 'bool'),
  dd('agent-image', 'string', (o) => o.vaultImage),
  d('agent-configmap', 'string'),
  d('agent-extra-secret', 'string'),
  d('agent-copy-volume-mounts', 'string'),
  d('agent-service-account-token-volume-name', 'string'),
  d('agent-json-patch', 'json-patch'),
  d('agent-init-json-patch', 'json-patch'),
  d('agent-request-namespace', 'string'),
  // Security and resources
  dd('agent-run-as-user', 'uint', (o) => String(o.runAsUser)),
  dd('agent-run-as-group', 'uint', (o) => String(o.runAsGroup)),
  dd('agent-run-as-same-user', 'bool', (o) => String(o.runAsSameUser)),
  dd('agent-set-security-context', 'bool', (o) => String(o.setSecurityContext)),
  dd('agent-limits-cpu', 'quantity', (o) => o.resources.cpuLimit),
  dd('agent-limits-mem', 'quantity', (o) => o.resources.memLimit),
  dd('agent-limits-ephemeral', 'quantity', (o) => o.resources.ephemeralLimit),
  dd('agent-requests-cpu', 'quantity', (o) => o.resources.cpuRequest),
  dd('agent-requests-mem', 'quantity', (o) => o.resources.memRequest),
  dd('agent-requests-ephemeral', 'quantity', (o) => o.resources.ephemeralRequest),
  // Connection and auth
  dd('service', 'url', (o) => o.vaultAddress),
  dd('namespace', 'string', (o) => o.vaultNamespace),
  d('role', 'string'),
  dd('auth-type', 'enum', (o) => o.authType, { values: AUTH_TYPES }),
  dd('auth-path', 'string', (o) => o.authPath),
  d('auth-config-', 'string', { free: true }),
  dd('auth-min-backoff', 'duration', (o) => o.authMinBackoff),
  dd('auth-max-backoff', 'duration', (o) => o.authMaxBackoff),
  dd('tls-skip-verify', 'bool', 'false'),
  d('ca-cert', 'path'),
  d('ca-key', 'path'),
  d('client-cert', 'path'),
  d('client-key', 'path'),
  d('tls-secret', 'string'),
  d('tls-server-name', 'string'),
  dd('proxy-address', 'url', (o) => o.proxyAddress),
  d('client-max-retries', 'int'),
  d('client-timeout', 'duration'),
  d('go-max-procs', 'uint'),
  dd('log-level', 'enum', 'info', { values: ['trace', 'debug', 'info', 'warn', 'error'] }),
  dd('log-format', 'enum', 'standard', { values: ['standard', 'json'] }),
  // Cache and templating
  dd('agent-cache-enable', 'bool', 'false'),
  dd('agent-cache-listener-port', 'port', '8200'),
  dd('agent-cache-use-auto-auth-token', 'enum', 'true', { values: ['true', 'false', 'force'] }),
  dd('agent-cache-exit-on-err', 'bool', 'false'),
  dd('template-config-exit-on-retry-failure', 'bool', (o) => String(o.exitOnRetryFailure)),
  dd('template-static-secret-render-interval', 'duration', (o) => o.staticSecretRenderInterval),
  dd('template-max-connections-per-host', 'uint', (o) => o.maxConnectionsPerHost?.toString()),
  dd('template-lease-renewal-threshold', 'float', (o) => o.leaseRenewalThreshold?.toString()),
  dd('agent-disable-idle-connections', 'list', (o) => o.disableIdleConnections),
  dd('agent-disable-keep-alives', 'list', (o) => o.disableKeepAlives),
  d('agent-telemetry-', 'string', { free: true }),
];

const EXACT = new Map(CATALOGUE.filter((a) => !a.perSecret && !a.free).map((a) => [a.name, a]));
const PREFIXED = CATALOGUE.filter((a) => a.perSecret || a.free).sort((a, b) => b.name.length - a.name.length);

/** The definition for a key (without the `vault.hashicorp.com/` prefix) and its `<name>` suffix. */
export function lookup(key: string): { def: AnnotationDef; suffix?: string } | undefined {
  const exact = EXACT.get(key);
  if (exact) return { def: exact };
  for (const def of PREFIXED) {
    if (key.startsWith(def.name) && key.length > def.name.length) return { def, suffix: key.slice(def.name.length) };
  }
  return undefined;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The known annotation closest to an unknown key: exact names compare whole, prefixed
 * ones compare the key's leading part at each `-` so `agent-inject-secrets-db` suggests
 * `agent-inject-secret-db`.
 */
export function closest(key: string): string {
  let best = { name: '', dist: Infinity };
  const consider = (name: string, dist: number): void => {
    if (dist < best.dist) best = { name, dist };
  };
  for (const name of EXACT.keys()) consider(name, levenshtein(key, name));
  for (const def of PREFIXED) {
    // The prefix with its name left out (`agent-inject-secret`) points at the `<name>` form.
    consider(`${def.name}${def.free ? '<param>' : '<name>'}`, levenshtein(key, def.name.slice(0, -1)));
    for (let i = 1; i < key.length; i++) {
      if (key[i - 1] !== '-') continue;
      consider(def.name + key.slice(i), levenshtein(key.slice(0, i), def.name));
    }
  }
  return PREFIX + best.name;
}
