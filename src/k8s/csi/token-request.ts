/**
 * TokenRequest for a pod whose service-account token the driver did not pass: a token bound to
 * that pod, minted with the provider's own in-cluster credentials through the shared
 * Kubernetes client (src/k8s/kube: verified TLS, the kubelet-rotated token file re-read,
 * deadlines and typed errors).
 */
import { KubeClient } from '../kube/client.js';
import { SERVICE_ACCOUNT_DIR } from '../kube/config.js';
import type { PodIdentity } from './params.js';

/** Mints a service-account token bound to a pod (Kubernetes TokenRequest). */
export interface TokenRequester {
  request(pod: PodIdentity, audience: string): Promise<string>;
}

export class KubeTokenRequester implements TokenRequester {
  constructor(
    private readonly kube: KubeClient,
    private readonly expirationSeconds = 900,
  ) {}

  /** With the pod's in-cluster service account; undefined outside a cluster. */
  static fromEnv(env: NodeJS.ProcessEnv, serviceAccountDir = SERVICE_ACCOUNT_DIR): KubeTokenRequester | undefined {
    const host = env['KUBERNETES_SERVICE_HOST'];
    if (!host) return undefined;
    // In-cluster only: a KUBECONFIG in the provider's environment must not choose another identity.
    const inCluster = { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: env['KUBERNETES_SERVICE_PORT'] ?? '443' };
    try {
      return new KubeTokenRequester(KubeClient.load({ env: inCluster, serviceAccountDir, timeoutMs: 10_000 }));
    } catch {
      return undefined;
    }
  }

  async request(pod: PodIdentity, audience: string): Promise<string> {
    if (!pod.namespace || !pod.serviceAccount || !pod.name || !pod.uid) {
      throw new Error('no service-account token for the pod and its identity attributes (csi.storage.k8s.io/pod.*) are incomplete');
    }
    let token: string | undefined;
    try {
      const tr = await this.kube.core.createNamespacedServiceAccountToken({
        namespace: pod.namespace,
        name: pod.serviceAccount,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds: this.expirationSeconds,
            boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid },
          },
        },
      });
      token = tr.status?.token;
    } catch (e) {
      throw new Error(`TokenRequest for ${pod.namespace}/${pod.serviceAccount} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (typeof token !== 'string' || token === '') throw new Error('TokenRequest answered without status.token');
    return token;
  }
}
