/**
 * The agent configuration the injected containers run with, in the JSON shape vault-k8s
 * generates (it travels base64-encoded in VAULT_CONFIG; `ward agent` reads it from there).
 */
import type { AgentSpec } from './spec.js';

export const HOME = '/home/vault';
export const TOKEN_SINK = `${HOME}/.vault-token`;

/** Which container the configuration is for. */
export type Role = 'init' | 'sidecar';

type Json = Record<string, unknown>;

export function agentConfig(s: AgentSpec, role: Role): Json {
  const method: Json = { type: s.authType, mount_path: s.authPath, namespace: s.vaultNamespace, config: methodConfig(s) };
  if (s.minBackoff) method['min_backoff'] = s.minBackoff;
  if (s.maxBackoff) method['max_backoff'] = s.maxBackoff;
  if (s.exitOnErr) method['exit_on_err'] = true;
  const sink: Json[] = [{ type: 'file', config: { path: TOKEN_SINK } }];
  if (s.injectToken) sink.push({ type: 'file', config: { path: `${s.secretVolumePath}/token` } });
  const cfg: Json = {
    auto_auth: { method, sink },
    exit_after_auth: role === 'init',
    pid_file: `${HOME}/.pid`,
    vault: vault(s),
    template: s.secrets.map((t) => {
      const out: Json = { destination: t.destination, left_delimiter: t.leftDelimiter, right_delimiter: t.rightDelimiter };
      if (t.contents !== undefined) out['contents'] = t.contents;
      if (t.source !== undefined) out['source'] = t.source;
      if (t.perms) out['perms'] = t.perms;
      if (t.command) out['command'] = t.command;
      if (t.errorOnMissingKey) out['error_on_missing_key'] = true;
      return out;
    }),
    template_config: templateConfig(s),
  };
  // The listener (cache or quit endpoint) belongs to the long-running agent only.
  if (role === 'sidecar' && (s.cache || s.enableQuit)) {
    const listener: Json = { type: 'tcp', address: `127.0.0.1:${s.cache?.port ?? 8200}`, tls_disable: true };
    if (s.enableQuit) listener['agent_api'] = { enable_quit: true };
    cfg['listener'] = [listener];
  }
  // Persistence of the cache between init and sidecar (vault-k8s's `persist`) is left out:
  // Ward's agent does not restore a cache, so the sidecar starts with an empty one.
  if (role === 'sidecar' && s.cache) cfg['cache'] = { use_auto_auth_token: s.cache.useAutoAuthToken };
  if (Object.keys(s.telemetry).length > 0) cfg['telemetry'] = s.telemetry;
  if (s.disableIdleConnections.length > 0) cfg['disable_idle_connections'] = s.disableIdleConnections;
  if (s.disableKeepAlives.length > 0) cfg['disable_keep_alives'] = s.disableKeepAlives;
  return cfg;
}

function methodConfig(s: AgentSpec): Json {
  if (s.authType !== 'kubernetes') return { ...s.authConfig };
  return { token_path: s.token.path, ...s.authConfig };
}

function vault(s: AgentSpec): Json {
  const v: Json = { address: s.address };
  if (s.tls.skipVerify) v['tls_skip_verify'] = true;
  if (s.tls.caCert) v['ca_cert'] = s.tls.caCert;
  if (s.tls.caPath) v['ca_path'] = s.tls.caPath;
  if (s.tls.clientCert) v['client_cert'] = s.tls.clientCert;
  if (s.tls.clientKey) v['client_key'] = s.tls.clientKey;
  if (s.tls.serverName) v['tls_server_name'] = s.tls.serverName;
  return v;
}

function templateConfig(s: AgentSpec): Json {
  const t = s.templateConfig;
  const out: Json = { exit_on_retry_failure: t.exitOnRetryFailure };
  if (t.staticSecretRenderInterval) out['static_secret_render_interval'] = t.staticSecretRenderInterval;
  if (t.maxConnectionsPerHost !== undefined) out['max_connections_per_host'] = t.maxConnectionsPerHost;
  if (t.leaseRenewalThreshold !== undefined) out['lease_renewal_threshold'] = t.leaseRenewalThreshold;
  return out;
}

/** VAULT_CONFIG's value: standard base64 of the JSON. */
export const encodeConfig = (cfg: Json): string => Buffer.from(JSON.stringify(cfg)).toString('base64');
