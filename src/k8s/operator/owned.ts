/**
 * Which informer events wake which resources, without waking more than needed:
 * - an object the operator owns (destination Secret or ConfigMap) wakes the resource named by
 *   its owner reference of that kind when someone edits or deletes it (drift). Its creation
 *   does not: only the operator creates objects owned by its resources, and it has just
 *   reconciled that resource (a wake-up there doubled the reconciles and Ward reads);
 * - a VaultAuth or VaultConnection wakes the resources that use it when it appears, goes, or
 *   its spec changes (generation), not on the status its own controller writes: with 10,000
 *   resources behind one VaultAuth, a status write used to re-queue all 10,000.
 */
import type { EventSource } from '../kube/controller.js';
import { GROUP } from './kinds.js';

interface Enqueuer {
  enqueue(key: string): void;
}

interface Owned {
  metadata?: { namespace?: string; ownerReferences?: Array<{ apiVersion: string; kind: string; name: string }> };
}

interface Versioned {
  metadata?: { name?: string; generation?: number; deletionTimestamp?: unknown };
}

export function watchOwned<T extends Owned>(ctl: Enqueuer, source: EventSource<T>, ownerKind: string): void {
  const wake = (o: T): void => {
    for (const r of o.metadata?.ownerReferences ?? []) {
      if (r.kind === ownerKind && r.apiVersion.startsWith(`${GROUP}/`)) ctl.enqueue(`${o.metadata?.namespace ?? ''}/${r.name}`);
    }
  };
  source.addHandlers({ update: (_old, o) => wake(o), delete: wake });
}

export function wakeOnSpecChange<T extends Versioned>(ctl: Enqueuer, source: EventSource<T>, users: (o: T) => string[]): void {
  const wake = (o: T): void => {
    for (const k of users(o)) ctl.enqueue(k);
  };
  source.addHandlers({
    add: wake,
    delete: wake,
    update: (a, b) => {
      if (a.metadata?.generation !== b.metadata?.generation || a.metadata?.deletionTimestamp !== b.metadata?.deletionTimestamp) wake(b);
    },
  });
}
