/**
 * Shared by the pod runner's tests: the sandbox requirement (root and util-linux unshare
 * with mount and PID namespaces), a hand-written PodEnv over plain maps, and process checks.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Requirement } from '../../helpers/requirement.js';
import type { PodEnv, PodStatus, TokenRequestInput } from './types.js';

export const POD_SANDBOX: Requirement = {
  what: 'root with util-linux unshare (mount and PID namespaces)',
  hint: 'run the suite as root in a container that allows unshare --mount --pid (the project container does)',
  present: (() => {
    let known: boolean | undefined;
    return () => {
      if (known !== undefined) return known;
      try {
        known = process.getuid?.() === 0 && (execFileSync('/usr/bin/unshare', ['--mount', '--pid', '--fork', 'true'], { stdio: 'ignore' }), true);
      } catch {
        known = false;
      }
      return known;
    };
  })(),
};

export interface MapEnv extends PodEnv {
  secrets: Map<string, V1Secret>;
  configMaps: Map<string, V1ConfigMap>;
  statuses: PodStatus[];
  tokenRequests: TokenRequestInput[];
}

export function mapEnv(o: Partial<PodEnv> = {}): MapEnv {
  const secrets = new Map<string, V1Secret>();
  const configMaps = new Map<string, V1ConfigMap>();
  const statuses: PodStatus[] = [];
  const tokenRequests: TokenRequestInput[] = [];
  return {
    secrets, configMaps, statuses, tokenRequests,
    resolveSecret: (ns, n) => secrets.get(`${ns}/${n}`),
    resolveConfigMap: (ns, n) => configMaps.get(`${ns}/${n}`),
    requestToken: (r) => {
      tokenRequests.push(r);
      return { token: `token-for-${r.serviceAccountName}` };
    },
    reportStatus: (s) => void statuses.push(s),
    maxGraceSeconds: 2,
    ...o,
  };
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

let seq = 0;
/** A pod named uniquely, in `default` unless given, without the automatic token volume unless asked. */
export function podOf(spec: Partial<NonNullable<V1Pod['spec']>> & { containers: NonNullable<V1Pod['spec']>['containers'] }, md: V1Pod['metadata'] = {}): V1Pod {
  const name = md.name ?? `pod-${process.pid}-${++seq}`;
  return { metadata: { namespace: 'default', uid: `uid-${name}`, ...md, name }, spec: { automountServiceAccountToken: false, ...spec } };
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every host PID in the same PID namespace as `pid` (a container's processes). */
export function pidsInNamespaceOf(pid: number): number[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/pid`) === ns) out.push(Number(d));
    } catch {
      // exited while scanning
    }
  }
  return out;
}
