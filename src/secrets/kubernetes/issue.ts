/**
 * Creating and deleting the objects behind one credential. Before the first create, a
 * write-ahead record lists every object the request will make; a failure half-way deletes
 * them (newest first, 404 = already gone) and drops the record; success drops it too. A
 * record still present after a crash is finished by `finishRollbacks` when the mount starts.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { isNotFound, kubeFailure, kubeRequest, type KubeConn } from './kube-http.js';
import type { ObjectRef, PlannedObject } from './objects.js';
import { deleteRollback, getRollback, listRollbacks, putRollback } from './store.js';

const article = (kind: string): string => (/^[AEIOU]/.test(kind) ? 'an' : 'a');

export async function deleteObject(conn: KubeConn, ref: ObjectRef): Promise<void> {
  try {
    await kubeRequest(conn, 'DELETE', `${ref.path}/${encodeURIComponent(ref.name)}`);
  } catch (e) {
    if (isNotFound(e)) return;
    const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    throw kubeFailure(`failed to delete ${ref.kind} '${where}'`, e);
  }
}

/** Deletes `refs` newest first; every one is attempted, the first failure is thrown after. */
export async function deleteObjects(conn: KubeConn, refs: readonly ObjectRef[]): Promise<void> {
  let first: unknown = null;
  for (const ref of [...refs].reverse()) {
    try {
      await deleteObject(conn, ref);
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== null) throw first;
}

/**
 * Creates `plan` in order, then runs `finish` (the TokenRequest). Any failure rolls back
 * what this call created and rethrows the original error.
 */
export async function createWithRollback<T>(conn: KubeConn, storage: Storage, logger: Logger, plan: readonly PlannedObject[], finish: () => Promise<T>): Promise<T> {
  const id = randomUUID();
  if (plan.length > 0) await putRollback(storage, id, { created: Date.now(), objects: plan.map((p) => p.ref) });
  try {
    for (const p of plan) {
      try {
        await kubeRequest(conn, 'POST', p.ref.path, p.manifest);
      } catch (e) {
        const where = p.ref.namespace ? `${p.ref.namespace}/${p.ref.name}` : p.ref.name;
        throw kubeFailure(`failed to create ${article(p.ref.kind)} ${p.ref.kind} '${where}'`, e);
      }
    }
    const out = await finish();
    if (plan.length > 0) await deleteRollback(storage, id);
    return out;
  } catch (e) {
    if (plan.length > 0) {
      try {
        await deleteObjects(conn, plan.map((p) => p.ref));
        await deleteRollback(storage, id);
      } catch (cleanup) {
        // The record stays: the next start of the mount tries again.
        logger.warn('kubernetes: rollback of a failed credential left objects behind', { error: cleanup instanceof Error ? cleanup.message : String(cleanup) });
      }
    }
    throw e;
  }
}

/**
 * Rolls back the records written before `before` (epoch ms): requests of an earlier run of
 * this mount that never finished. Newer records may belong to requests in flight.
 */
export async function finishRollbacks(conn: () => Promise<KubeConn>, storage: Storage, logger: Logger, before: number): Promise<number> {
  let done = 0;
  for (const id of await listRollbacks(storage)) {
    const rec = await getRollback(storage, id);
    if (!rec || rec.created >= before) continue;
    try {
      await deleteObjects(await conn(), rec.objects);
      await deleteRollback(storage, id);
      done++;
    } catch (e) {
      logger.warn('kubernetes: could not finish a rollback; will retry at the next start', { id, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return done;
}
