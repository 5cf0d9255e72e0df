/**
 * Kubeconfigs for the fake cluster: one cluster (server + certificate-authority-data), one
 * user (a bearer token), one current context, as `KubeConfig.loadFromFile` and kubectl
 * read them.
 */
import { writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  token: string;
  /** Name of the cluster, user and context (default `ward-fake`). */
  name?: string;
  /** Default namespace of the context. */
  namespace?: string;
}

export function kubeconfigYaml(o: KubeconfigOptions): string {
  const name = o.name ?? 'ward-fake';
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') } }],
    users: [{ name, user: { token: o.token } }],
    contexts: [{ name, context: { cluster: name, user: name, ...(o.namespace ? { namespace: o.namespace } : {}) } }],
    'current-context': name,
    preferences: {},
  }, { lineWidth: -1 });
}

/** Writes a kubeconfig for a running fake (owner-only permissions: it holds a bearer token). */
export async function writeKubeconfig(path: string, fake: { url: string; caPem: string; adminToken: string }, token?: string): Promise<void> {
  await writeFile(path, kubeconfigYaml({ server: fake.url, caPem: fake.caPem, token: token ?? fake.adminToken }), { mode: 0o600 });
}
