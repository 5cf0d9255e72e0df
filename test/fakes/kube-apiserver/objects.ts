/**
 * The shapes the fake API server stores and reports: an object with its metadata, a
 * change event for watchers, and the options of a write or delete.
 */
import type { ResourceType } from './registry.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  [field: string]: unknown;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  type: EventType;
  t: ResourceType;
  object: KObj;
  /** The object before this change (MODIFIED), for watchers whose selector it stops or starts matching. */
  prev?: KObj;
  rv: number;
}

export type Propagation = 'Orphan' | 'Background' | 'Foreground';

export interface WriteOptions {
  dryRun?: boolean;
  /** Internal writes (test helpers, controllers) may set status on create. */
  keepStatus?: boolean;
  /** Internal creates may choose the uid (tokens bound to a known service-account uid). */
  uid?: string;
}
