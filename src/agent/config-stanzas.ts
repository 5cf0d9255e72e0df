/** The stanza readers behind `config.ts`: vault, auto_auth (method, sinks), listener, template. */
import type { Stanza } from './config-read.js';
import { MORE_METHODS } from './auto-auth/params.js';
import type { AgentConfig, ListenerConfig, MethodConfig, SinkConfig, TemplateConfig, VaultConfig } from './config.js';

const DEFAULT_RETRIES = 12;
const K8S_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** `vault {}`; absent means everything from the environment. */
export function parseVault(s: Stanza | undefined): VaultConfig {
  if (!s) return { numRetries: DEFAULT_RETRIES };
  s.checkKeys(['address', 'ca_cert', 'ca_path', 'client_cert', 'client_key', 'tls_skip_verify', 'tls_server_name', 'namespace', 'retry']);
  const v: VaultConfig = { numRetries: DEFAULT_RETRIES };
  const set = (k: 'address' | 'caCert' | 'caPath' | 'clientCert' | 'clientKey' | 'tlsServerName' | 'namespace', key: string): void => {
    const x = s.str(key);
    if (x !== undefined && x !== '') v[k] = x;
  };
  set('address', 'address');
  set('caCert', 'ca_cert');
  set('caPath', 'ca_path');
  set('clientCert', 'client_cert');
  set('clientKey', 'client_key');
  set('tlsServerName', 'tls_server_name');
  set('namespace', 'namespace');
  const skip = s.bool('tls_skip_verify');
  if (skip !== undefined) v.tlsSkipVerify = skip;
  const retry = s.single('retry');
  if (retry) {
    retry.checkKeys(['num_retries']);
    const n = retry.int('num_retries') ?? 0;
    if (n < -1) throw retry.error('num_retries must be -1 (off), 0 (default) or positive', 'num_retries');
    v.numRetries = n === 0 ? DEFAULT_RETRIES : n === -1 ? 0 : n;
  }
  return v;
}

/** `auto_auth { method {} sink {}… }`; the JSON `sinks` wrapper is accepted too. */
export function parseAutoAuth(s: Stanza | undefined): AgentConfig['autoAuth'] {
  if (!s) return undefined;
  s.checkKeys(['method', 'sink', 'sinks']);
  const methods = s.children('method', ['type', 'mount_path', 'config', 'namespace', 'wrap_ttl', 'min_backoff', 'max_backoff', 'exit_on_err']);
  if (methods.length === 0) throw s.error('missing required stanza "method"');
  if (methods.length > 1) throw methods[1]?.error('only one method is allowed') ?? s.error('only one method is allowed');
  const sinkFields = ['type', 'config', 'wrap_ttl', 'dh_type', 'dh_path', 'derive_key', 'aad', 'aad_env_var'];
  const sinks = s.children('sink', sinkFields);
  for (const wrapper of s.children('sinks', ['sink'])) sinks.push(...wrapper.children('sink', sinkFields));
  return { method: parseMethod(methods[0] as Stanza), sinks: sinks.map(parseSink), where: s.where };
}

function parseMethod(m: Stanza): MethodConfig {
  m.checkKeys(['type', 'mount_path', 'config', 'namespace', 'wrap_ttl', 'min_backoff', 'max_backoff', 'exit_on_err', 'max_retries']);
  const type = m.need('type');
  if (m.body['wrap_ttl'] !== undefined) {
    throw m.error('method-level wrap_ttl is not supported by Ward\'s agent (the agent could not renew the token); use a sink wrap_ttl', 'wrap_ttl');
  }
  const c = m.single('config');
  const cfg = (): Stanza => c ?? (() => { throw m.error('missing required stanza "config"'); })();
  let params: MethodConfig['params'];
  if (type === 'approle') {
    const x = cfg();
    x.checkKeys(['role_id_file_path', 'secret_id_file_path', 'remove_secret_id_file_after_reading', 'secret_id_response_wrapping_path']);
    params = { type, roleIdFilePath: x.need('role_id_file_path'), removeSecretIdFileAfterReading: x.bool('remove_secret_id_file_after_reading') ?? true };
    const sid = x.str('secret_id_file_path');
    if (sid) params.secretIdFilePath = sid;
    const wrap = x.str('secret_id_response_wrapping_path');
    if (wrap) params.secretIdResponseWrappingPath = wrap.replace(/^\/+|\/+$/g, '');
    if (wrap && !sid) throw x.error('secret_id_response_wrapping_path needs secret_id_file_path', 'secret_id_response_wrapping_path');
  } else if (type === 'kubernetes') {
    const x = cfg();
    x.checkKeys(['role', 'token_path']);
    params = { type, role: x.need('role'), tokenPath: x.str('token_path') || K8S_TOKEN };
  } else if (type === 'aws') {
    const x = cfg();
    x.checkKeys(['type', 'role', 'region', 'header_value', 'access_key', 'secret_key', 'session_token', 'nonce', 'credential_poll_interval']);
    // Vault polls for rotated iam credentials at this interval; Ward reads them at each login, so it is only validated.
    x.int('credential_poll_interval');
    const kind = x.str('type') || 'iam';
    if (kind !== 'iam' && kind !== 'ec2') throw x.error(`type "${kind}" is invalid (iam or ec2)`, 'type');
    params = { type, authType: kind, role: x.str('role') ?? '', region: x.str('region') || 'us-east-1', headerValue: x.str('header_value') ?? '' };
    for (const [key, k] of [['access_key', 'accessKey'], ['secret_key', 'secretKey'], ['session_token', 'sessionToken'], ['nonce', 'nonce']] as const) {
      const v = x.str(key);
      if (v) params[k] = v;
    }
  } else if (type === 'token_file') {
    const x = cfg();
    x.checkKeys(['token_file_path']);
    params = { type, tokenFilePath: x.need('token_file_path') };
  } else if (Object.hasOwn(MORE_METHODS, type)) {
    params = (MORE_METHODS[type] as NonNullable<(typeof MORE_METHODS)[string]>)(c, m);
  } else {
    throw m.error(`unsupported method type "${type}" (Ward's agent supports ${['approle', 'aws', 'kubernetes', 'token_file', ...Object.keys(MORE_METHODS)].join(', ')})`, 'type');
  }
  const minBackoffMs = m.durationMs('min_backoff') || 1000;
  const maxBackoffMs = m.durationMs('max_backoff') || 300_000;
  if (minBackoffMs > maxBackoffMs) throw m.error('min_backoff cannot be greater than max_backoff', 'min_backoff');
  const out: MethodConfig = {
    mountPath: (m.str('mount_path') || `auth/${type}`).replace(/^\/+|\/+$/g, '').replace(/^auth\//, ''),
    minBackoffMs,
    maxBackoffMs,
    exitOnErr: m.bool('exit_on_err') ?? false,
    params,
    where: m.where,
  };
  const ns = m.str('namespace');
  if (ns) out.namespace = ns;
  return out;
}

function parseSink(s: Stanza): SinkConfig {
  s.checkKeys(['type', 'config', 'wrap_ttl', 'dh_type', 'dh_path', 'derive_key', 'aad', 'aad_env_var']);
  const type = s.need('type');
  if (type !== 'file') throw s.error(`unsupported sink type "${type}" (only file)`, 'type');
  for (const k of ['dh_type', 'dh_path', 'aad', 'aad_env_var']) {
    if (s.body[k] !== undefined) throw s.error(`${k}: Diffie-Hellman sink encryption is not supported by Ward's agent`, k);
  }
  const c = s.single('config');
  if (!c) throw s.error('missing required stanza "config" (with path)');
  c.checkKeys(['path', 'mode', 'owner', 'group']);
  const out: SinkConfig = { type: 'file', path: c.need('path'), mode: c.mode('mode') ?? 0o640, where: s.where };
  const wrap = s.str('wrap_ttl');
  if (wrap) {
    if (s.durationMs('wrap_ttl') === 0) throw s.error('wrap_ttl must be a positive duration', 'wrap_ttl');
    out.wrapTtl = wrap;
  }
  return out;
}

/** `listener "tcp"` or `listener "unix"`. */
export function parseListener(s: Stanza): ListenerConfig {
  s.checkKeys(['type', 'address', 'tls_disable', 'require_request_header', 'role', 'agent_api'], ['tls_cert_file', 'tls_key_file', 'tls_min_version']);
  const type = s.need('type');
  if (type !== 'tcp' && type !== 'unix') throw s.error(`unsupported listener type "${type}" (tcp or unix)`, 'type');
  if (type === 'tcp' && s.bool('tls_disable') !== true) {
    throw s.error('Ward\'s agent listener serves plain HTTP on loopback; set tls_disable = true', 'tls_disable');
  }
  const role = s.str('role');
  if (role !== undefined && role !== 'default') throw s.error(`listener role "${role}" is not supported`, 'role');
  const api = s.single('agent_api');
  api?.checkKeys(['enable_quit']);
  const address = s.str('address') || (type === 'tcp' ? '127.0.0.1:8200' : '');
  if (type === 'unix' && address === '') throw s.error('missing required field "address"');
  if (type === 'tcp' && !/^(\[[^\]]+\]|[^:]+):\d{1,5}$/.test(address)) throw s.error(`invalid address "${address}": expected host:port`, 'address');
  return { type, address, requireRequestHeader: s.bool('require_request_header') ?? false, enableQuit: api?.bool('enable_quit') ?? false, where: s.where };
}

/** One `template {}`: exactly one of source/contents, and a destination. */
export function parseTemplate(s: Stanza): TemplateConfig {
  s.checkKeys(
    ['source', 'contents', 'destination', 'create_dest_dirs', 'perms', 'command', 'command_timeout', 'exec', 'error_on_missing_key', 'left_delimiter', 'right_delimiter'],
    ['backup', 'wait', 'sandbox_path', 'user', 'uid', 'group', 'gid'],
  );
  const source = s.str('source');
  const contents = s.str('contents');
  if (source && contents) throw s.error('source and contents are mutually exclusive', 'contents');
  if (!source && contents === undefined) throw s.error('missing required field "source" or "contents"');
  const t: TemplateConfig = {
    destination: s.need('destination'),
    createDestDirs: s.bool('create_dest_dirs') ?? true,
    commandTimeoutMs: s.durationMs('command_timeout') || 30_000,
    errorOnMissingKey: s.bool('error_on_missing_key') ?? false,
    leftDelimiter: s.str('left_delimiter') || '{{',
    rightDelimiter: s.str('right_delimiter') || '}}',
    where: s.where,
  };
  if (source) t.source = source;
  if (contents !== undefined) t.contents = contents;
  const perms = s.mode('perms');
  if (perms !== undefined) t.perms = perms;
  const cmd = s.str('command');
  if (cmd) t.command = cmd;
  const exec = s.single('exec');
  if (exec) {
    exec.checkKeys(['command', 'timeout']);
    const c = exec.body['command'];
    if (Array.isArray(c) && c.every((x) => typeof x === 'string')) t.command = c as string[]; // checked element-wise
    else if (typeof c === 'string') t.command = c.includes(',') ? c.split(',').map((x) => x.trim()) : c;
    else throw exec.error('command must be a string or a list of strings', 'command');
    const to = exec.durationMs('timeout');
    if (to) t.commandTimeoutMs = to;
  }
  return t;
}
