/**
 * The setup every secrets-operator end-to-end file (test/e2e/k8s-operator*.test.ts) shares,
 * as a platform team installs the operator: a Ward server behind TLS (a throwaway CA) with
 * Kubernetes auth against the fake cluster; on the fake, the operator's and the app's
 * namespaces, deploy/crds/ and deploy/kubernetes/secrets-operator.yaml applied unchanged,
 * the app's service account, the CA in a Secret and the default VaultConnection (and
 * VaultAuth); and real `ward k8s secrets-operator` processes run with the manifest's
 * arguments under its service account. Each file adds its own Ward configuration and
 * resources between `start()` and `startOperator()`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { createHandler } from '../../src/http/handler.js';
import { startListener, type Listener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/sdk/logical.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { freePort } from '../helpers/net.js';
import { spawnWard, REPO_ROOT, type WardProcess } from '../helpers/process.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeCa } from '../helpers/test-ca.js';
import { waitFor } from '../helpers/wait.js';

export const OP_NS = 'ward';
export const APP_NS = 'apps';
export const G = { group: 'secrets.hashicorp.com', version: 'v1beta1' };
export const API_VERSION = 'secrets.hashicorp.com/v1beta1';
export const RESTARTED_AT = 'vso.secrets.hashicorp.com/restartedAt';

/** The body of a Ward call that must succeed; otherwise an error naming the step. */
export async function must<T = any>(p: ReturnType<typeof api>, what: string): Promise<T> { // any: test bodies are read field by field
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

/** A Secret's value as text (Kubernetes returns base64). */
export const text = (d: Record<string, string> | undefined, k: string) => (d?.[k] === undefined ? undefined : Buffer.from(d[k], 'base64').toString('utf8'));

export type Condition = { type: string; status: string; reason: string; message: string };

/** A running operator and the loopback ports it serves probes and metrics on. */
export interface OperatorProcess extends WardProcess {
  healthPort: number;
  metricsPort: number;
}

export interface OperatorEnvOptions {
  /** Prefix of the temp dir (TLS files, the operator's kubeconfig). */
  dirPrefix: string;
  /** Common name of the throwaway CA behind Ward's TLS listener. */
  caName?: string;
  /** Added to the manifest's arguments for every operator process. */
  operatorArgs?: readonly string[];
  /** Whether to create the `default` VaultAuth (Kubernetes auth, role `app`, service account `app`). */
  defaultVaultAuth?: boolean;
}

export class OperatorEnv {
  ward!: TestServer;
  tls!: Listener;
  kube!: FakeKubeApiServer;
  core!: CoreV1Api;
  apps!: AppsV1Api;
  custom!: CustomObjectsApi;
  /** PEM of the CA that signed Ward's TLS certificate. */
  caPem = '';
  private generic!: KubernetesObjectApi;
  private managerArgs: string[] = [];
  private kubeconfig = '';
  private readonly cleanups: Array<() => unknown> = [];
  private readonly operators: WardProcess[] = [];

  constructor(private readonly opts: OperatorEnvOptions) {}

  /** Everything but the operator process. After a failure, `close()` stops what did start. */
  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), this.opts.dirPrefix));
    this.onClose(() => rmSync(dir, { recursive: true, force: true }));
    const ca = await makeCa(this.opts.caName ?? 'ward-e2e-ca', 'ec');
    this.caPem = ca.certPem;
    const [ward, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer()]);
    [this.ward, this.kube] = [ward, kube];
    this.onClose(() => ward.close());
    this.onClose(() => kube.close());
    const cert = await ca.server('127.0.0.1');
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    this.tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
    const tls = this.tls;
    this.onClose(() => tls.close());

    const T = ward.rootToken;
    await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'kubernetes auth');
    await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'kubernetes config');

    const kc = kubeConfigFor(kube);
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.generic = KubernetesObjectApi.makeApiClient(kc);
    for (const name of [OP_NS, APP_NS]) await this.core.createNamespace({ body: { metadata: { name } } });
    for (const f of readdirSync(join(REPO_ROOT, 'deploy/crds'))) {
      for (const o of yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/crds', f), 'utf8')) as KubernetesObject[]) await this.generic.create(o);
    }
    await this.core.createNamespacedServiceAccount({ namespace: APP_NS, body: { metadata: { name: 'app' } } });
    await this.core.createNamespacedSecret({ namespace: OP_NS, body: { metadata: { name: 'ward-ca' }, stringData: { 'ca.crt': ca.certPem } } });
    // The platform team's defaults, exactly as for VSO.
    await waitFor('the CRDs to be served', () => this.custom.listNamespacedCustomObject({ ...G, namespace: OP_NS, plural: 'vaultauths' }).then(() => true, () => false));
    await this.cr('vaultconnections', 'VaultConnection', OP_NS, 'default', { address: tls.url, caCertSecretRef: 'ward-ca' });
    if (this.opts.defaultVaultAuth !== false) {
      await this.cr('vaultauths', 'VaultAuth', OP_NS, 'default', { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } });
    }

    // deploy/kubernetes/secrets-operator.yaml unchanged: the operator runs under its service account and RBAC.
    const manifest = yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/kubernetes/secrets-operator.yaml'), 'utf8')) as KubernetesObject[];
    for (const o of manifest) await this.generic.create(o);
    const deployment = manifest.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    this.managerArgs = deployment.spec.template.spec.containers[0]!.args;
    const saToken = await kube.issueToken({ namespace: OP_NS, name: 'ward-secrets-operator', pod: null });
    this.kubeconfig = join(dir, 'operator.kubeconfig');
    writeFileSync(this.kubeconfig, kube.kubeconfig(saToken), { mode: 0o600 });
  }

  /** Runs at `close()`, before what `start()` set up is stopped. */
  onClose(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /** Stops every operator process, then the rest in reverse order of start. */
  async close(): Promise<void> {
    for (const p of this.operators) await p.kill();
    for (const c of this.cleanups.reverse()) await c();
  }

  /** A custom resource of the operator's API group. */
  cr(plural: string, kind: string, namespace: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) {
    return this.custom.createNamespacedCustomObject({ ...G, namespace, plural, body: { apiVersion: API_VERSION, kind, metadata: { name, labels }, spec } });
  }

  /** A Ward Kubernetes-auth role for a service account (audience `vault`, 1h tokens). */
  kubernetesRole(name: string, policies: string, serviceAccount = 'app', namespace = APP_NS): Promise<unknown> {
    return must(api(this.ward, 'POST', `auth/kubernetes/role/${name}`, { token: this.ward.rootToken, body: { bound_service_account_names: serviceAccount, bound_service_account_namespaces: namespace, audience: 'vault', token_policies: policies, token_ttl: '1h' } }), `kubernetes role ${name}`);
  }

  /** A one-container Deployment in the app namespace (a rollout-restart target). */
  async deployment(name: string, container = name): Promise<void> {
    await this.apps.createNamespacedDeployment({ namespace: APP_NS, body: {
      metadata: { name },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: container, image: 'busybox' }] } } },
    } });
  }

  /**
   * Starts an operator process with the manifest's arguments (its probe and metrics ports
   * moved to free loopback ones); resolves once it is ready and, if `leading`, has the lease.
   */
  async startOperator({ leading = true }: { leading?: boolean } = {}): Promise<OperatorProcess> {
    const [healthPort, metricsPort] = [await freePort(), await freePort()];
    const args = this.managerArgs.map((a) => {
      if (a.startsWith('--health-probe-bind-address=')) return `--health-probe-bind-address=127.0.0.1:${healthPort}`;
      if (a.startsWith('--metrics-bind-address=')) return `--metrics-bind-address=127.0.0.1:${metricsPort}`;
      return a;
    });
    const p = spawnWard([...args, `--kubeconfig=${this.kubeconfig}`, `--watch-namespaces=${APP_NS}`, ...(this.opts.operatorArgs ?? [])], '', { OPERATOR_NAMESPACE: OP_NS });
    this.operators.push(p);
    await waitFor(leading ? 'the operator to lead' : 'the operator to be ready', async () => {
      if (p.child.exitCode !== null) throw new Error(`the operator exited: ${p.stderr()}`);
      const r = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
      return r?.status === 200 && (!leading || /became leader/.test(p.stderr()));
    }, { timeoutMs: 30_000, context: () => p.stderr() });
    return Object.assign(p, { healthPort, metricsPort });
  }
}
