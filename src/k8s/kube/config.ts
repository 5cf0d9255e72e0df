/**
 * Where the Kubernetes connection comes from, in controller-runtime's order (VSO's manager and
 * every kubebuilder operator behave this way): the `--kubeconfig` flag, else `$KUBECONFIG`,
 * else the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT, its CA, its token file,
 * re-read when rotated), else `~/.kube/config`. No silent fallback to plain http on localhost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { TOKEN_FILE_PROVIDER, TokenFileAuth } from './token-file-auth.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigOptions {
  /** `--kubeconfig`: a kubeconfig file to use as is. */
  kubeconfig?: string;
  /** Environment to read KUBECONFIG / KUBERNETES_SERVICE_* from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where the service-account token, ca.crt and namespace are mounted (tests point elsewhere). */
  serviceAccountDir?: string;
  /** Home directory for ~/.kube/config (default os.homedir()). */
  home?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  source: 'flag' | 'env' | 'in-cluster' | 'home';
  /** The namespace of the current context, or the pod's own namespace in-cluster. */
  namespace: string | undefined;
}

export function loadKubeConfig(o: KubeConfigOptions = {}): LoadedKubeConfig {
  const env = o.env ?? process.env;
  if (o.kubeconfig) return fromFiles([o.kubeconfig], 'flag');
  const list = (env['KUBECONFIG'] ?? '').split(delimiter).filter(Boolean);
  if (list.length > 0) return fromFiles(list, 'env');
  const host = env['KUBERNETES_SERVICE_HOST'];
  const saDir = o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (host && existsSync(join(saDir, 'token'))) return inCluster(host, env['KUBERNETES_SERVICE_PORT'] ?? '443', saDir);
  const home = join(o.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home], 'home');
  throw new Error('no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, run in a pod with a service account, or create ~/.kube/config');
}

function readFile(kc: KubeConfig, file: string): void {
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new Error(`kubeconfig ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function fromFiles(files: string[], source: 'flag' | 'env' | 'home'): LoadedKubeConfig {
  const kc = new KubeConfig();
  const [first, ...rest] = files;
  readFile(kc, first ?? '');
  for (const f of rest) {
    const more = new KubeConfig();
    readFile(more, f);
    kc.mergeConfig(more, true); // as kubectl: the first file that sets current-context wins
  }
  const where = `kubeconfig ${files.join(delimiter)}`;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${where}: the current context names no cluster`);
  // Ward talks to the API server only over verified TLS (service-account tokens and secrets travel on it).
  if (cluster.skipTLSVerify) throw new Error(`${where}: cluster ${cluster.name} sets insecure-skip-tls-verify; give its CA (certificate-authority or certificate-authority-data) instead`);
  if (!cluster.server.startsWith('https://')) throw new Error(`${where}: cluster ${cluster.name} server ${cluster.server} is not https`);
  return { kc, source, namespace: kc.getContextObject(kc.getCurrentContext())?.namespace };
}

function inCluster(host: string, port: string, saDir: string): LoadedKubeConfig {
  const kc = new KubeConfig();
  const nsFile = join(saDir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: TOKEN_FILE_PROVIDER, config: { path: join(saDir, 'token') } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account', ...(namespace ? { namespace } : {}) }],
    currentContext: 'in-cluster',
  });
  kc.addAuthenticator(new TokenFileAuth());
  return { kc, source: 'in-cluster', namespace };
}
