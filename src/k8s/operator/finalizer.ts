/**
 * Finalizers on the operator's custom resources (controllerutil.AddFinalizer/RemoveFinalizer):
 * a merge patch of `metadata.finalizers` carrying the resourceVersion it was computed from, so
 * a concurrent change (another controller's finalizer) fails with 409 and the retry re-reads.
 */
import type { KubeClient } from '../kube/client.js';
import { MERGE_PATCH } from '../kube/client.js';
import type { CustomResource } from '../kube/list-watch.js';

export interface FinalizedObject {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string; finalizers?: string[] };
}

export const hasFinalizer = (o: FinalizedObject, f: string): boolean => (o.metadata?.finalizers ?? []).includes(f);

async function setFinalizers(kube: KubeClient, r: CustomResource, o: FinalizedObject, finalizers: string[] | null): Promise<void> {
  await kube.custom.patchNamespacedCustomObject({
    ...r,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
    body: { metadata: { finalizers, resourceVersion: o.metadata?.resourceVersion } },
  }, MERGE_PATCH);
}

/** Adds `f` unless present; true when it patched. */
export async function addFinalizer(kube: KubeClient, r: CustomResource, o: FinalizedObject, f: string): Promise<boolean> {
  if (hasFinalizer(o, f)) return false;
  await setFinalizers(kube, r, o, [...(o.metadata?.finalizers ?? []), f]);
  return true;
}

/** Removes `f` if present (the API server deletes the object once none are left). */
export async function removeFinalizer(kube: KubeClient, r: CustomResource, o: FinalizedObject, f: string): Promise<void> {
  if (!hasFinalizer(o, f)) return;
  const rest = (o.metadata?.finalizers ?? []).filter((x) => x !== f);
  await setFinalizers(kube, r, o, rest.length > 0 ? rest : null);
}
