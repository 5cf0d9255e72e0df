/**
 * The impure edge of transformations: the SecretTransformations a destination references,
 * read from the informer cache (or the API when there is none), parsed, and handed to the
 * pure transform.ts; and which resources use a given SecretTransformation, so a change to it
 * wakes them (as a VaultAuth change does).
 */
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { SECRET_TRANSFORMATIONS } from './kinds.js';
import { SpecError, type CustomObject, type Destination } from './spec.js';
import type { Cr } from './sync-kind.js';
import { parseSecretTransformation, transformSecretData, type SecretTransformationSpec } from './transform.js';

export interface TransformationSource {
  kube: KubeClient;
  /** Informer cache of SecretTransformations (keys `namespace/name`). */
  transformations?: { get(key: string): CustomObject | undefined } | undefined;
}

async function fetchTransformation(src: TransformationSource, namespace: string, name: string): Promise<CustomObject | undefined> {
  if (src.transformations) return src.transformations.get(`${namespace}/${name}`);
  try {
    return (await src.kube.custom.getNamespacedCustomObject({ ...SECRET_TRANSFORMATIONS, namespace, name })) as CustomObject;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Destination data for `cr` from a secret's fields and raw response `data`, transformed as its destination says. */
export async function destinationData(src: TransformationSource, cr: Cr, dest: Destination, secrets: Record<string, unknown>, raw: Record<string, unknown>) {
  const ns = cr.metadata.namespace ?? '';
  const refs = new Map<string, SecretTransformationSpec>();
  for (const ref of dest.transformation?.transformationRefs ?? []) {
    const rns = ref.namespace ?? ns;
    const st = await fetchTransformation(src, rns, ref.name);
    if (!st) continue; // transform.ts names the missing reference
    try {
      refs.set(`${rns}/${ref.name}`, parseSecretTransformation(st));
    } catch (e) {
      if (e instanceof SpecError) throw new SpecError(`SecretTransformation ${rns}/${ref.name}: ${e.message}`);
      throw e;
    }
  }
  const meta = cr.metadata as { annotations?: Record<string, string>; labels?: Record<string, string> };
  return transformSecretData({ secrets, raw, annotations: meta.annotations ?? {}, labels: meta.labels ?? {} }, dest.transformation, refs, { namespace: ns, name: cr.metadata.name });
}

/** Keys of the resources among `crs` whose destination references the SecretTransformation `st`. */
export function usersOfTransformation(crs: readonly Cr[], st: CustomObject): string[] {
  return crs.filter((cr) => {
    const refs = (cr.spec as { destination?: { transformation?: { transformationRefs?: unknown } } } | undefined)?.destination?.transformation?.transformationRefs;
    return Array.isArray(refs) && refs.some((r: { namespace?: unknown; name?: unknown } | null) =>
      r?.name === st.metadata?.name && ((typeof r?.namespace === 'string' && r.namespace) || cr.metadata.namespace) === st.metadata?.namespace);
  }).map((cr) => `${cr.metadata.namespace ?? ''}/${cr.metadata.name}`);
}
