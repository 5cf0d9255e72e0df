/**
 * Rollout restart as VSO does it: a strategic-merge patch of the pod template's
 * `vso.secrets.hashicorp.com/restartedAt` annotation (the same mechanism as `kubectl rollout
 * restart`), so the workload's controller rolls its pods; Argo Rollouts get `spec.restartAt`.
 */
import type { KubeClient } from '../kube/client.js';
import { MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../kube/client.js';
import { RESTARTED_AT } from './kinds.js';
import type { RolloutKind } from './spec.js';

export async function rolloutRestart(kube: KubeClient, namespace: string, target: { kind: RolloutKind; name: string }, now: Date): Promise<void> {
  const at = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
  const p = { namespace, name: target.name, body };
  switch (target.kind) {
    case 'Deployment': {
      const d = await kube.apps.readNamespacedDeployment({ namespace, name: target.name });
      if (d.spec?.paused) throw new Error(`Deployment ${namespace}/${target.name} is paused`);
      await kube.apps.patchNamespacedDeployment(p, STRATEGIC_MERGE_PATCH);
      return;
    }
    case 'StatefulSet':
      await kube.apps.patchNamespacedStatefulSet(p, STRATEGIC_MERGE_PATCH);
      return;
    case 'DaemonSet':
      await kube.apps.patchNamespacedDaemonSet(p, STRATEGIC_MERGE_PATCH);
      return;
    case 'argo.Rollout':
      await kube.custom.patchNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace, name: target.name, body: { spec: { restartAt: at } } }, MERGE_PATCH);
      return;
  }
}
