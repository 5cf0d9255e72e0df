/**
 * Kubernetes Events on the custom resource, with VSO's reasons (SecretSynced, SecretRotated,
 * SecretDataDrift, RolloutRestartTriggered, RolloutRestartFailed, VaultClientError,
 * InvalidResource), so `kubectl describe` tells the story. Best effort: an Event that cannot
 * be written must not fail the sync. Messages never carry secret values.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.js';

export interface Involved {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export type EventRecorder = (obj: Involved, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;

export function apiEventRecorder(kube: KubeClient, component: string, onError: (err: unknown) => void): EventRecorder {
  return async (obj, type, reason, message) => {
    const now = new Date();
    try {
      await kube.core.createNamespacedEvent({
        namespace: obj.namespace,
        body: {
          // client-go's naming: the object's name plus a unique suffix.
          metadata: { name: `${obj.name}.${randomBytes(8).toString('hex')}`, namespace: obj.namespace },
          involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.namespace, name: obj.name, uid: obj.uid },
          type, reason, message,
          source: { component },
          firstTimestamp: now, lastTimestamp: now, count: 1,
          reportingComponent: component,
        },
      });
    } catch (e) {
      onError(e);
    }
  };
}
