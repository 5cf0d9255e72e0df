/**
 * The downward API: what a `fieldRef` or `resourceFieldRef` yields for a pod, as the kubelet
 * computes it for env vars and downwardAPI volume files. The pod network is the host's
 * loopback, so both pod and host IP are the node's address.
 */
import type { V1Container, V1Pod, V1ResourceFieldSelector } from '@kubernetes/client-node';

/** What the runner's "node" looks like to a pod. */
export interface NodeInfo {
  name: string;
  hostIP: string;
  podIP: string;
  /** Allocatable CPU cores and memory bytes: the value of an unset limit. */
  cpu: number;
  memory: number;
}

/** `k="v"` lines sorted by key, with Go's %q escaping of the value (downwardAPI volume format). */
function mapLines(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify((m ?? {})[k])}`)
    .join('\n');
}

export function fieldValue(pod: V1Pod, path: string, node: NodeInfo): string {
  const md = pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) {
    const m = sub[1] === 'labels' ? md.labels : md.annotations;
    return m?.[sub[2] as string] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? 'default';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'metadata.labels':
      return mapLines(md.labels);
    case 'metadata.annotations':
      return mapLines(md.annotations);
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? node.name;
    case 'status.podIP':
    case 'status.podIPs':
      return node.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return node.hostIP;
    default:
      throw new Error(`unsupported fieldPath: ${path}`);
  }
}

const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** A Kubernetes resource quantity ("500m", "128Mi", "1e3") as a number. */
export function parseQuantity(q: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) throw new Error(`invalid quantity "${q}"`);
  const base = Number(m[1]);
  if (m[2] !== undefined) return Number(`${m[1]}${m[2]}`);
  const mult = SUFFIX[m[3] ?? ''] as number;
  // Multiplying small suffixes loses precision (0.1+0.2 style); round to the nano unit.
  return mult < 1 ? Math.round(base * mult * 1e9) / 1e9 : base * mult;
}

/** ceil(value / divisor), the kubelet's rounding for both CPU and memory. */
export function resourceValue(c: V1Container, sel: Pick<V1ResourceFieldSelector, 'resource' | 'divisor'>, node: NodeInfo): string {
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(sel.resource);
  if (!m) throw new Error(`unsupported resource: ${sel.resource}`);
  const [, kind, res] = m as unknown as [string, 'limits' | 'requests', 'cpu' | 'memory' | 'ephemeral-storage'];
  const divisor = parseQuantity(String(sel.divisor ?? '1'));
  const limit = c.resources?.limits?.[res];
  // Requests default to limits (API defaulting); an unset limit is the node's allocatable.
  const raw = kind === 'limits' ? limit : (c.resources?.requests?.[res] ?? limit);
  let v: number;
  if (raw !== undefined) v = parseQuantity(String(raw));
  else if (kind === 'requests') v = 0;
  else v = res === 'cpu' ? node.cpu : node.memory;
  return String(Math.ceil(Math.round((v / divisor) * 1e6) / 1e6));
}
