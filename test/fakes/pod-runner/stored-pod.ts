/**
 * `runStoredPod`: the kubelet's side of the fake cluster. It runs a pod stored in the fake
 * (after admission, so with the injector's containers and the kube-api-access volume),
 * reading Secrets and ConfigMaps from the fake's store, minting projected tokens through the
 * cluster's TokenRequest when it is served (else the fake's own signer, with the same
 * claims), writing the pod's status through the status subresource over HTTPS as the
 * kubelet does, and stopping the pod when it is deleted from the cluster.
 */
import * as https from 'node:https';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from '../kube-apiserver/index.js';
import { runPod, type RunningPod } from './pod.js';
import type { PodEnv, PodStatus, TokenRequestInput } from './types.js';

export interface StoredPod extends RunningPod {
  /** Status writes the API server refused (other than 404 after deletion), for assertions. */
  statusWriteErrors: string[];
}

function call(k: FakeKubeApiServer, method: string, path: string, contentType: string, body: unknown): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${k.url}${path}`, { method, ca: k.caPem, headers: { authorization: `Bearer ${k.adminToken}`, 'content-type': contentType, accept: 'application/json' } }, (res) => {
      let raw = '';
      res.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: raw }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function tokenRequest(k: FakeKubeApiServer, r: TokenRequestInput): Promise<{ token: string; expiration?: string }> {
  if (!k.subresources.has('/serviceaccounts/token')) {
    return { token: await k.issueToken({ namespace: r.namespace, name: r.serviceAccountName, audiences: r.audiences.length > 0 ? r.audiences : undefined, expiresIn: r.expirationSeconds, pod: r.pod }) };
  }
  const res = await call(k, 'POST', `/api/v1/namespaces/${r.namespace}/serviceaccounts/${r.serviceAccountName}/token`, 'application/json', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: r.audiences, expirationSeconds: r.expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: r.pod.name, uid: r.pod.uid } },
  });
  const out = JSON.parse(res.body) as { status?: { token?: string; expirationTimestamp?: string }; message?: string };
  if (res.code !== 201 || !out.status?.token) throw new Error(`TokenRequest for ${r.namespace}/${r.serviceAccountName}: ${res.code} ${out.message ?? ''}`);
  return { token: out.status.token, ...(out.status.expirationTimestamp ? { expiration: out.status.expirationTimestamp } : {}) };
}

export async function runStoredPod(k: FakeKubeApiServer, namespace: string, name: string, o: Partial<PodEnv> = {}): Promise<StoredPod> {
  const pod = k.object('v1', 'Pod', namespace, name) as V1Pod | undefined;
  if (!pod) throw new Error(`pods "${name}" not found`);
  const uid = pod.metadata?.uid;
  const statusWriteErrors: string[] = [];
  // One write at a time, in order, so the stored status is always the latest.
  let writes = Promise.resolve();
  const writeStatus = (s: PodStatus) => {
    writes = writes.then(async () => {
      const res = await call(k, 'PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, 'application/json-patch+json', [{ op: 'add', path: '/status', value: s }]);
      if (res.code !== 200 && res.code !== 404) statusWriteErrors.push(`${res.code} ${res.body}`);
    }).catch((err: unknown) => void statusWriteErrors.push((err as Error).message));
  };
  const env: PodEnv = {
    resolveSecret: (ns, n) => k.object('v1', 'Secret', ns, n) as V1Secret | undefined,
    resolveConfigMap: (ns, n) => k.object('v1', 'ConfigMap', ns, n) as V1ConfigMap | undefined,
    requestToken: (r) => tokenRequest(k, r),
    reportStatus: writeStatus,
    caPem: k.caPem,
    kubernetesService: { host: '127.0.0.1', port: k.port },
    ...o,
  };
  const running = await runPod(pod, env);
  // Deleting the pod from the cluster is what makes the kubelet stop it.
  const onEvent = (e: { type: string; object: { metadata: { uid?: string } } }) => {
    if (e.type === 'DELETED' && e.object.metadata.uid === uid) void running.stop();
  };
  k.store.listeners.add(onEvent);
  const stop = async () => {
    const s = await running.stop();
    k.store.listeners.delete(onEvent);
    await writes;
    return s;
  };
  void running.done.then(() => writes);
  return { ...running, stop, statusWriteErrors };
}
