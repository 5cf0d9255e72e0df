/**
 * The built-in ServiceAccount admission plugin, which runs on pod CREATE before any
 * mutating webhook: the pod's service account defaults to `default` and must exist (403
 * otherwise, in the plugin's words), and unless automountServiceAccountToken is false (on
 * the pod, else on the service account) a projected `kube-api-access-<5>` volume (token,
 * kube-root-ca.crt, namespace) is mounted read-only at the well-known path in every
 * container. Injectors find the token by that mount.
 */
import { randomBytes } from 'node:crypto';
import type { ResourceType } from './registry.js';
import { ApiError, status } from './status.js';
import type { KObj, Store } from './store.js';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const CHARS = 'bcdfghjklmnpqrstvwxz2456789';

interface Container {
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string }[];
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

export function admitServiceAccount(store: Store, saType: ResourceType, namespace: string, pod: KObj): KObj {
  const out = structuredClone(pod);
  const spec = (out['spec'] ?? {}) as PodSpec;
  out['spec'] = spec;
  const sa = (spec.serviceAccountName ||= 'default');
  const account = store.get(saType, namespace, sa);
  if (!account) {
    const name = out.metadata.name ?? '';
    throw new ApiError(403, status(403, 'Forbidden', `pods "${name}" is forbidden: error looking up service account ${namespace}/${sa}: serviceaccount "${sa}" not found`, { name, kind: 'pods' }));
  }
  const automount = spec.automountServiceAccountToken ?? (account['automountServiceAccountToken'] as boolean | undefined) ?? true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (!automount || containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH))) return out;
  const name = `kube-api-access-${Array.from(randomBytes(5), (b) => CHARS[b % CHARS.length]).join('')}`;
  spec.volumes = [...(spec.volumes ?? []), {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  } as { name: string }];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name, mountPath: TOKEN_MOUNT_PATH, readOnly: true }];
  return out;
}
