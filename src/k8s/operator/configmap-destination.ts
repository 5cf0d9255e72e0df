/**
 * Converges a ConfigMap destination (Ward's `destination.kind: ConfigMap`) as destination.ts
 * does a Secret: created owned by the custom resource (so the garbage collector deletes it
 * with the resource) and labelled as VSO labels its Secrets, restored when edited or deleted,
 * compared by HMAC, `overwrite` needed to take over someone else's. Values are the same
 * keys as the Secret would have, as plain text (`data`), for non-secret configuration.
 */
import type { V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import type { CachedObject, Owner, SyncOutcome } from './destination.js';
import { ownedLabels } from './kinds.js';
import { secretMac, type SecretData } from './secret-data.js';
import { SpecError, type Destination } from './spec.js';

const subset = (want: Record<string, string>, have: Record<string, string> | undefined): boolean =>
  Object.entries(want).every(([k, v]) => have?.[k] === v);

const toText = (data: SecretData): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const toB64 = (data: Record<string, string> | undefined): SecretData =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));

/** `cached`: as syncDestination's, the informer's copy answers the no-change case without a request. */
export async function syncConfigMapDestination(kube: KubeClient, owner: Owner, d: Destination, data: SecretData, macKey: Buffer, cached?: CachedObject<V1ConfigMap>): Promise<SyncOutcome> {
  const ns = owner.namespace;
  const ref: V1OwnerReference = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid };
  const labels = d.create ? { ...d.labels, ...ownedLabels(owner.uid) } : {};
  const annotations = d.create ? d.annotations : {};
  const text = toText(data);
  const upToDate = (current: V1ConfigMap): boolean => secretMac(macKey, toB64(current.data)) === secretMac(macKey, data) && Object.keys(current.binaryData ?? {}).length === 0
    && subset(labels, current.metadata?.labels) && subset(annotations, current.metadata?.annotations)
    && (!d.create || (current.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid));
  const hit = cached?.(ns, d.name);
  if (hit && upToDate(hit)) return 'unchanged';
  let current: V1ConfigMap | undefined;
  try {
    current = await kube.core.readNamespacedConfigMap({ namespace: ns, name: d.name });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!current) {
    if (!d.create) throw new Error(`destination ConfigMap ${ns}/${d.name} does not exist and destination.create is false`);
    await kube.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: d.name, labels, annotations, ownerReferences: [ref] }, data: text } });
    return 'created';
  }
  const owned = (current.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid);
  if (d.create && !owned && !d.overwrite) {
    throw new SpecError(`destination ConfigMap ${ns}/${d.name} exists and is not owned by this resource (set destination.overwrite to take it over)`);
  }
  if (upToDate(current)) return 'unchanged';
  const others = (current.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.uid);
  const body: V1ConfigMap = {
    ...current,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata?.labels, ...labels },
      annotations: { ...current.metadata?.annotations, ...annotations },
      ...(d.create ? { ownerReferences: [...others, ref] } : {}),
    },
    data: text,
  };
  delete body.binaryData;
  // Carries resourceVersion: a concurrent edit makes it fail (409) and the retry re-reads.
  await kube.core.replaceNamespacedConfigMap({ namespace: ns, name: d.name, body });
  return 'updated';
}
