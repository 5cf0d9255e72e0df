/**
 * The status a syncable resource reports, as VSO writes it: `lastGeneration`, `secretMAC`
 * and conditions (`Ready`, `SecretSynced`, `ResourceValidation`, `RolloutRestart`). Written
 * through the status subresource, and only when something changed, so a reconcile does not
 * wake itself up forever.
 */
import type { KubeClient } from '../kube/client.js';
import { MERGE_PATCH } from '../kube/client.js';
import type { CustomResource } from '../kube/list-watch.js';
import { conditionsChanged, setCondition, type Condition } from './secret-data.js';
import type { CustomObject } from './spec.js';

export interface SyncStatus {
  lastGeneration?: number;
  secretMAC?: string;
  conditions?: Condition[];
  /** Kind-specific fields (VaultDynamicSecret's secretLease, lastRenewalTime…). */
  [field: string]: unknown;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function currentStatus(cr: CustomObject): SyncStatus {
  const s = (cr.status ?? {}) as SyncStatus;
  return { ...s, conditions: Array.isArray(s.conditions) ? s.conditions : [] };
}

/** Returns the status now recorded (a second write in the same reconcile starts from it). */
export async function writeStatus(kube: KubeClient, r: CustomResource, cr: CustomObject, patch: Omit<SyncStatus, 'conditions'>, conds: ConditionInput[], now: Date): Promise<SyncStatus> {
  const old = currentStatus(cr);
  const gen = cr.metadata?.generation;
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let conditions = old.conditions ?? [];
  for (const c of conds) conditions = setCondition(conditions, { ...c, ...(gen !== undefined ? { observedGeneration: gen } : {}) }, at);
  const next: SyncStatus = { ...old, ...patch, conditions };
  const changed = conditionsChanged(old.conditions ?? [], conditions)
    || Object.entries(patch).some(([k, v]) => JSON.stringify(old[k]) !== JSON.stringify(v));
  if (!changed) return old;
  await kube.custom.patchNamespacedCustomObjectStatus({ ...r, namespace: cr.metadata?.namespace ?? '', name: cr.metadata?.name ?? '', body: { status: next } }, MERGE_PATCH);
  return next;
}
