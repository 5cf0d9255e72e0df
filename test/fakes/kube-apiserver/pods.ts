/**
 * The pods test helpers of the fake (service registration's view): `createPod` puts a
 * running pod in the store, `grantPods` fills the Role-on-pods table the default
 * authorizer consults, and pod requests are recorded for assertions. Serving pods is the
 * generic REST code's job.
 */
import type { RecordedRequest } from './rest.js';
import type { KObj } from './store.js';

export type PodVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface PodObject extends KObj {
  kind: 'Pod';
  apiVersion: 'v1';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string; labels?: Record<string, string> } & KObj['metadata'];
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
}

export type RecordedPodRequest = RecordedRequest;

/** A minimal running pod as `createPod` makes it: one Ward container, phase Running. */
export function podTemplate(namespace: string, name: string, o: { labels?: Record<string, string>; uid?: string } = {}): KObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(o.labels ? { labels: { ...o.labels } } : {}) },
    spec: { containers: [{ name: 'ward', image: 'ward:latest' }], serviceAccountName: 'default' },
    status: { phase: 'Running' },
  };
}
