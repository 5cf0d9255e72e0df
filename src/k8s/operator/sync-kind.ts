/**
 * One syncable custom resource kind (VaultStaticSecret, VaultDynamicSecret, VaultPKISecret…):
 * what the manager needs to run it. main.ts builds, per kind, informers on the resources, one
 * controller with the kind's reconciler, and maps the destination objects the operator owns
 * back to their resource through the owner reference's `kind`. A new kind is one entry in
 * sync-kinds.ts.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import type { Reconcile } from '../kube/controller.js';
import type { CustomResource } from '../kube/list-watch.js';
import type { WardClients } from './clients.js';
import type { CachedObject } from './destination.js';
import type { EventRecorder } from './events.js';
import type { RefCaches } from './resolve.js';
import type { InstantUpdates } from './instant-updates.js';
import type { CustomObject } from './spec.js';

export type Cr = CustomObject & { metadata: { name: string } };

/** What every reconciler gets from the manager. */
export interface SyncContext {
  kube: KubeClient;
  clients: WardClients;
  /** The informer cache of this kind's resources (level-based: read here, never from the event). */
  crs: { get(key: string): Cr | undefined };
  operatorNamespace: string;
  /** The persistent HMAC key (hmac-key.ts): MACs of destination data, never plaintext in status. */
  macKey: Buffer;
  /** Only the leader writes (false: reconcile is a no-op until it leads). */
  isLeader: () => boolean;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  event: EventRecorder;
  refs: RefCaches;
  /** Informer cache of SecretTransformations (destination transformationRefs); without it, a GET each. */
  transformations?: { get(key: string): CustomObject | undefined };
  /** The informer caches of the destinations the operator owns (compare only; a miss or a difference is read fresh). */
  owned?: { secret: CachedObject<V1Secret>; configMap: CachedObject<V1ConfigMap> };
  /** KV event sockets for `syncConfig.instantUpdates` (absent: polling only). */
  instant?: InstantUpdates;
}

export interface SyncKind {
  /** The custom resource (group, version, plural). */
  resource: CustomResource;
  /** The `kind` in owner references of the destinations it writes. */
  kind: string;
  /** Controller name in logs and metrics (VSO's: the lower-case kind). */
  controller: string;
  reconciler(ctx: SyncContext): Reconcile;
}
