/**
 * Vault Agent configuration files (HCL or JSON), read unchanged. Keys that only tune
 * behaviour Ward's agent does not have (telemetry, log rotation, keep-alives) are
 * accepted; unknown keys and stanzas, and settings whose meaning Ward cannot honour,
 * are errors naming the stanza and `file:line`.
 */
import { readFileSync } from 'node:fs';
import hcl from 'js-hcl-parser';
import { AgentConfigError, Locator, Stanza, isObj, jsonErrorOffset, lineAt } from './config-read.js';
import type { MoreParams } from './auto-auth/params.js';
import { parseAutoAuth, parseListener, parseTemplate, parseVault } from './config-stanzas.js';

export { AgentConfigError } from './config-read.js';

/** The upstream server (`vault {}`). Environment variables override these in `main.ts`. */
export interface VaultConfig {
  address?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsSkipVerify?: boolean;
  tlsServerName?: string;
  namespace?: string;
  /** `retry.num_retries`: 0 in the file means the default 12; -1 disables retries. */
  numRetries: number;
}

export interface AppRoleParams {
  type: 'approle';
  roleIdFilePath: string;
  secretIdFilePath?: string;
  removeSecretIdFileAfterReading: boolean;
  secretIdResponseWrappingPath?: string;
}

export interface KubernetesParams {
  type: 'kubernetes';
  role: string;
  tokenPath: string;
}

/** `method "aws"`: iam (credentials fall back to the AWS_* environment at each login) or ec2 (IMDS). */
export interface AwsParams {
  type: 'aws';
  /** `type` in the config: iam (a signed sts:GetCallerIdentity) or ec2 (the IMDS identity document). */
  authType: 'iam' | 'ec2';
  role: string;
  region: string;
  headerValue: string;
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** ec2: the reauthentication nonce; generated at the first login when unset. */
  nonce?: string;
}

export interface TokenFileParams {
  type: 'token_file';
  tokenFilePath: string;
}

/** `auto_auth.method`. */
export interface MethodConfig {
  /** Mount path without the `auth/` prefix (`approle`). */
  mountPath: string;
  namespace?: string;
  minBackoffMs: number;
  maxBackoffMs: number;
  exitOnErr: boolean;
  params: AppRoleParams | KubernetesParams | TokenFileParams | AwsParams | MoreParams;
  where: string;
}

/** `auto_auth.sink "file"`. */
export interface SinkConfig {
  type: 'file';
  path: string;
  mode: number;
  wrapTtl?: string;
  where: string;
}

/** A `listener` stanza (the API proxy). */
export interface ListenerConfig {
  type: 'tcp' | 'unix';
  address: string;
  requireRequestHeader: boolean;
  enableQuit: boolean;
  where: string;
}

/** One `template` stanza. */
export interface TemplateConfig {
  source?: string;
  contents?: string;
  destination: string;
  createDestDirs: boolean;
  /** Octal mode; absent means "as the existing file, else 0644". */
  perms?: number;
  command?: string | string[];
  commandTimeoutMs: number;
  errorOnMissingKey: boolean;
  leftDelimiter: string;
  rightDelimiter: string;
  where: string;
}

/** The whole agent configuration. */
export interface AgentConfig {
  file: string;
  vault: VaultConfig;
  autoAuth?: { method: MethodConfig; sinks: SinkConfig[]; where: string };
  /** `cache {}` present: leased responses through the proxy are cached. */
  cache: boolean;
  listeners: ListenerConfig[];
  useAutoAuthToken: boolean | 'force';
  templates: TemplateConfig[];
  exitOnRetryFailure: boolean;
  staticSecretRenderIntervalMs: number;
  exitAfterAuth: boolean;
  pidFile?: string;
}

const TOP = ['vault', 'auto_auth', 'cache', 'listener', 'api_proxy', 'template', 'template_config', 'exit_after_auth', 'pid_file'];
const TOP_IGNORED = [
  'disable_idle_connections', 'disable_keep_alives', 'telemetry', 'log_level', 'log_format', 'log_file',
  'log_rotate_duration', 'log_rotate_bytes', 'log_rotate_max_files', 'disable_mlock', 'ui',
];
const UNSUPPORTED: Record<string, string> = {
  env_template: 'process-supervisor mode (env_template/exec) is not supported by Ward\'s agent; use template stanzas',
  exec: 'process-supervisor mode (env_template/exec) is not supported by Ward\'s agent; use template stanzas',
};
const PROXY_KEYS = ['use_auto_auth_token', 'enforce_consistency', 'when_inconsistent'];

/** Reads and parses a configuration file. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AgentConfigError(`${path}: cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseAgentConfig(text, path);
}

/** Parses configuration text; `file` labels errors and decides JSON (`.json` or a leading `{`) vs HCL. */
export function parseAgentConfig(text: string, file: string): AgentConfig {
  const loc = new Locator(file, text);
  if (file.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{')) {
    // The HCL library's JSON reader drops what it cannot parse; validate strictly first.
    const bad = jsonErrorOffset(text);
    if (bad >= 0) throw new AgentConfigError(`${file}:${lineAt(text, bad)}: invalid JSON`);
  }
  let root: unknown;
  const out = hcl.parse(text);
  try {
    root = JSON.parse(out);
  } catch {
    const m = /At (\d+):(\d+): (.*)$/s.exec(out);
    if (m) throw new AgentConfigError(`${file}:${m[1]}:${m[2]}: ${m[3]?.trim()}`);
    throw new AgentConfigError(`${file}: ${out.replace(/^unable to parse JSON:\s*/, '').trim() || 'unparsable configuration'}`);
  }
  if (!isObj(root)) throw new AgentConfigError(`${file}: configuration must be an object`);
  return build(new Stanza(loc, '', root, 0));
}

function build(top: Stanza): AgentConfig {
  for (const k of Object.keys(top.body)) {
    const at = top.loc.where(top.loc.offsetOf(k));
    if (UNSUPPORTED[k]) throw new AgentConfigError(`${at}: ${k}: ${UNSUPPORTED[k]}`);
    if (!TOP.includes(k) && !TOP_IGNORED.includes(k)) throw new AgentConfigError(`${at}: unknown stanza or key "${k}" (known: ${TOP.join(', ')})`);
  }
  const once = (k: string, fields: readonly string[] = []): Stanza | undefined => {
    const all = top.children(k, fields);
    if (all.length > 1) throw all[1]?.error(`only one ${k} stanza is allowed`) ?? new AgentConfigError(k);
    return all[0];
  };
  const vault = parseVault(once('vault', ['retry']));
  const autoAuth = parseAutoAuth(once('auto_auth', ['method', 'sink', 'sinks']));
  const cacheStanza = once('cache', ['persist']);
  const proxy = once('api_proxy');
  proxy?.checkKeys(PROXY_KEYS);
  cacheStanza?.checkKeys(PROXY_KEYS, ['persist']);
  if (cacheStanza?.body['persist'] !== undefined) throw cacheStanza.error('persist (Kubernetes cache persistence) is not supported by Ward\'s agent', 'persist');
  if (proxy && cacheStanza && proxy.body['use_auto_auth_token'] !== undefined && cacheStanza.body['use_auto_auth_token'] !== undefined) {
    throw cacheStanza.error('use_auto_auth_token may be set in api_proxy or cache, not both', 'use_auto_auth_token');
  }
  const tc = once('template_config');
  tc?.checkKeys(['exit_on_retry_failure', 'static_secret_render_interval', 'max_connections_per_host', 'lease_renewal_threshold']);
  const cfg: AgentConfig = {
    file: top.loc.file,
    vault,
    cache: cacheStanza !== undefined,
    listeners: top.children('listener', ['type', 'address']).map(parseListener),
    useAutoAuthToken: useAutoAuth(proxy ?? cacheStanza),
    templates: top.children('template', ['source', 'contents', 'destination']).map(parseTemplate),
    exitOnRetryFailure: tc?.bool('exit_on_retry_failure') ?? false,
    staticSecretRenderIntervalMs: tc?.durationMs('static_secret_render_interval') || 5 * 60_000,
    exitAfterAuth: top.bool('exit_after_auth') ?? false,
  };
  if (autoAuth) cfg.autoAuth = autoAuth;
  const pid = top.str('pid_file');
  if (pid) cfg.pidFile = pid;
  if (cfg.useAutoAuthToken !== false && !autoAuth) {
    throw (proxy ?? cacheStanza ?? top).error('use_auto_auth_token needs an auto_auth stanza', 'use_auto_auth_token');
  }
  const dests = new Set<string>();
  for (const t of cfg.templates) {
    if (dests.has(t.destination)) throw new AgentConfigError(`${t.where}: template: destination "${t.destination}" is used by two templates`);
    dests.add(t.destination);
  }
  return cfg;
}

function useAutoAuth(s: Stanza | undefined): boolean | 'force' {
  if (!s || s.body['use_auto_auth_token'] === undefined) return false;
  const v = s.body['use_auto_auth_token'];
  if (typeof v === 'string' && v.toLowerCase() === 'force') return 'force';
  return s.bool('use_auto_auth_token') ?? false;
}
