/**
 * Status of the referenced kinds, as VSO reports it: a VaultConnection or VaultAuth gets
 * `valid` (and, for VaultAuth, `error` and `specHash`) plus a Ready condition, so
 * `kubectl get vaultauth` shows a broken spec without looking at every resource that uses it.
 * Spec validation only: whether Ward answers shows on the syncing resources' conditions.
 */
import { createHash } from 'node:crypto';
import type { KubeClient } from '../kube/client.js';
import { MERGE_PATCH } from '../kube/client.js';
import type { Reconcile } from '../kube/controller.js';
import type { CustomResource } from '../kube/list-watch.js';
import { setCondition, type Condition } from './secret-data.js';
import { SpecError, type CustomObject } from './spec.js';

export function validityReconciler(o: {
  kube: KubeClient;
  resource: CustomResource;
  get: (key: string) => CustomObject | undefined;
  parse: (cr: CustomObject) => unknown;
  /** VaultAuth also reports `error` and `specHash`. */
  withError: boolean;
  isLeader: () => boolean;
}): Reconcile {
  return async (key) => {
    const cr = o.get(key);
    if (!cr || !o.isLeader()) return;
    let error = '';
    try {
      o.parse(cr);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      error = e.message;
    }
    const old = (cr.status ?? {}) as { valid?: boolean; error?: string; specHash?: string; conditions?: Condition[] };
    const conditions = setCondition(Array.isArray(old.conditions) ? old.conditions : [], {
      type: 'Ready', status: error ? 'False' : 'True', reason: error ? 'InvalidResource' : 'Valid', message: error || 'the resource is valid',
      ...(cr.metadata?.generation !== undefined ? { observedGeneration: cr.metadata.generation } : {}),
    }, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const next: Record<string, unknown> = { valid: !error, conditions };
    if (o.withError) {
      next['error'] = error;
      next['specHash'] = createHash('sha256').update(JSON.stringify(cr.spec ?? {})).digest('hex');
    }
    if (Object.entries(next).every(([k, v]) => JSON.stringify((old as Record<string, unknown>)[k]) === JSON.stringify(v))) return;
    await o.kube.custom.patchNamespacedCustomObjectStatus({ ...o.resource, namespace: cr.metadata?.namespace ?? '', name: cr.metadata?.name ?? '', body: { status: next } }, MERGE_PATCH);
  };
}
