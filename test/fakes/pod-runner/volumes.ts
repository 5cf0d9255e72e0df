/**
 * Materialises a pod's volumes as host directories, one per volume, shared by every
 * container that mounts it: emptyDir (any medium), secret, configMap, projected
 * (serviceAccountToken, secret, configMap, downwardAPI) and downwardAPI. Files get the
 * item mode or the volume's defaultMode (0644 when unset), as the kubelet writes them.
 * A missing object or key that is not optional throws a PodConfigError worded like the
 * kubelet's event.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { V1Container, V1KeyToPath, V1Pod, V1Volume, V1VolumeProjection } from '@kubernetes/client-node';
import { fieldValue, resourceValue, type NodeInfo } from './fields.js';
import { PodConfigError, type PodEnv } from './types.js';

const DEFAULT_MODE = 0o644;

interface Ctx {
  pod: V1Pod;
  ns: string;
  env: PodEnv;
  node: NodeInfo;
  volume: string;
}

function writeFile(dir: string, rel: string, content: Buffer | string, mode: number): void {
  const p = normalize(join(dir, rel));
  if (!p.startsWith(dir + '/')) throw new PodConfigError(`volume path "${rel}" escapes the volume`);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

function fail(ctx: Ctx, what: string): never {
  throw new PodConfigError(`MountVolume.SetUp failed for volume "${ctx.volume}" : ${what}`);
}

/** Writes key/value data with `items` selection (all keys when absent). */
function writeKeys(ctx: Ctx, dir: string, data: Map<string, Buffer>, items: V1KeyToPath[] | undefined, mode: number, kind: string, objName: string, optional: boolean): void {
  if (!items) {
    for (const [k, v] of data) writeFile(dir, k, v, mode);
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      fail(ctx, `couldn't find key ${it.key} in ${kind} ${ctx.ns}/${objName}`);
    }
    writeFile(dir, it.path, v, it.mode ?? mode);
  }
}

async function secretData(ctx: Ctx, name: string, optional: boolean): Promise<Map<string, Buffer> | null> {
  const s = await ctx.env.resolveSecret(ctx.ns, name);
  if (!s) {
    if (optional) return null;
    fail(ctx, `secret "${name}" not found`);
  }
  return new Map(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

async function configMapData(ctx: Ctx, name: string, optional: boolean): Promise<Map<string, Buffer> | null> {
  const c = await ctx.env.resolveConfigMap(ctx.ns, name);
  if (!c) {
    if (optional) return null;
    fail(ctx, `configmap "${name}" not found`);
  }
  const m = new Map(Object.entries(c.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  for (const [k, v] of Object.entries(c.binaryData ?? {})) m.set(k, Buffer.from(v, 'base64'));
  return m;
}

function downwardItems(ctx: Ctx, dir: string, items: NonNullable<V1Volume['downwardAPI']>['items'], mode: number): void {
  const containers = ctx.pod.spec?.containers ?? [];
  for (const it of items ?? []) {
    let v: string;
    if (it.fieldRef) v = fieldValue(ctx.pod, it.fieldRef.fieldPath, ctx.node);
    else if (it.resourceFieldRef) {
      const c: V1Container | undefined = containers.find((x) => x.name === it.resourceFieldRef?.containerName) ?? containers[0];
      v = resourceValue(c ?? { name: '' }, it.resourceFieldRef, ctx.node);
    } else fail(ctx, `downwardAPI item "${it.path}" has neither fieldRef nor resourceFieldRef`);
    writeFile(dir, it.path, v, it.mode ?? mode);
  }
}

async function projection(ctx: Ctx, dir: string, src: V1VolumeProjection, mode: number): Promise<void> {
  if (src.serviceAccountToken) {
    const t = src.serviceAccountToken;
    const md = ctx.pod.metadata ?? {};
    const { token } = await ctx.env.requestToken({
      namespace: ctx.ns,
      serviceAccountName: ctx.pod.spec?.serviceAccountName ?? 'default',
      audiences: t.audience ? [t.audience] : [],
      expirationSeconds: t.expirationSeconds ?? 3600,
      pod: { name: md.name ?? '', uid: md.uid ?? '' },
    });
    writeFile(dir, t.path, token, mode);
  } else if (src.secret) {
    const d = await secretData(ctx, src.secret.name ?? '', src.secret.optional ?? false);
    if (d) writeKeys(ctx, dir, d, src.secret.items, mode, 'Secret', src.secret.name ?? '', src.secret.optional ?? false);
  } else if (src.configMap) {
    const name = src.configMap.name ?? '';
    let d = await configMapData(ctx, name, (src.configMap.optional ?? false) || (name === 'kube-root-ca.crt' && ctx.env.caPem !== undefined));
    // Every real namespace has kube-root-ca.crt; a hand-written env may only know the CA.
    if (!d && name === 'kube-root-ca.crt' && ctx.env.caPem !== undefined) d = new Map([['ca.crt', Buffer.from(ctx.env.caPem)]]);
    if (d) writeKeys(ctx, dir, d, src.configMap.items, mode, 'ConfigMap', name, src.configMap.optional ?? false);
  } else if (src.downwardAPI) {
    downwardItems(ctx, dir, src.downwardAPI.items, mode);
  } else {
    fail(ctx, `unsupported projected source ${Object.keys(src).join(',')}`);
  }
}

/** Creates `<podDir>/volumes/<name>` for each volume and fills it; returns name → host dir. */
export async function materializeVolumes(pod: V1Pod, env: PodEnv, node: NodeInfo, podDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ns = pod.metadata?.namespace ?? 'default';
  for (const v of pod.spec?.volumes ?? []) {
    const dir = join(podDir, 'volumes', v.name);
    mkdirSync(dir, { recursive: true });
    const ctx: Ctx = { pod, ns, env, node, volume: v.name };
    if (v.emptyDir) {
      chmodSync(dir, 0o777); // as the kubelet makes emptyDirs, so any runAsUser can write
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const d = await secretData(ctx, name, v.secret.optional ?? false);
      if (d) writeKeys(ctx, dir, d, v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, 'Secret', name, v.secret.optional ?? false);
    } else if (v.configMap) {
      const name = v.configMap.name ?? '';
      const d = await configMapData(ctx, name, v.configMap.optional ?? false);
      if (d) writeKeys(ctx, dir, d, v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, 'ConfigMap', name, v.configMap.optional ?? false);
    } else if (v.projected) {
      for (const src of v.projected.sources ?? []) await projection(ctx, dir, src, v.projected.defaultMode ?? DEFAULT_MODE);
    } else if (v.downwardAPI) {
      downwardItems(ctx, dir, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE);
    } else {
      const kind = Object.keys(v).filter((k) => k !== 'name').join(',') || 'none';
      fail(ctx, `volume type ${kind} is not supported by the pod runner`);
    }
    out.set(v.name, dir);
  }
  return out;
}
