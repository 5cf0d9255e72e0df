/**
 * What the bootstrap job keeps in Kubernetes, in its namespace: the keys Secret (each share's
 * and the root token's OpenPGP message, binary, so `kubectl get secret … | base64 -d | gpg -d`
 * reads one), the provisioner token Secret, and the progress record (a Secret: step → when, no secret
 * content). Also reads the `secret:`/`configmap:`/file references of the flags, and finds the
 * server pods by label.
 */
import { readFileSync } from 'node:fs';
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { MERGE_PATCH } from '../kube/client.js';
import { isAlreadyExists, isNotFound } from '../kube/errors.js';
import { describeRef, type Ref } from './refs.js';

export const LABELS = { 'app.kubernetes.io/managed-by': 'ward-bootstrap' };
export const STATE = 'ward.io/bootstrap-state';

export interface StoredSecret {
  data: Record<string, Buffer>;
  annotations: Record<string, string>;
}

export class BootstrapStore {
  constructor(
    private readonly kube: KubeClient,
    readonly namespace: string,
  ) {}

  async readRef(ref: Ref): Promise<Buffer> {
    if (ref.kind === 'file') return readFileSync(ref.path);
    const obj = ref.kind === 'secret'
      ? await this.kube.core.readNamespacedSecret({ namespace: this.namespace, name: ref.name })
      : await this.kube.core.readNamespacedConfigMap({ namespace: this.namespace, name: ref.name });
    const cm = obj as V1ConfigMap;
    const raw = ref.kind === 'secret' ? (obj as V1Secret).data?.[ref.key] : cm.data?.[ref.key] ?? cm.binaryData?.[ref.key];
    if (raw === undefined) throw new Error(`${describeRef(ref)}: no such key`);
    return ref.kind === 'configmap' && cm.data?.[ref.key] !== undefined ? Buffer.from(raw, 'utf8') : Buffer.from(raw, 'base64');
  }

  async getSecret(name: string): Promise<StoredSecret | null> {
    try {
      const s = await this.kube.core.readNamespacedSecret({ namespace: this.namespace, name });
      const data: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64');
      return { data, annotations: s.metadata?.annotations ?? {} };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Creates the Secret, or replaces its data and annotations when it exists. */
  async putSecret(name: string, s: StoredSecret): Promise<void> {
    const data = Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, v.toString('base64')]));
    const body: V1Secret = { metadata: { name, labels: LABELS, annotations: s.annotations }, type: 'Opaque', data };
    try {
      await this.kube.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await this.kube.core.replaceNamespacedSecret({ namespace: this.namespace, name, body });
    }
  }

  /** The progress record: step → when (a Secret so the job needs RBAC on Secrets only; nothing secret in it). */
  async getProgress(name: string): Promise<Record<string, string>> {
    const s = await this.getSecret(name);
    return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, v.toString('utf8')]));
  }

  /** Records `step` in the progress Secret (merge patch: the other steps stay). */
  async mark(name: string, step: string, value: string): Promise<void> {
    const data = { [step]: Buffer.from(value).toString('base64') };
    try {
      await this.kube.core.patchNamespacedSecret({ namespace: this.namespace, name, body: { data } }, MERGE_PATCH);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.kube.core.createNamespacedSecret({ namespace: this.namespace, body: { metadata: { name, labels: LABELS }, type: 'Opaque', data } });
    }
  }

  /** `scheme://podIP:port` of each running pod matching `selector`, by pod name. */
  async podAddresses(selector: string, scheme: string, port: number): Promise<{ name: string; address: string }[]> {
    const pods = await this.kube.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector });
    return pods.items
      .filter((p) => p.status?.podIP && p.metadata?.deletionTimestamp === undefined)
      .map((p) => ({ name: p.metadata?.name ?? '', address: `${scheme}://${p.status!.podIP!.includes(':') ? `[${p.status!.podIP}]` : p.status!.podIP}:${port}` }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
