import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { PodIdentity } from './params.js';

/** Mints a service-account token bound to a pod (Kubernetes TokenRequest). */
export interface TokenRequester {
  request(pod: PodIdentity, audience: string): Promise<string>;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * TokenRequest with the provider's own in-cluster credentials, over node:https: src/k8s/kube
 * (the shared client) was not on main when this was written, and one POST does not need it.
 * The bearer file is re-read per call because the kubelet rotates it.
 */
export class InClusterTokenRequester implements TokenRequester {
  constructor(private readonly o: { apiUrl: string; tokenFile: string; caFile: string; expirationSeconds?: number }) {}

  /** From KUBERNETES_SERVICE_HOST/PORT and the mounted service-account files; undefined outside a cluster. */
  static fromEnv(env: NodeJS.ProcessEnv): InClusterTokenRequester | undefined {
    const host = env['KUBERNETES_SERVICE_HOST'];
    const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
    if (!host) return undefined;
    const h = host.includes(':') ? `[${host}]` : host;
    return new InClusterTokenRequester({ apiUrl: `https://${h}:${port}`, tokenFile: `${SA_DIR}/token`, caFile: `${SA_DIR}/ca.crt` });
  }

  async request(pod: PodIdentity, audience: string): Promise<string> {
    if (!pod.namespace || !pod.serviceAccount || !pod.name || !pod.uid) {
      throw new Error('no service-account token for the pod and its identity attributes (csi.storage.k8s.io/pod.*) are incomplete');
    }
    const body = JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: audience ? [audience] : [],
        expirationSeconds: this.o.expirationSeconds ?? 900,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid },
      },
    });
    const url = new URL(`/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/serviceaccounts/${encodeURIComponent(pod.serviceAccount)}/token`, this.o.apiUrl);
    const bearer = readFileSync(this.o.tokenFile, 'utf8').trim();
    const ca = readFileSync(this.o.caFile, 'utf8');
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(url, { method: 'POST', ca, minVersion: 'TLSv1.2', headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json', Accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(10_000, () => req.destroy(new Error('TokenRequest: no answer within 10s')));
      req.on('error', reject);
      req.end(body);
    });
    let parsed: { status?: { token?: unknown }; message?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // A non-JSON answer is reported by status below.
    }
    if (status !== 201 && status !== 200) {
      const msg = typeof parsed.message === 'string' ? parsed.message : `HTTP ${status}`;
      throw new Error(`TokenRequest for ${pod.namespace}/${pod.serviceAccount} failed: ${msg}`);
    }
    const token = parsed.status?.token;
    if (typeof token !== 'string' || token === '') throw new Error('TokenRequest answered without status.token');
    return token;
  }
}
