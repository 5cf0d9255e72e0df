/**
 * Runs the chart's server container on this machine the way the kubelet would run it: the
 * container's command (the image paths mapped to this checkout), its environment (downward
 * API fields from a pod in the fake cluster, secretKeyRefs from a given map, $(VAR)
 * expansion), the pod's uid/gid with only CAP_IPC_LOCK (setpriv), and its mounts as temp
 * dirs owned by that user. Only the listener addresses and the advertised ones change: pod
 * DNS names do not resolve here, so each pod gets a loopback address of its own (its podIP in
 * the fake cluster too) and api_addr/cluster_addr point there. `runChartJob` runs the chart's
 * bootstrap Job container the same way.
 */
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import type { K8sObject } from '../../helpers/helm.js';
import { freePort, spawnWard, type WardProcess } from '../../helpers/process.js';
import type { Issued, TestCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { find } from './chart.js';

export const NS = 'ward';

// any: the pod spec and Vault's JSON bodies are plain JSON read field by field
type Json = any;

export interface ChartPod {
  name: string;
  /** The pod's IP (a loopback address) and API port. */
  ip: string;
  port: number;
  clusterPort: number;
  ward: WardProcess;
  /** The container spec as rendered. */
  container: Json;
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Json }>;
  get(path: string): Promise<number>;
  /** Status code of the chart's probe path. */
  probe(name: 'readinessProbe' | 'livenessProbe'): Promise<number>;
  labels(): Record<string, string>;
  output(): string;
}

/** The namespace and the chart's server ServiceAccount, Role and RoleBinding, applied to the fake cluster. */
export async function applyServerRbac(k: FakeKubeApiServer, docs: K8sObject[]): Promise<void> {
  const kc = kubeConfigFor(k);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  const generic = KubernetesObjectApi.makeApiClient(kc);
  for (const [kind, name] of [['ServiceAccount', 'ward'], ['Role', 'ward-service-registration'], ['RoleBinding', 'ward-service-registration']] as const) {
    const o = find(docs, kind, name);
    if (!o) throw new Error(`the chart rendered no ${kind} ${name}`);
    await generic.create(o as unknown as KubernetesObject);
  }
}

export interface PodOptions {
  docs: K8sObject[];
  k: FakeKubeApiServer;
  podName: string;
  ca: TestCa;
  leaf: Issued;
  /** Files of Secret mounts besides /ward/tls (which gets `leaf` and `ca`): mount path → file → content. */
  files?: Record<string, Record<string, string>>;
  /** secretKeyRef values: secret name → key → value. */
  secrets?: Record<string, Record<string, string>>;
  /** The pod's IP, a loopback address (127.0.0.1 unless given), also set as its podIP in the fake cluster. */
  podIP?: string;
  /** The API port it listens on (a free port unless given: give the rendered one to keep it). */
  port?: number;
  /** A container restart: the pod object stays (its uid too, so tokens bound to it stay valid). */
  restart?: boolean;
  cleanups: (() => unknown)[];
}

/** The container's environment as the kubelet resolves it: values with $(VAR) expansion, downward API fields, secretKeyRefs. */
export function containerEnv(container: Json, field: Record<string, string>, secrets: Record<string, Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (container.env ?? []) as Json[]) {
    if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (_m, v: string) => env[v] ?? '');
    else if (e.valueFrom?.fieldRef) env[e.name] = field[e.valueFrom.fieldRef.fieldPath] ?? '';
    else if (e.valueFrom?.secretKeyRef) {
      const v = secrets[e.valueFrom.secretKeyRef.name]?.[e.valueFrom.secretKeyRef.key];
      if (v === undefined) throw new Error(`no test value for secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = v;
    } else throw new Error(`unsupported env ${JSON.stringify(e)}`);
  }
  return env;
}

export const ENTRYPOINT = JSON.stringify(['/usr/local/bin/node', '/app/bin/ward']);

export async function startChartPod(o: PodOptions): Promise<ChartPod> {
  const template: Json = (find(o.docs, 'StatefulSet', 'ward') as Json).spec.template;
  const pod: Json = template.spec;
  const container: Json = pod.containers.find((c: Json) => c.args?.[0] === 'server');
  const uid: number = pod.securityContext.runAsUser;
  const gid: number = pod.securityContext.runAsGroup;
  const root = mkdtempSync(join(tmpdir(), `ward-chart-${o.podName}-`));
  o.cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  // Every mount under /ward/ becomes a dir under root; Secret mounts get their files.
  const mounts: string[] = container.volumeMounts.map((m: Json) => m.mountPath).filter((m: string) => m.startsWith('/ward/'));
  const files: Record<string, Record<string, string>> = { '/ward/tls': { 'tls.crt': o.leaf.certPem, 'tls.key': o.leaf.keyPem, 'ca.crt': o.ca.certPem }, ...o.files };
  const owned = ['', 'serviceaccount', 'serviceaccount/token', 'serviceaccount/ca.crt'];
  mkdirSync(join(root, 'serviceaccount'));
  for (const m of mounts) {
    const dir = m.slice('/ward/'.length);
    mkdirSync(join(root, dir));
    owned.push(dir);
    for (const [name, content] of Object.entries(files[m] ?? {})) {
      writeFileSync(join(root, dir, name), content, { mode: 0o600 });
      owned.push(join(dir, name));
    }
  }
  const ip = o.podIP ?? '127.0.0.1';
  const port = o.port ?? (await freePort());
  const clusterPort = await freePort();
  const [apiPort, renderedClusterPort] = (container.ports as Json[]).map((p) => p.containerPort as number);
  const text: string = (find(o.docs, 'ConfigMap', 'ward-config') as Json).data['ward.json'];
  const configArg: string = container.args.find((a: string) => a.startsWith('-config='));
  const configFile = join(root, 'config', configArg.slice('-config=/ward/config/'.length));
  let mapped = text.replace(`[::]:${apiPort}`, `${ip}:${port}`).replace(`[::]:${renderedClusterPort}`, `${ip}:${clusterPort}`);
  for (const m of mounts) mapped = mapped.replaceAll(`${m}/`, `${root}/${m.slice('/ward/'.length)}/`);
  writeFileSync(configFile, mapped);
  owned.push(configFile.slice(root.length + 1));

  // With the template's labels, as the StatefulSet controller creates it (Services select on them).
  const created = (o.restart ? o.k.pod(NS, o.podName) : undefined) ?? o.k.createPod(NS, o.podName, { labels: { ...template.metadata.labels } });
  // The kubelet reports the pod's IP: the bootstrap job finds pods by it.
  await kubeConfigFor(o.k).makeApiClient(CoreV1Api).patchNamespacedPodStatus({ namespace: NS, name: o.podName, body: { status: { podIP: ip } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  writeFileSync(join(root, 'serviceaccount', 'token'), await o.k.issueToken({ namespace: NS, name: pod.serviceAccountName, pod: { name: o.podName, uid: created.metadata.uid } }));
  writeFileSync(join(root, 'serviceaccount', 'ca.crt'), o.k.caPem);
  for (const p of owned) chownSync(join(root, p), uid, gid);

  const env = containerEnv(container, { 'metadata.name': o.podName, 'metadata.namespace': NS, 'status.podIP': ip }, o.secrets);
  env['VAULT_CACERT'] = join(root, 'tls', 'ca.crt');
  env['VAULT_API_ADDR'] = `https://${ip}:${port}`;
  env['VAULT_CLUSTER_ADDR'] = `https://${ip}:${clusterPort}`;
  Object.assign(env, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(o.k.url).port, WARD_K8S_SERVICEACCOUNT_DIR: join(root, 'serviceaccount') });

  if (JSON.stringify(container.command) !== ENTRYPOINT) throw new Error(`unexpected command ${JSON.stringify(container.command)}`);
  const args = container.args.map((a: string) => (a === configArg ? `-config=${configFile}` : a));
  const wrap = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=+ipc_lock', '--ambient-caps=+ipc_lock'];
  const ward = spawnWard(args, `https://${ip}:${port}`, env, wrap);
  o.cleanups.push(() => ward.kill());

  const call = (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Json }> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = token ? { 'X-Vault-Token': token } : {};
      const req = https.request({ host: ip, port, path, method, ca: o.ca.certPem, servername: 'localhost', headers }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: t ? JSON.parse(t) : undefined }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const get = async (path: string): Promise<number> => (await call('GET', path)).status;
  const output = (): string => `${o.podName} stdout:\n${ward.stdout()}\nstderr:\n${ward.stderr()}`;
  await waitFor(`${o.podName} to answer over TLS`, () => get('/v1/sys/health').catch(() => undefined), { timeoutMs: 20_000, context: output });
  return {
    name: o.podName,
    ip,
    port,
    clusterPort,
    ward,
    container,
    call,
    get,
    probe: (name) => get(container[name].httpGet.path),
    labels: () => o.k.pod(NS, o.podName)?.metadata.labels ?? {},
    output,
  };
}

/** Names of the pods whose labels match `service`'s selector, as the endpoints controller selects them. */
export function selectedPods(k: FakeKubeApiServer, docs: K8sObject[], service: string, pods: readonly string[]): string[] {
  const selector: Record<string, string> = (find(docs, 'Service', service) as Json).spec.selector;
  return pods.filter((name) => {
    const labels = k.pod(NS, name)?.metadata.labels ?? {};
    return Object.entries(selector).every(([key, v]) => labels[key] === v);
  });
}

/** The process's /proc status (uid, capabilities). */
export const procStatus = (p: ChartPod): string => readFileSync(`/proc/${p.ward.child.pid}/status`, 'utf8');

export interface JobOptions {
  docs: K8sObject[];
  k: FakeKubeApiServer;
  /** The Job's name as rendered. */
  job: string;
  /** Files of the Job's Secret mounts: mount path → file → content. */
  files: Record<string, Record<string, string>>;
  /** Added to the container's environment (the bootstrap's test hooks). */
  env?: Record<string, string>;
  /** How long the container may run before the test gives up on it (killed). */
  timeoutMs: number;
  cleanups: (() => unknown)[];
}

export interface JobRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Job's container to its end as the kubelet would: its command and args as rendered
 * (mount paths mapped to temp dirs), its environment, the pod's uid/gid with no capability,
 * and a service-account token bound to a pod of the Job in the fake cluster, so the chart's
 * Role is what it is allowed. The token cannot sit at the in-cluster path on this machine, so
 * it reaches the process in a kubeconfig ($KUBECONFIG) instead.
 */
export async function runChartJob(o: JobOptions): Promise<JobRun> {
  const pod: Json = (find(o.docs, 'Job', o.job) as Json).spec.template.spec;
  const container: Json = pod.containers[0];
  if (JSON.stringify(container.command) !== ENTRYPOINT) throw new Error(`unexpected command ${JSON.stringify(container.command)}`);
  const uid: number = pod.securityContext.runAsUser;
  const gid: number = pod.securityContext.runAsGroup;
  const root = mkdtempSync(join(tmpdir(), `ward-chart-${o.job}-`));
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
  const podName = `${o.job}-x7k2p`;
  const created = o.k.createPod(NS, podName, { labels: { ...(find(o.docs, 'Job', o.job) as Json).spec.template.metadata.labels } });
  const token = await o.k.issueToken({ namespace: NS, name: pod.serviceAccountName, pod: { name: podName, uid: created.metadata.uid } });
  writeFileSync(join(root, 'kubeconfig'), o.k.kubeconfig(token), { mode: 0o600 });
  owned.push('kubeconfig');
  for (const p of owned) chownSync(join(root, p), uid, gid);

  const env = containerEnv(container, { 'metadata.name': podName, 'metadata.namespace': NS });
  Object.assign(env, o.env, { KUBECONFIG: join(root, 'kubeconfig') });
  const args = (container.args as string[]).map((a) => mounts.reduce((x, m) => x.replace(`=${m}/`, `=${join(root, m.slice('/ward/'.length))}/`), a));
  const wrap = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all'];
  const p = spawnWard(args, '', env, wrap);
  o.cleanups.push(() => p.kill());
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), o.timeoutMs)));
  const r = await Promise.race([p.exited, timedOut]);
  clearTimeout(timer);
  if (r === 'timeout') {
    await p.kill();
    throw new Error(`the ${o.job} container did not end within ${o.timeoutMs} ms\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  }
  return { code: r.code, stdout: p.stdout(), stderr: p.stderr() };
}
