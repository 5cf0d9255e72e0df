/**
 * Everything needed to start one container of a pod: its argv, its environment and the
 * mount plan of its filesystem (host layout, the pod's volume dirs at each mountPath with
 * readOnly and subPath/subPathExpr, the Ward shims on PATH for the Ward image, user and
 * read-only root from the securityContext). Throws PodConfigError when the container
 * cannot be created (unknown volume, missing Secret key …).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerArgv, type WardBinary } from './argv.js';
import { containerEnv } from './env-vars.js';
import { expandVars } from './expand.js';
import type { NodeInfo } from './fields.js';
import { q, type MountPlan, type VolumeBind } from './mount-script.js';
import type { HostLayout } from './rootfs.js';
import { PodConfigError, type PodEnv } from './types.js';

export interface PodContext {
  pod: V1Pod;
  env: PodEnv;
  node: NodeInfo;
  podDir: string;
  volumes: Map<string, string>;
  layout: HostLayout;
  ward: WardBinary;
  isWardImage(image: string): boolean;
}

export interface Launched {
  argv: string[];
  env: Record<string, string>;
  plan: MountPlan;
  wardImage: boolean;
  user?: { uid: number; gid: number };
}

const SHIM_DIR = '/.ward/bin';

function volumeBinds(ctx: PodContext, c: V1Container, vars: ReadonlyMap<string, string>): VolumeBind[] {
  return (c.volumeMounts ?? []).map((m) => {
    const dir = ctx.volumes.get(m.name);
    if (dir === undefined) throw new PodConfigError(`container "${c.name}": volumeMount "${m.name}" names no volume of the pod`);
    const sub = m.subPathExpr !== undefined ? expandVars(m.subPathExpr, vars) : (m.subPath ?? '');
    const source = normalize(join(dir, sub));
    if (source !== dir && !source.startsWith(dir + '/')) throw new PodConfigError(`container "${c.name}": subPath "${sub}" escapes volume "${m.name}"`);
    // A subPath that does not exist yet is created as a directory, as the kubelet does.
    if (!existsSync(source)) mkdirSync(source, { recursive: true, mode: 0o777 });
    return { source, target: m.mountPath, readOnly: m.readOnly ?? false, file: statSync(source).isFile() };
  });
}

export async function prepareLaunch(ctx: PodContext, c: V1Container): Promise<Launched> {
  const wardImage = ctx.isWardImage(c.image ?? '');
  const { vars, process: processEnv } = await containerEnv(ctx.pod, c, ctx.env, ctx.node, wardImage ? `${SHIM_DIR}:` : '');
  let argv: string[];
  try {
    argv = containerArgv(c, wardImage, vars, ctx.ward);
  } catch (err) {
    throw new PodConfigError((err as Error).message);
  }
  const psc = ctx.pod.spec?.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const uid = sc.runAsUser ?? psc.runAsUser;
  const gid = sc.runAsGroup ?? psc.runAsGroup;
  const user = uid !== undefined || gid !== undefined ? { uid: uid ?? 0, gid: gid ?? 0 } : undefined;
  const shim = `#!/bin/sh\nexec ${q(ctx.ward.node)} ${q(ctx.ward.wardBin)} "$@"\n`;
  const plan: MountPlan = {
    root: join(ctx.podDir, 'root'),
    binds: ctx.layout.binds,
    links: ctx.layout.links,
    volumes: volumeBinds(ctx, c, vars),
    files: wardImage ? ['ward', 'vault'].map((n) => ({ path: `${SHIM_DIR}/${n}`, content: shim, mode: 0o755 })) : [],
    workingDir: c.workingDir || '/',
    readOnlyRoot: sc.readOnlyRootFilesystem ?? false,
    ...(user ? { user } : {}),
  };
  // As containerd does: HOME from the user's passwd entry (here the host's), else "/".
  processEnv['HOME'] ??= homeOf(user?.uid ?? 0);
  return { argv, env: processEnv, plan, wardImage, ...(user ? { user } : {}) };
}

function homeOf(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    return line?.split(':')[5] || '/';
  } catch {
    return '/';
  }
}

/** The automatic service-account volume the ServiceAccount admission plugin adds (kube-api-access-*). */
export const SA_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export function withServiceAccountVolume(pod: V1Pod): V1Pod {
  const p = structuredClone(pod);
  const spec = p.spec ?? { containers: [] };
  p.spec = spec;
  if (spec.automountServiceAccountToken === false) return p;
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  // As the admission plugin: a pod that already mounts something at the path is left alone
  // (and a pod that went through a real API server's admission already has the volume).
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SA_PATH))) return p;
  const name = 'kube-api-access-podrunner';
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name, mountPath: SA_PATH, readOnly: true }];
  {
    spec.volumes = [...(spec.volumes ?? []), {
      name,
      projected: {
        defaultMode: 0o644,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }];
  }
  return p;
}
