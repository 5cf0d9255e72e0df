/**
 * `service_registration "kubernetes" { namespace, pod_name }`: how the node advertises its
 * state. As in Vault, `VAULT_K8S_NAMESPACE` and `VAULT_K8S_POD_NAME` win over the file (the
 * Helm chart sets them from the downward API), so an empty stanza is the usual form.
 */
import { str, type Block, type Locator } from './config.js';

export interface KubernetesRegistrationConfig {
  type: 'kubernetes';
  namespace: string;
  podName: string;
}

export type ServiceRegistrationConfig = KubernetesRegistrationConfig;

const KEYS = new Set(['namespace', 'pod_name']);
/** DNS-1123 label (namespaces) and subdomain (pod names): anything else cannot name a real object. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseServiceRegistration(b: Block, loc: Locator, at: number, env: NodeJS.ProcessEnv = process.env): ServiceRegistrationConfig {
  if (b.label !== 'kubernetes') throw loc.error(`unknown service_registration type "${b.label}"`, undefined, at);
  for (const k of Object.keys(b.body)) {
    if (!KEYS.has(k)) throw loc.error(`unknown key "${k}" in service_registration "kubernetes"`, k, at);
  }
  const field = (key: string, envVar: string, what: string, max: number, re: RegExp): string => {
    const fromEnv = env[envVar];
    const fromFile = str(b.body, key, loc, at);
    const value = fromEnv ? fromEnv : fromFile;
    if (!value) {
      throw loc.error(`service_registration "kubernetes": ${key} must be provided via "${envVar}" or the "${key}" config parameter`, undefined, at);
    }
    if (value.length > max || !re.test(value)) {
      const source = fromEnv ? ` (from ${envVar})` : '';
      throw loc.error(`service_registration "kubernetes": ${what} "${value}"${source} is not a valid Kubernetes ${what}`, fromEnv ? undefined : key, at);
    }
    return value;
  };
  return {
    type: 'kubernetes',
    namespace: field('namespace', 'VAULT_K8S_NAMESPACE', 'namespace name', 63, DNS_LABEL),
    podName: field('pod_name', 'VAULT_K8S_POD_NAME', 'pod name', 253, DNS_SUBDOMAIN),
  };
}
