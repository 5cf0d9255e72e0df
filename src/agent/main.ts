/**
 * `ward agent -config=FILE`: flag handling, configuration loading and exit codes.
 * Exit 0 after a clean stop or a successful exit_after_auth run, 1 on configuration
 * errors and fatal runtime failures.
 */
import { DEFAULT_ADDRESS, optionsFromEnv, type ClientOptions } from '../api/index.js';
import { Agent } from './agent.js';
import { existsSync } from 'node:fs';
import { AgentConfigError, loadAgentConfig, parseAgentConfig, type AgentConfig } from './config.js';
import { createLogger, isLevel, type Level } from './log.js';
import { compileTemplates } from './template/output.js';

/** Process I/O, injectable for tests. */
export type AgentIo = { stderr: { write(s: string): unknown }; env: NodeJS.ProcessEnv; exit: (code: number) => void };

/** How long a signalled agent may take to stop before it exits anyway (Kubernetes sends SIGKILL after 30 s by default). */
export const STOP_GRACE_MS = 10_000;
/** Exit code when a second signal interrupts a stop in progress (128 + SIGINT, as the server). */
export const FORCED_EXIT_CODE = 130;

const USAGE = `Usage: ward agent [-config=FILE] [-exit-after-auth] [-log-level=LEVEL] [-check-rendered]
                  [-revoke-on-shutdown [-revoke-grace=SECONDS]]

  Runs the Ward agent: logs in with the configured auto_auth method, keeps the token
  alive, writes it to sinks, renders templates and serves the API proxy. The
  configuration is a Vault Agent file (HCL or JSON); without -config it is read from
  VAULT_CONFIG (base64 of the JSON form), as the Kubernetes injector passes it.
  -check-rendered exits 0 when every sink and template file exists, else 1 (the
  startup probe of an injected native sidecar).
  -revoke-on-shutdown: on SIGTERM/SIGINT, wait -revoke-grace seconds (default 5; the
  app may still use its secrets), then revoke the agent's token and its leases.
`;

type Flags = { config?: string; exitAfterAuth?: boolean; logLevel: Level; help: boolean; checkRendered?: boolean; revokeOnShutdown?: boolean; revokeGraceSeconds?: number };

/** vault-k8s's default for `agent-revoke-grace`. */
const DEFAULT_REVOKE_GRACE_SECONDS = 5;

/** The configuration from -config, else from VAULT_CONFIG (base64 JSON); undefined when neither is given. */
function readConfig(flags: Flags, env: NodeJS.ProcessEnv): AgentConfig | undefined {
  if (flags.config) return loadAgentConfig(flags.config);
  const encoded = env['VAULT_CONFIG'];
  if (encoded === undefined || encoded === '') return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  // The label ends in .json so the strict JSON checks apply; messages then name VAULT_CONFIG.
  try {
    return { ...parseAgentConfig(text, 'VAULT_CONFIG.json'), file: 'VAULT_CONFIG' };
  } catch (e) {
    if (e instanceof AgentConfigError) throw new AgentConfigError(e.message.replace(/VAULT_CONFIG\.json/g, 'VAULT_CONFIG'));
    throw e;
  }
}

/** Files the agent has not written yet: every sink and template destination. */
function unrendered(cfg: AgentConfig): string[] {
  const files = [...(cfg.autoAuth?.sinks ?? []).map((s) => s.path), ...cfg.templates.map((t) => t.destination)];
  return files.filter((f) => !existsSync(f));
}

function parseArgs(args: string[]): Flags {
  const f: Flags = { logLevel: 'info', help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^--?([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (!m) throw new Error(`unexpected argument "${a}"`);
    const name = m[1] ?? '';
    const value = (): string => {
      if (m[2] !== undefined) return m[2];
      const next = args[++i];
      if (next === undefined) throw new Error(`flag -${name} needs a value`);
      return next;
    };
    if (name === 'h' || name === 'help') f.help = true;
    else if (name === 'check-rendered') f.checkRendered = true;
    else if (name === 'revoke-on-shutdown') f.revokeOnShutdown = m[2] === undefined ? true : /^(1|t|true)$/i.test(m[2]);
    else if (name === 'revoke-grace') {
      const v = value();
      if (!/^\d{1,5}$/.test(v)) throw new Error(`invalid -revoke-grace "${v}": whole seconds expected`);
      f.revokeGraceSeconds = Number(v);
    }
    else if (name === 'config') {
      if (f.config !== undefined) throw new Error('only one -config file is supported');
      f.config = value();
    } else if (name === 'exit-after-auth') f.exitAfterAuth = m[2] === undefined ? true : /^(1|t|true)$/i.test(m[2]);
    else if (name === 'log-level') {
      const l = value().toLowerCase();
      if (!isLevel(l)) throw new Error(`invalid -log-level "${l}"`);
      f.logLevel = l;
    } else throw new Error(`unknown flag -${name}`);
  }
  return f;
}

/** Client settings: the file's `vault {}`, overridden by `VAULT_*`/`WARD_*` variables (as Vault Agent does). */
function clientOptions(cfg: AgentConfig, env: NodeJS.ProcessEnv): { options: ClientOptions; envToken?: string } {
  const v = cfg.vault;
  const o: ClientOptions = { address: v.address ?? DEFAULT_ADDRESS };
  if (v.caCert) o.caCert = v.caCert;
  if (v.caPath) o.caPath = v.caPath;
  if (v.clientCert) o.clientCert = v.clientCert;
  if (v.clientKey) o.clientKey = v.clientKey;
  if (v.tlsServerName) o.tlsServerName = v.tlsServerName;
  if (v.namespace) o.namespace = v.namespace;
  if (v.tlsSkipVerify !== undefined) o.tlsSkipVerify = v.tlsSkipVerify;
  const { token, wrapTtl: _ignored, ...fromEnv } = optionsFromEnv(env);
  const out: { options: ClientOptions; envToken?: string } = { options: { ...o, ...fromEnv } };
  if (token) out.envToken = token;
  return out;
}

/** Entry point of `ward agent`; resolves to the exit code. */
export async function runAgent(args: string[], io: AgentIo = { stderr: process.stderr, env: process.env, exit: (code) => process.exit(code) }): Promise<number> {
  let flags: Flags;
  try {
    flags = parseArgs(args);
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 1;
  }
  if (flags.help) {
    io.stderr.write(USAGE);
    return 0;
  }
  const log = createLogger(io.stderr, flags.logLevel);
  let cfg: AgentConfig;
  let agent: Agent;
  // The revoke grace comes on top: the revocation happens after it.
  let stopGraceMs = STOP_GRACE_MS;
  try {
    const read = readConfig(flags, io.env);
    if (!read) {
      io.stderr.write(`Error: -config is required (or a base64 JSON configuration in VAULT_CONFIG)\n\n${USAGE}`);
      return 1;
    }
    cfg = read;
    if (flags.checkRendered) {
      const missing = unrendered(cfg);
      if (missing.length > 0) io.stderr.write(`not rendered yet: ${missing.join(', ')}\n`);
      return missing.length > 0 ? 1 : 0;
    }
    if (flags.exitAfterAuth !== undefined) cfg.exitAfterAuth = flags.exitAfterAuth;
    const templates = compileTemplates(cfg.templates);
    const { options, envToken } = clientOptions(cfg, io.env);
    if (templates.length > 0 && !cfg.autoAuth && !envToken) {
      throw new AgentConfigError(`${cfg.file}: template: templates need an auto_auth stanza (or VAULT_TOKEN) to read secrets`);
    }
    const revokeGraceMs = flags.revokeOnShutdown ? (flags.revokeGraceSeconds ?? DEFAULT_REVOKE_GRACE_SECONDS) * 1000 : undefined;
    agent = new Agent({ cfg, templates, clientOptions: options, log, env: io.env, ...(envToken ? { envToken } : {}), ...(revokeGraceMs !== undefined ? { revokeOnShutdown: { graceMs: revokeGraceMs } } : {}) });
    stopGraceMs += revokeGraceMs ?? 0;
  } catch (e) {
    if (e instanceof AgentConfigError) {
      io.stderr.write(`Error loading configuration: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let signalled = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log.warn(`second signal (${signal}) received, forcing exit`);
      io.exit(FORCED_EXIT_CODE);
      return;
    }
    signalled = true;
    agent.stop();
    // The agent stops its loops and closes its clients at once; should anything still hold
    // the process (a template command that ignores SIGTERM), it still ends within the
    // grace period instead of waiting for a SIGKILL. Unref'd: it never delays a clean exit.
    setTimeout(() => {
      log.error(`did not stop within ${stopGraceMs / 1000}s of ${signal}; exiting`);
      io.exit(1);
    }, stopGraceMs).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await agent.run();
  } finally {
    // Still listening until the process ends: a second signal during a slow exit forces it.
    if (!signalled) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
}
