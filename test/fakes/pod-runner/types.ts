/**
 * The runner's contract with whoever stores the pod (the fake API server, or a test's
 * hand-written maps): how it looks objects up, mints service-account tokens and hears about
 * pod status. Kept small so the runner does not depend on the fake's internals.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';

type MaybePromise<T> = T | Promise<T>;

export interface TokenRequestInput {
  namespace: string;
  serviceAccountName: string;
  /** Empty: the API server's own audiences. */
  audiences: string[];
  expirationSeconds: number;
  pod: { name: string; uid: string };
}

export interface PodEnv {
  resolveSecret(namespace: string, name: string): MaybePromise<V1Secret | null | undefined>;
  resolveConfigMap(namespace: string, name: string): MaybePromise<V1ConfigMap | null | undefined>;
  requestToken(r: TokenRequestInput): MaybePromise<{ token: string; expiration?: string }>;
  /** Called after every change of the pod's status (the fake writes it to the stored pod). */
  reportStatus?(status: PodStatus): void | Promise<void>;
  /** Default: the image's repository basename is `ward` or `vault`. */
  isWardImage?(image: string): boolean;
  /** Default: the repository's bin/ward. */
  wardBin?: string;
  /** ca.crt of the automatic service-account volume when there is no kube-root-ca.crt ConfigMap. */
  caPem?: string;
  /** KUBERNETES_SERVICE_HOST/PORT for every container, as the kubelet sets them. */
  kubernetesService?: { host: string; port: number };
  /** Cap on terminationGracePeriodSeconds (default 5), so a test never waits 30 s. */
  maxGraceSeconds?: number;
  /** Restarts per container before it is left in CrashLoopBackOff (default 5). */
  maxRestarts?: number;
  /** First restart delay, doubled per restart up to 2 s (default 200 ms; the kubelet's is 10 s). */
  restartBackoffMs?: number;
}

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; signal?: number; startedAt?: string; finishedAt: string; message?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  reason?: string;
  message?: string;
  hostIP: string;
  podIP: string;
  podIPs: Array<{ ip: string }>;
  startTime: string;
  conditions: Array<{ type: string; status: 'True' | 'False'; reason?: string; message?: string; lastTransitionTime: string }>;
  initContainerStatuses: ContainerStatus[];
  containerStatuses: ContainerStatus[];
}

/** Why a pod cannot start (a missing Secret, an unsupported volume): shown as the status message. */
export class PodConfigError extends Error {}
