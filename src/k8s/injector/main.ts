/**
 * The `ward k8s injector` process: resolve settings, get the serving certificate, decide
 * native sidecars, serve until SIGTERM/SIGINT, then drain and exit 0. Exit 1 on a
 * configuration or start-up error, with the reason on stderr.
 */
import type { ServingCertSource } from './cert-source.js';
import { clusterVersion, inClusterAccess, supportsNativeSidecars } from './cluster-version.js';
import { resolveConfig, type InjectorConfig } from './config.js';
import { fileCertSource } from './file-source.js';
import { KubeClient } from '../kube/client.js';
import { parseTlsAutoHosts } from './tls-auto/hosts.js';
import { TlsAutoSource } from './tls-auto/source.js';
import { startInjectorServer, type LogFn } from './server.js';

export interface InjectorIo {
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

function logger(cfg: InjectorConfig, out: InjectorIo['stderr']): LogFn {
  const min = LEVELS.indexOf(cfg.logLevel);
  return (level, msg, fields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = new Date().toISOString();
    if (cfg.logFormat === 'json') out.write(`${JSON.stringify({ '@timestamp': time, '@level': level, '@module': 'injector', '@message': msg, ...fields })}\n`);
    else out.write(`${time} [${level.toUpperCase()}] injector: ${msg}${Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('')}\n`);
  };
}

async function certSource(cfg: InjectorConfig, env: NodeJS.ProcessEnv, log: LogFn): Promise<ServingCertSource> {
  if (cfg.tls.kind === 'files') return fileCertSource(cfg.tls.certFile, cfg.tls.keyFile, { onError: (m) => log('warn', m) });
  // -tls-auto: replicas share one CA through a Secret that the Lease holder maintains, and
  // the webhook configuration's caBundle follows it (tls-auto/source.ts).
  const hosts = parseTlsAutoHosts(cfg.tls.hosts.join(','));
  const client = KubeClient.load(env['KUBECONFIG'] ? { kubeconfig: env['KUBECONFIG'] } : {});
  const namespace = env['NAMESPACE'] || client.namespace || 'default';
  log('info', `tls-auto: certificate for ${hosts.join(', ')} shared through secret ${namespace}/vault-injector-certs; caBundle of ${cfg.tls.webhookConfig}`);
  return TlsAutoSource.start({ client, namespace, webhookConfigName: cfg.tls.webhookConfig, hosts, readyTimeoutMs: 120_000, log: (level, m) => log(level, m) });
}

async function nativeSidecars(cfg: InjectorConfig, env: NodeJS.ProcessEnv, log: LogFn): Promise<boolean> {
  if (cfg.nativeSidecars !== 'auto') return cfg.nativeSidecars === 'true';
  const access = inClusterAccess(env);
  if (!access) {
    log('info', 'not running in a cluster: native sidecars off (set -native-sidecars=true to force them)');
    return false;
  }
  try {
    const v = await clusterVersion(access);
    const yes = supportsNativeSidecars(v);
    log('info', `Kubernetes ${v.gitVersion ?? `${v.major}.${v.minor}`}: native sidecars ${yes ? 'on' : 'off'}`);
    return yes;
  } catch (e) {
    log('warn', `cannot read the Kubernetes version (${e instanceof Error ? e.message : String(e)}): native sidecars off`);
    return false;
  }
}

/** Runs the injector until a signal; resolves to the exit code. */
export async function runInjector(flags: Readonly<Record<string, string>>, io: InjectorIo): Promise<number> {
  let cfg: InjectorConfig;
  try {
    cfg = resolveConfig(flags, io.env);
  } catch (e) {
    io.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const log = logger(cfg, io.stderr);
  let certs: ServingCertSource;
  try {
    certs = await certSource(cfg, io.env, log);
  } catch (e) {
    io.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const options = { ...cfg.options, nativeSidecars: await nativeSidecars(cfg, io.env, log) };
  if (!options.vaultAddress) log('warn', 'no -vault-address: pods without a vault.hashicorp.com/service annotation will be denied');
  // vault-helm's values name HashiCorp's image; the injected containers run `ward agent`.
  if (/(^|\/)vault:/.test(options.vaultImage)) log('warn', `agent image ${options.vaultImage} looks like HashiCorp Vault's; the injected containers run "ward agent", so use a Ward image (-vault-image)`);
  let server;
  try {
    server = await startInjectorServer({ host: cfg.listen.host, port: cfg.listen.port, certs, options, log, minVersion: cfg.tlsMinVersion });
  } catch (e) {
    await certs.close();
    io.stderr.write(`Error: cannot listen on ${cfg.listen.host}:${cfg.listen.port}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  log('info', `listening on ${cfg.listen.host.includes(':') ? `[${cfg.listen.host}]` : cfg.listen.host}:${server.port}`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log('info', `${signal}: draining in-flight reviews and stopping`);
  await server.close();
  await certs.close();
  return 0;
}
