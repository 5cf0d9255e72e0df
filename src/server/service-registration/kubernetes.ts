/**
 * Kubernetes service registration: keeps this node's pod labelled with its state
 * (`vault-active`, `vault-initialized`, `vault-sealed`, `vault-perf-standby`,
 * `vault-version`, values "true"/"false" as Vault writes them) so that Services can select
 * the active node. Labels are set at start and on every state change, retried with backoff
 * while the API server fails or is away (latest state wins), never blocking a request. On
 * shutdown one last patch, bounded in time, marks the node sealed and not active.
 */
import { join } from 'node:path';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../sdk/logical.js';
import { LatestWins, type Timers } from './latest-wins.js';
import { sameState, type NodeState, type NodeStateSource } from './node-state.js';
import { patchPodLabels, type PodTarget } from './pod-client.js';

export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Label values allow only `[A-Za-z0-9._-]`, at most 63, alphanumeric at both ends; Helm writes `+` as `_` too. */
export function versionLabel(version: string): string {
  const v = version.replace(/\+/g, '_').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return v.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function podLabels(s: NodeState, version: string): Record<string, string> {
  return {
    'vault-active': String(s.active),
    'vault-initialized': String(s.initialized),
    'vault-perf-standby': String(s.performanceStandby),
    'vault-sealed': String(s.sealed),
    'vault-version': versionLabel(version),
  };
}

/** The API server's address inside a pod, as client-go finds it: KUBERNETES_SERVICE_HOST and _PORT. */
export function inClusterApiUrl(env: NodeJS.ProcessEnv): string {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    throw new Error('service_registration "kubernetes": unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  }
  return `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

export interface KubernetesRegistrationOptions {
  namespace: string;
  podName: string;
  /** `https://host:port`; see inClusterApiUrl. */
  apiUrl: string;
  /** Default: the in-cluster service-account token and CA. */
  tokenPath?: string;
  caPath?: string;
  version: string;
  source: NodeStateSource;
  logger: Logger;
  timers?: Timers;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Bound on the last patch at shutdown (default 3 s). */
  finalPatchTimeoutMs?: number;
  /** The patch itself (default: patchPodLabels); injectable for tests. */
  patch?: (target: PodTarget, labels: Record<string, string>) => Promise<void>;
}

export class KubernetesRegistration {
  private readonly loop: LatestWins<NodeState>;
  private readonly target: PodTarget;
  private readonly patch: (target: PodTarget, labels: Record<string, string>) => Promise<void>;
  private unsubscribe: (() => void) | null = null;
  private lastApplied: NodeState | null = null;
  /** Aborts the patch in flight when stopping, so shutdown never waits out its timeout. */
  private readonly abort = new AbortController();

  constructor(private readonly o: KubernetesRegistrationOptions) {
    this.target = {
      apiUrl: o.apiUrl,
      tokenPath: o.tokenPath ?? join(DEFAULT_SERVICE_ACCOUNT_DIR, 'token'),
      caPath: o.caPath ?? join(DEFAULT_SERVICE_ACCOUNT_DIR, 'ca.crt'),
      namespace: o.namespace,
      podName: o.podName,
    };
    this.patch = o.patch ?? patchPodLabels;
    const log = o.logger;
    this.loop = new LatestWins<NodeState>({
      push: (s) => this.patch({ ...this.target, signal: this.abort.signal }, podLabels(s, o.version)),
      equal: sameState,
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.minDelayMs !== undefined ? { minDelayMs: o.minDelayMs } : {}),
      ...(o.maxDelayMs !== undefined ? { maxDelayMs: o.maxDelayMs } : {}),
      onError: (e, attempt, delayMs) =>
        log.warn('service registration: could not label the pod, will retry', { pod: `${o.namespace}/${o.podName}`, attempt, retry_in_ms: delayMs, error: e instanceof Error ? e.message : String(e) }),
      onSuccess: (s, attempts) => {
        this.lastApplied = s;
        const fields = { pod: `${o.namespace}/${o.podName}`, ...podLabels(s, o.version) };
        if (attempts > 1) log.info('service registration: pod labels updated after retrying', { ...fields, attempts });
        else log.debug('service registration: pod labels updated', fields);
      },
    });
  }

  /** Labels the pod with the current state (in the background) and follows every change. */
  start(): void {
    this.unsubscribe = this.o.source.onChange((s) => this.loop.set(s));
    this.loop.set(this.o.source.current());
  }

  /**
   * Stops following changes; then, if the pod does not already say so, one bounded attempt
   * to label it with `final` (normally sealed and not active) so Services stop selecting it.
   */
  async stop(final?: NodeState): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    const settled = this.loop.stop();
    this.abort.abort();
    await settled;
    if (!final || (this.lastApplied && sameState(this.lastApplied, final))) return;
    try {
      await this.patch({ ...this.target, timeoutMs: this.o.finalPatchTimeoutMs ?? 3000 }, podLabels(final, this.o.version));
    } catch (e) {
      this.o.logger.warn('service registration: could not label the pod at shutdown', { pod: `${this.o.namespace}/${this.o.podName}`, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
