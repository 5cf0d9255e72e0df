/**
 * Runs the chart's bootstrap sidecar (the `bootstrap` container of the server StatefulSet, in
 * bootstrap.mode sidecar) as the kubelet would, beside a server pod started by chart-pod.ts:
 * its command and args as rendered, its environment (POD_NAME and POD_NAMESPACE from the
 * pod), the pod's uid/gid with no capability, its Secret mounts as temp dirs, and the pod's
 * ServiceAccount token bound to that pod, so the Role the chart binds to it is what it may do.
 * Two things are mapped, as for the Job: the token reaches it in a kubeconfig ($KUBECONFIG),
 * and the pod's loopback (127.0.0.1 in its -address) is the pod's own loopback IP here, since
 * every test pod shares this machine's network namespace.
 */
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import type { K8sObject } from '../../helpers/helm.js';
import { spawnWard, type WardProcess } from '../../helpers/process.js';
import { find } from './chart.js';
import { ENTRYPOINT, NS, containerEnv, type ChartPod } from './chart-pod.js';

// any: the rendered pod spec is plain JSON read field by field
type Json = any;

export interface SidecarOptions {
  docs: K8sObject[];
  k: FakeKubeApiServer;
  /** The server pod it runs beside (its name, loopback IP and pod object). */
  pod: ChartPod;
  /** Files of its Secret mounts: mount path → file → content. */
  files: Record<string, Record<string, string>>;
  /** Added to its environment (the bootstrap's test hooks). */
  env?: Record<string, string>;
  cleanups: (() => unknown)[];
}

export interface Sidecar {
  proc: WardProcess;
  container: Json;
  output(): string;
}

export async function startChartSidecar(o: SidecarOptions): Promise<Sidecar> {
  const spec: Json = (find(o.docs, 'StatefulSet', 'ward') as Json).spec.template.spec;
  const container: Json = spec.containers.find((c: Json) => c.name === 'bootstrap');
  if (!container) throw new Error('the chart rendered no bootstrap sidecar');
  if (JSON.stringify(container.command) !== ENTRYPOINT) throw new Error(`unexpected command ${JSON.stringify(container.command)}`);
  const uid: number = spec.securityContext.runAsUser;
  const gid: number = spec.securityContext.runAsGroup;
  const root = mkdtempSync(join(tmpdir(), `ward-chart-${o.pod.name}-bootstrap-`));
  o.cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const mounts: string[] = container.volumeMounts.map((m: Json) => m.mountPath).filter((m: string) => m.startsWith('/ward/'));
  const owned = [''];
  for (const m of mounts) {
    const dir = m.slice('/ward/'.length);
    mkdirSync(join(root, dir));
    owned.push(dir);
    for (const [name, content] of Object.entries(o.files[m] ?? {})) {
      writeFileSync(join(root, dir, name), content, { mode: 0o600 });
      owned.push(join(dir, name));
    }
  }
  const podObj = o.k.pod(NS, o.pod.name);
  if (!podObj) throw new Error(`no pod ${o.pod.name} in the fake cluster`);
  const token = await o.k.issueToken({ namespace: NS, name: spec.serviceAccountName, pod: { name: o.pod.name, uid: podObj.metadata.uid } });
  writeFileSync(join(root, 'kubeconfig'), o.k.kubeconfig(token), { mode: 0o600 });
  owned.push('kubeconfig');
  for (const p of owned) chownSync(join(root, p), uid, gid);

  const env = containerEnv(container, { 'metadata.name': o.pod.name, 'metadata.namespace': NS });
  Object.assign(env, o.env, { KUBECONFIG: join(root, 'kubeconfig') });
  const args = (container.args as string[]).map((a) => {
    const mapped = mounts.reduce((x, m) => x.replace(`=${m}/`, `=${join(root, m.slice('/ward/'.length))}/`), a);
    return mapped.startsWith('-address=') ? mapped.replace('://127.0.0.1:', `://${o.pod.ip}:`) : mapped;
  });
  const wrap = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all'];
  const proc = spawnWard(args, '', env, wrap);
  o.cleanups.push(() => proc.kill());
  return { proc, container, output: () => `${o.pod.name} bootstrap sidecar stdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}` };
}
