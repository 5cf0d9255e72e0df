/**
 * The -tls-auto certificate source (a ServingCertSource). Every replica watches one Secret
 * and serves the certificate in it, so replicas never disagree on the CA. Exactly one replica,
 * the holder of a coordination Lease, writes that Secret: it plans (plan.ts) on every change
 * of the Secret or the webhook configuration and when the plan's next check comes due,
 * generates what is needed, writes the Secret (resourceVersion-guarded), and patches the
 * caBundle of every webhook in the MutatingWebhookConfiguration. All of this runs in the
 * reconcile loop, off the admission request path.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../../kube/client.js';
import { JSON_PATCH } from '../../kube/client.js';
import { Controller } from '../../kube/controller.js';
import { Informer } from '../../kube/informer.js';
import { LeaderElector } from '../../kube/leader.js';
import { apiLeaseLock } from '../../kube/lease-lock.js';
import { listWatches } from '../../kube/list-watch.js';
import type { ServingCert, ServingCertSource } from '../cert-source.js';
import { applyPlan } from './apply.js';
import { plan } from './plan.js';
import { caBundle, decodeState, encodeState, issuedBy, usableServing, type CertState } from './state.js';
import { caBundlePatch, trustsCa } from './webhook-bundle.js';

export interface TlsAutoOptions {
  client: KubeClient;
  /** Namespace of the shared Secret and the Lease (the injector's own). */
  namespace: string;
  /** -tls-auto: the MutatingWebhookConfiguration whose webhooks get the caBundle. */
  webhookConfigName?: string;
  /** -tls-auto-hosts: DNS names / IPs of the serving certificate (the Service's names). */
  hosts: string[];
  secretName?: string;
  leaseName?: string;
  /** Unique per replica (default hostname + random). */
  identity?: string;
  /** Serving certificate lifetime (default 24 h; renewed at 2/3). */
  servingValidityMs?: number;
  /** CA lifetime (default 1 year; rotated at 2/3, the old CA staying in the caBundle until it expires). */
  caValidityMs?: number;
  /** How long a new caBundle gets to reach the API server before a leaf from the new CA is served (default 30 s). */
  propagationMs?: number;
  lease?: { leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** start() gives up (and says why) if no certificate is available by then (default: waits). */
  readyTimeoutMs?: number;
  /** Aborts a start() that is still waiting for the first certificate. */
  signal?: AbortSignal;
  /** Failures of the loop (it keeps retrying) and what the leader did; never certificate material. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

export const DEFAULTS = {
  webhookConfigName: 'vault-agent-injector-cfg',
  secretName: 'vault-injector-certs',
  leaseName: 'vault-agent-injector-leader',
  servingValidityMs: 24 * 3_600_000,
  caValidityMs: 365 * 24 * 3_600_000,
  propagationMs: 30_000,
} as const;

/** Timers above ~24.8 days overflow setTimeout; a long plan is simply re-checked hourly. */
const MAX_REQUEUE_MS = 3_600_000;
const KEY = 'tls-auto';

export class TlsAutoSource implements ServingCertSource {
  readonly #o: TlsAutoOptions;
  readonly #cfgName: string;
  readonly #secretName: string;
  readonly #secrets: Informer<V1Secret>;
  readonly #webhooks: Informer<V1MutatingWebhookConfiguration>;
  readonly #elector: LeaderElector;
  readonly #controller: Controller;
  readonly #listeners: (() => void)[] = [];
  #current: (ServingCert & { caPem: string }) | undefined;
  /** The latest failure of each part (secret watch, webhook watch, election, reconcile), for start()'s report. */
  readonly #problems = new Map<string, string>();
  readonly #identity: string;
  #ready: { promise: Promise<void>; resolve: () => void };

  private constructor(o: TlsAutoOptions) {
    this.#o = o;
    this.#cfgName = o.webhookConfigName ?? DEFAULTS.webhookConfigName;
    this.#secretName = o.secretName ?? DEFAULTS.secretName;
    let resolve!: () => void;
    this.#ready = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    const warn = (what: string) => (e: unknown) => {
      const problem = `${what}: ${e instanceof Error ? e.message : String(e)}`;
      this.#problems.set(what, problem);
      this.#log('warn', problem);
    };
    this.#secrets = new Informer(listWatches.secrets(o.client, o.namespace, { fieldSelector: `metadata.name=${this.#secretName}` }), { onError: warn(`watching secret ${o.namespace}/${this.#secretName}`) });
    this.#webhooks = new Informer(listWatches.mutatingWebhookConfigurations(o.client, { fieldSelector: `metadata.name=${this.#cfgName}` }), { onError: warn(`watching mutatingwebhookconfiguration ${this.#cfgName}`) });
    this.#controller = new Controller({
      name: 'tls-auto',
      reconcile: () => this.#reconcile(),
      backoff: { baseMs: 500, maxMs: 60_000 },
      onError: (_k, e) => warn('tls-auto')(e),
    });
    this.#controller.watch(this.#secrets, () => [KEY]);
    this.#controller.watch(this.#webhooks, () => [KEY]);
    this.#secrets.addHandlers({ add: (s) => this.#adopt(s), update: (_o, s) => this.#adopt(s) });
    this.#identity = o.identity ?? `${hostname()}_${randomUUID()}`;
    this.#elector = new LeaderElector({
      lock: apiLeaseLock(o.client, o.namespace, o.leaseName ?? DEFAULTS.leaseName),
      identity: this.#identity,
      ...o.lease,
      onStartedLeading: () => {
        this.#log('info', 'tls-auto: leading; this replica maintains the shared certificate');
        this.#controller.enqueue(KEY);
      },
      onError: warn('tls-auto leader election'),
    });
  }

  /** Starts watching and competing for the lease; resolves once a certificate is available (from whichever replica leads). */
  static async start(o: TlsAutoOptions): Promise<TlsAutoSource> {
    if (o.hosts.length === 0) throw new Error('-tls-auto-hosts: at least one host name is needed for the serving certificate');
    const serving = o.servingValidityMs ?? DEFAULTS.servingValidityMs;
    const caLife = o.caValidityMs ?? DEFAULTS.caValidityMs;
    // The CA is rotated at 2/3 of its life; a leaf it signed just before must expire before the CA does.
    if (serving * 3 > caLife) throw new Error(`tls-auto: the CA lifetime (${caLife} ms) must be at least three serving-certificate lifetimes (${serving} ms)`);
    const s = new TlsAutoSource(o);
    s.#controller.start();
    // Not awaited: a list that keeps failing (RBAC) must not hang start(); the ready wait reports it.
    void s.#secrets.start();
    void s.#webhooks.start();
    s.#elector.start();
    const why = await s.#waitReady(o.readyTimeoutMs, o.signal);
    if (why) {
      await s.close();
      throw new Error(why);
    }
    return s;
  }

  /** Resolves with undefined once a certificate is available, or with the reason it gave up. */
  async #waitReady(timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<string | undefined> {
    const waits: Promise<string | undefined>[] = [this.#ready.promise.then(() => undefined)];
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      waits.push(new Promise((r) => (timer = setTimeout(() => r(this.#notReadyReason(timeoutMs)), timeoutMs))));
    }
    if (signal) {
      waits.push(new Promise((r) => (signal.aborted ? r('tls-auto: start aborted') : signal.addEventListener('abort', () => r('tls-auto: start aborted'), { once: true }))));
    }
    try {
      return await Promise.race(waits);
    } finally {
      clearTimeout(timer);
    }
  }

  #notReadyReason(timeoutMs: number): string {
    const where = `${this.#o.namespace}/${this.#secretName}`;
    const holder = this.#elector.observedLeader;
    const lease = `the lease ${this.#o.namespace}/${this.#o.leaseName ?? DEFAULTS.leaseName}`;
    const who = !holder ? `no replica holds ${lease}` : holder === this.#identity ? `this replica holds ${lease}` : `${lease} is held by ${holder}`;
    const last = this.#problems.size > 0 ? `; errors: ${[...this.#problems.values()].join('; ')}` : '';
    return `tls-auto: no certificate in secret ${where} after ${timeoutMs} ms (${who}${last}; check that the injector may get/list/watch/create/update secrets and get/create/update leases in ${this.#o.namespace})`;
  }

  get(): ServingCert {
    if (!this.#current) throw new Error('tls-auto: no certificate yet');
    return { certPem: this.#current.certPem, keyPem: this.#current.keyPem };
  }

  /** The CA that signed the served certificate (for tests and status pages). */
  get caPem(): string {
    return this.#current?.caPem ?? '';
  }

  get isLeader(): boolean {
    return this.#elector.isLeader;
  }

  onChange(cb: () => void): void {
    this.#listeners.push(cb);
  }

  async close(): Promise<void> {
    await this.#elector.stop();
    await this.#controller.stop();
    await Promise.all([this.#secrets.stop(), this.#webhooks.stop()]);
  }

  /** Serves what the Secret holds, if it is a complete state; tells listeners when the leaf changed. */
  #adopt(secret: V1Secret): void {
    if (secret.metadata?.name !== this.#secretName) return;
    const s = decodeState(secret.data);
    if (!s || s.serving.certPem === this.#current?.certPem || !usableServing(s)) return;
    const caPem = [s.ca.certPem, s.previousCaPem].find((ca) => issuedBy(s.serving.certPem, ca)) ?? s.ca.certPem;
    this.#current = { ...s.serving, caPem };
    this.#ready.resolve();
    for (const cb of this.#listeners) {
      try {
        cb();
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  async #reconcile(): Promise<{ requeueAfter: number } | void> {
    if (!this.#elector.isLeader) return;
    // Planning from an empty cache would overwrite a Secret it has not seen yet; retry (with backoff) once synced.
    if (!this.#secrets.hasSynced || !this.#webhooks.hasSynced) throw new Error('waiting for the secret and webhook configuration caches to sync');
    const { client, namespace } = this.#o;
    const secret = this.#secrets.get(`${namespace}/${this.#secretName}`);
    const cfg = this.#webhooks.get(this.#cfgName);
    let state = decodeState(secret?.data);
    const now = Date.now();
    const conf = {
      hosts: this.#o.hosts,
      propagationMs: this.#o.propagationMs ?? DEFAULTS.propagationMs,
      caValidityMs: this.#o.caValidityMs ?? DEFAULTS.caValidityMs,
      servingValidityMs: this.#o.servingValidityMs ?? DEFAULTS.servingValidityMs,
    };
    const p = plan(state, now, conf, { caPublished: !!state && trustsCa(cfg, state.ca.certPem) });
    if (p.ca !== 'keep' || p.serving !== 'keep' || p.dropPrevious) {
      state = await applyPlan(state, p, now, conf);
      await this.#writeSecret(secret, state);
      this.#log('info', `tls-auto: certificate state updated (${p.reasons.join('; ')})`);
    }
    if (state && cfg) {
      const patch = caBundlePatch(cfg, caBundle(state));
      if (patch) {
        await client.admission.patchMutatingWebhookConfiguration({ name: this.#cfgName, body: patch }, JSON_PATCH);
        this.#log('info', `tls-auto: caBundle of mutatingwebhookconfiguration ${this.#cfgName} updated`);
      }
    } else if (!cfg) {
      this.#log('warn', `tls-auto: mutatingwebhookconfiguration ${this.#cfgName} not found; its caBundle will be set when it appears`);
    }
    return { requeueAfter: Math.min(Math.max(p.nextCheckAt - now, 100), MAX_REQUEUE_MS) };
  }

  async #writeSecret(existing: V1Secret | undefined, s: CertState): Promise<void> {
    const { client, namespace } = this.#o;
    const data = encodeState(s);
    if (!existing) {
      await client.core.createNamespacedSecret({
        namespace,
        body: { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: this.#secretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'ward' } }, data },
      });
      return;
    }
    // The resourceVersion read makes a concurrent writer (a former leader) fail with 409 instead of both winning.
    await client.core.replaceNamespacedSecret({ name: this.#secretName, namespace, body: { ...existing, data } });
  }

  #log(level: 'info' | 'warn', message: string): void {
    this.#o.log?.(level, message);
  }
}
