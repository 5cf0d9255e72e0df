/**
 * The chart's hardening as a policy over rendered objects: every pod spec runs as a fixed
 * non-root user with a read-only root filesystem, resource requests, no privilege escalation,
 * seccomp RuntimeDefault and no capability but IPC_LOCK; Ward's rendered config keeps TLS on
 * (1.2+) and the server's probes speak HTTPS. A weakening passes only when `allowed` names it
 * (the chart's explicit `insecure.*` values).
 */
import type { K8sObject } from '../../helpers/helm.js';

export interface Allowed {
  disableTls?: boolean;
  runAsRoot?: boolean;
  writableRootFilesystem?: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The pod specs inside workload objects, named `Kind/name`. */
export function podSpecs(docs: readonly K8sObject[]): { where: string; spec: Obj }[] {
  const out: { where: string; spec: Obj }[] = [];
  for (const d of docs) {
    const spec = obj(d['spec']);
    const where = `${d.kind}/${d.metadata?.name}`;
    if (d.kind === 'Pod') out.push({ where, spec });
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(d.kind)) out.push({ where, spec: obj(obj(spec['template'])['spec']) });
    else if (d.kind === 'CronJob') out.push({ where, spec: obj(obj(obj(obj(spec['jobTemplate'])['spec'])['template'])['spec']) });
  }
  return out;
}

function podViolations(where: string, spec: Obj, allowed: Allowed): string[] {
  const v: string[] = [];
  const podSc = obj(spec['securityContext']);
  const containers = [...arr(spec['initContainers']), ...arr(spec['containers'])].map(obj);
  if (containers.length === 0) v.push(`${where}: no containers`);
  for (const c of containers) {
    const at = `${where} container ${String(c['name'])}`;
    const sc = obj(c['securityContext']);
    const uid = sc['runAsUser'] ?? podSc['runAsUser'];
    const nonRoot = sc['runAsNonRoot'] ?? podSc['runAsNonRoot'];
    if (!allowed.runAsRoot && (typeof uid !== 'number' || uid === 0 || nonRoot !== true)) v.push(`${at}: may run as root (runAsUser ${String(uid)}, runAsNonRoot ${String(nonRoot)})`);
    if (!allowed.writableRootFilesystem && sc['readOnlyRootFilesystem'] !== true) v.push(`${at}: root filesystem is not read-only`);
    if (sc['allowPrivilegeEscalation'] !== false) v.push(`${at}: allowPrivilegeEscalation is not false`);
    if (sc['privileged'] === true) v.push(`${at}: privileged`);
    const seccomp = obj(sc['seccompProfile'])['type'] ?? obj(podSc['seccompProfile'])['type'];
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${at}: seccomp profile is ${String(seccomp)}, not RuntimeDefault`);
    const caps = obj(sc['capabilities']);
    if (!arr(caps['drop']).includes('ALL')) v.push(`${at}: capabilities do not drop ALL`);
    for (const cap of arr(caps['add'])) if (cap !== 'IPC_LOCK') v.push(`${at}: adds capability ${String(cap)}`);
    const requests = obj(obj(c['resources'])['requests']);
    if (requests['cpu'] === undefined || requests['memory'] === undefined) v.push(`${at}: lacks cpu and memory requests`);
  }
  return v;
}

/** Ward's server config from a rendered ConfigMap's ward.json, if this object is one. */
export function wardConfigOf(d: K8sObject): Obj | undefined {
  if (d.kind !== 'ConfigMap') return undefined;
  const text = obj(d['data'])['ward.json'];
  return typeof text === 'string' ? obj(JSON.parse(text)) : undefined;
}

function tlsViolations(docs: readonly K8sObject[], allowed: Allowed): string[] {
  const v: string[] = [];
  const configs = docs.map(wardConfigOf).filter((c): c is Obj => c !== undefined);
  if (configs.length === 0) v.push('no Ward config (ConfigMap with ward.json) rendered');
  for (const cfg of configs) {
    for (const l of arr(cfg['listener'])) {
      const tcp = obj(obj(l)['tcp']);
      if (tcp['tls_disable'] === true || tcp['tls_disable'] === 'true' || tcp['tls_disable'] === 1) {
        if (!allowed.disableTls) v.push('Ward listener has tls_disable');
      } else {
        if (typeof tcp['tls_cert_file'] !== 'string' || typeof tcp['tls_key_file'] !== 'string') v.push('Ward listener lacks tls_cert_file/tls_key_file');
        if (tcp['tls_min_version'] !== 'tls12' && tcp['tls_min_version'] !== 'tls13') v.push(`Ward listener tls_min_version is ${String(tcp['tls_min_version'])}`);
      }
    }
  }
  for (const { where, spec } of podSpecs(docs.filter((d) => d.kind === 'StatefulSet'))) {
    // The server container (`ward server`); a bootstrap sidecar beside it has no probes.
    for (const c of arr(spec['containers']).map(obj).filter((c) => arr(c['args'])[0] === 'server')) {
      for (const p of ['readinessProbe', 'livenessProbe']) {
        const scheme = obj(obj(c[p])['httpGet'])['scheme'];
        if (scheme !== 'HTTPS' && !allowed.disableTls) v.push(`${where} ${p} is not over HTTPS`);
      }
    }
  }
  return v;
}

/** Everything in `docs` that breaks the policy; empty when the render is hardened. */
export function policyViolations(docs: readonly K8sObject[], allowed: Allowed = {}): string[] {
  return [...podSpecs(docs).flatMap(({ where, spec }) => podViolations(where, spec, allowed)), ...tlsViolations(docs, allowed)];
}
