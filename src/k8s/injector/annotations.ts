/**
 * The catalogue of every `vault.hashicorp.com/*` annotation the injector reads: name (or
 * prefix, for per-secret and free-form keys), value type and validation. It is the one
 * source for parsing (values.ts), defaults (options.ts) and "did you mean" suggestions.
 */

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
}

const d = (name: string, kind: Kind, extra: Partial<AnnotationDef> = {}): AnnotationDef => ({ name, kind, ...extra });
const ps = (name: string, kind: Kind): AnnotationDef => d(name, kind, { perSecret: true });

/** Every annotation, exact names first. Per-secret prefixes end with `-` and are matched longest first. */
export const CATALOGUE: readonly AnnotationDef[] = [
  // Switches and status
  d('agent-inject', 'bool'),
  d('agent-inject-status', 'string'),
  d('agent-native-sidecar', 'bool'), // Ward: opt out of native sidecars
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
  d('agent-inject-default-template', 'enum', { values: ['map', 'json'] }),
  d('secret-volume-path', 'path'),
  d('preserve-secret-case', 'bool'),
  d('agent-inject-containers', 'list'),
  d('agent-inject-token', 'bool'),
  // Lifecycle and placement
  d('agent-pre-populate', 'bool'),
  d('agent-pre-populate-only', 'bool'),
  d('agent-init-first', 'bool'),
  d('agent-revoke-on-shutdown', 'bool'),
  d('agent-revoke-grace', 'uint'),
  d('agent-enable-quit', 'bool'),
  d('agent-auto-auth-exit-on-err', 'bool'),
  d('agent-share-process-namespace', 'bool'),
  d('agent-image', 'string'),
  d('agent-configmap', 'string'),
  d('agent-extra-secret', 'string'),
  d('agent-copy-volume-mounts', 'string'),
  d('agent-service-account-token-volume-name', 'string'),
  d('agent-json-patch', 'json-patch'),
  d('agent-init-json-patch', 'json-patch'),
  d('agent-request-namespace', 'string'),
  // Security and resources
  d('agent-run-as-user', 'uint'),
  d('agent-run-as-group', 'uint'),
  d('agent-run-as-same-user', 'bool'),
  d('agent-set-security-context', 'bool'),
  d('agent-limits-cpu', 'quantity'),
  d('agent-limits-mem', 'quantity'),
  d('agent-limits-ephemeral', 'quantity'),
  d('agent-requests-cpu', 'quantity'),
  d('agent-requests-mem', 'quantity'),
  d('agent-requests-ephemeral', 'quantity'),
  // Connection and auth
  d('service', 'url'),
  d('namespace', 'string'),
  d('role', 'string'),
  d('auth-type', 'enum', { values: ['kubernetes', 'approle', 'token_file'] }),
  d('auth-path', 'string'),
  d('auth-config-', 'string', { free: true }),
  d('auth-min-backoff', 'duration'),
  d('auth-max-backoff', 'duration'),
  d('tls-skip-verify', 'bool'),
  d('ca-cert', 'path'),
  d('ca-key', 'path'),
  d('client-cert', 'path'),
  d('client-key', 'path'),
  d('tls-secret', 'string'),
  d('tls-server-name', 'string'),
  d('proxy-address', 'url'),
  d('client-max-retries', 'int'),
  d('client-timeout', 'duration'),
  d('go-max-procs', 'uint'),
  d('log-level', 'enum', { values: ['trace', 'debug', 'info', 'warn', 'error'] }),
  d('log-format', 'enum', { values: ['standard', 'json'] }),
  // Cache and templating
  d('agent-cache-enable', 'bool'),
  d('agent-cache-listener-port', 'port'),
  d('agent-cache-use-auto-auth-token', 'enum', { values: ['true', 'false', 'force'] }),
  d('agent-cache-exit-on-err', 'bool'),
  d('template-config-exit-on-retry-failure', 'bool'),
  d('template-static-secret-render-interval', 'duration'),
  d('template-max-connections-per-host', 'uint'),
  d('template-lease-renewal-threshold', 'float'),
  d('agent-disable-idle-connections', 'list'),
  d('agent-disable-keep-alives', 'list'),
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
    for (let i = 1; i < key.length; i++) {
      if (key[i - 1] !== '-') continue;
      consider(def.name + key.slice(i), levenshtein(key.slice(0, i), def.name));
    }
  }
  return PREFIX + best.name;
}
