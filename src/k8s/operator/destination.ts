/**
 * Converges a destination Secret to the synced data: created (owned by the custom resource,
 * so the garbage collector deletes it with the resource) when `create`, restored when deleted
 * or edited by hand (compared by HMAC, so no plaintext is kept anywhere but the Secret), and
 * re-created when its immutable `type` has to change.
 */
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { ownedLabels } from './kinds.js';
import { secretMac, type SecretData } from './secret-data.js';
import { SpecError, type Destination } from './spec.js';

export interface Owner {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export type SyncOutcome = 'created' | 'updated' | 'unchanged';

const subset = (want: Record<string, string>, have: Record<string, string> | undefined): boolean =>
  Object.entries(want).every(([k, v]) => have?.[k] === v);

/** The operator's informer cache of the Secrets it owns, by namespace and name (watch-decoded: compare only, never send back). */
export type CachedObject<T> = (namespace: string, name: string) => T | undefined;

/**
 * `cached`: when the informer's copy is already up to date, nothing is read or written (a
 * resync or restart with 10,000 resources costs no API request); otherwise the Secret is
 * read fresh and converged from that.
 */
export async function syncDestination(kube: KubeClient, owner: Owner, d: Destination, data: SecretData, macKey: Buffer, cached?: CachedObject<V1Secret>): Promise<SyncOutcome> {
  const ns = owner.namespace;
  const ref: V1OwnerReference = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid };
  // Owner labels win over the user's (VSO: they are how the operator finds its Secrets).
  const labels = d.create ? { ...d.labels, ...ownedLabels(owner.uid) } : {};
  const annotations = d.create ? d.annotations : {};
  const upToDate = (current: V1Secret): boolean => {
    const owned = (current.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid);
    const typeChanged = d.create && (current.type ?? 'Opaque') !== d.type;
    return !typeChanged && secretMac(macKey, current.data) === secretMac(macKey, data)
      && subset(labels, current.metadata?.labels) && subset(annotations, current.metadata?.annotations)
      && (!d.create || owned);
  };
  const hit = cached?.(ns, d.name);
  if (hit && upToDate(hit)) return 'unchanged';
  let current: V1Secret | undefined;
  try {
    current = await kube.core.readNamespacedSecret({ namespace: ns, name: d.name });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!current) {
    if (!d.create) throw new Error(`destination Secret ${ns}/${d.name} does not exist and destination.create is false`);
    await kube.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: d.name, labels, annotations, ownerReferences: [ref] }, type: d.type, data } });
    return 'created';
  }
  const owned = (current.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.uid);
  if (d.create && !owned && !d.overwrite) {
    throw new SpecError(`destination Secret ${ns}/${d.name} exists and is not owned by this resource (set destination.overwrite to take it over)`);
  }
  const typeChanged = d.create && (current.type ?? 'Opaque') !== d.type;
  if (upToDate(current)) return 'unchanged';
  if (typeChanged) {
    // `type` is immutable: delete and create, preconditioned on the version we looked at.
    await kube.core.deleteNamespacedSecret({ namespace: ns, name: d.name, body: { preconditions: { resourceVersion: current.metadata?.resourceVersion } } });
    await kube.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: d.name, labels, annotations, ownerReferences: [ref] }, type: d.type, data } });
    return 'updated';
  }
  const others = (current.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.uid);
  const body: V1Secret = {
    ...current,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata?.labels, ...labels },
      annotations: { ...current.metadata?.annotations, ...annotations },
      ...(d.create ? { ownerReferences: [...others, ref] } : {}),
    },
    data,
  };
  delete body.stringData;
  // A replace carries resourceVersion: a concurrent edit makes it fail (409) and the retry re-reads.
  await kube.core.replaceNamespacedSecret({ namespace: ns, name: d.name, body });
  return 'updated';
}
