/**
 * A container's environment as the kubelet builds it: envFrom sources first (in order, with
 * their prefix; later ones win), then `env` entries (each value `$(VAR)`-expanded against
 * the variables defined before it; valueFrom values are not expanded), then the service
 * variables. Lookups that fail without `optional` throw a PodConfigError with the kubelet's
 * wording (the container then waits in CreateContainerConfigError).
 *
 * `vars` is what `$(VAR)` in command/args sees; `process` adds what the image itself would
 * provide (PATH, HOSTNAME), which Kubernetes does not expand against.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expandVars } from './expand.js';
import { fieldValue, resourceValue, type NodeInfo } from './fields.js';
import { PodConfigError, type PodEnv } from './types.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ContainerEnv {
  vars: Map<string, string>;
  process: Record<string, string>;
}

async function secretKeys(env: PodEnv, ns: string, name: string, optional: boolean): Promise<Record<string, string> | null> {
  const s = await env.resolveSecret(ns, name);
  if (!s) {
    if (optional) return null;
    throw new PodConfigError(`secret "${name}" not found`);
  }
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

async function configMapKeys(env: PodEnv, ns: string, name: string, optional: boolean): Promise<Record<string, string> | null> {
  const c = await env.resolveConfigMap(ns, name);
  if (!c) {
    if (optional) return null;
    throw new PodConfigError(`configmap "${name}" not found`);
  }
  return { ...(c.data ?? {}) };
}

export async function containerEnv(pod: V1Pod, c: V1Container, env: PodEnv, node: NodeInfo, pathPrefix = ''): Promise<ContainerEnv> {
  const ns = pod.metadata?.namespace ?? 'default';
  const vars = new Map<string, string>();
  const service = new Map<string, string>();
  if (env.kubernetesService) {
    const { host, port } = env.kubernetesService;
    service.set('KUBERNETES_SERVICE_HOST', host);
    service.set('KUBERNETES_SERVICE_PORT', String(port));
    service.set('KUBERNETES_SERVICE_PORT_HTTPS', String(port));
    service.set('KUBERNETES_PORT', `tcp://${host}:${port}`);
  }
  for (const src of c.envFrom ?? []) {
    const prefix = src.prefix ?? '';
    let data: Record<string, string> | null = null;
    if (src.secretRef) data = await secretKeys(env, ns, src.secretRef.name ?? '', src.secretRef.optional ?? false);
    else if (src.configMapRef) data = await configMapKeys(env, ns, src.configMapRef.name ?? '', src.configMapRef.optional ?? false);
    for (const [k, v] of Object.entries(data ?? {})) vars.set(prefix + k, v);
  }
  const mapping = () => new Map([...service, ...vars]);
  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      vars.set(e.name, expandVars(e.value ?? '', mapping()));
      continue;
    }
    if (from.fieldRef) vars.set(e.name, fieldValue(pod, from.fieldRef.fieldPath, node));
    else if (from.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName ? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === from.resourceFieldRef?.containerName) : c;
      vars.set(e.name, resourceValue(target ?? c, from.resourceFieldRef, node));
    } else if (from.secretKeyRef) {
      const r = from.secretKeyRef;
      const data = await secretKeys(env, ns, r.name ?? '', r.optional ?? false);
      if (data === null) continue;
      const v = data[r.key];
      if (v === undefined) {
        if (r.optional) continue;
        throw new PodConfigError(`couldn't find key ${r.key} in Secret ${ns}/${r.name ?? ''}`);
      }
      vars.set(e.name, v);
    } else if (from.configMapKeyRef) {
      const r = from.configMapKeyRef;
      const data = await configMapKeys(env, ns, r.name ?? '', r.optional ?? false);
      if (data === null) continue;
      const v = data[r.key];
      if (v === undefined) {
        if (r.optional) continue;
        throw new PodConfigError(`couldn't find key ${r.key} in ConfigMap ${ns}/${r.name ?? ''}`);
      }
      vars.set(e.name, v);
    }
  }
  for (const [k, v] of service) if (!vars.has(k)) vars.set(k, v);
  const base: Record<string, string> = { PATH: pathPrefix + DEFAULT_PATH, HOSTNAME: pod.metadata?.name ?? '' };
  return { vars, process: { ...base, ...Object.fromEntries(vars) } };
}
