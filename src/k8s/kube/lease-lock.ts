/**
 * The coordination.k8s.io/v1 Lease that leader election competes for, behind a three-call
 * interface (the elector is unit-tested against an in-memory one). Writes carry the
 * resourceVersion that was read, so of two electors racing for the same Lease the API server
 * accepts one and answers the other 409 Conflict.
 */
import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import { isNotFound } from './errors.js';

export interface LeaseLock {
  /** Describes the lock in messages. */
  readonly description: string;
  get(): Promise<V1Lease | undefined>;
  /** Rejects with a KubeError 409 AlreadyExists if someone created it first. */
  create(lease: V1Lease): Promise<V1Lease>;
  /** `lease.metadata.resourceVersion` must be the one read; a stale one rejects with 409 Conflict. */
  update(lease: V1Lease): Promise<V1Lease>;
}

export function apiLeaseLock(c: KubeClient, namespace: string, name: string): LeaseLock {
  return {
    description: `lease ${namespace}/${name}`,
    get: () => c.coordination.readNamespacedLease({ name, namespace }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e))),
    create: (lease) => c.coordination.createNamespacedLease({ namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease, metadata: { ...lease.metadata, name, namespace } } }),
    update: (lease) => c.coordination.replaceNamespacedLease({ name, namespace, body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease, metadata: { ...lease.metadata, name, namespace } } }),
  };
}

/**
 * A MicroTime field value: six fractional digits, as the API server requires (client-node's
 * V1MicroTime serialises that way; a plain Date would send three and be refused).
 */
export const microTime = (ms: number): V1MicroTime => new V1MicroTime(ms);

/** Lease times come back as strings (client-node does not revive MicroTime) or Dates. */
export function timeMs(v: Date | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}
