/**
 * A VaultDynamicSecret being deleted: with `revoke: true` its lease is revoked (the database
 * user dropped), then the finalizer goes and the API server deletes the resource (and the
 * garbage collector its Secret). A refusal (the lease is already gone, or not ours to revoke)
 * is reported and does not hold the deletion; failures that may pass (Ward unreachable) are
 * retried with backoff, but only for a while, so a deletion is never blocked forever.
 */
import { SpecError } from './spec.js';
import { parseDynamicSecret } from './spec-dynamic.js';
import { refused, revokeLease } from './dynamic-ward.js';
import type { Involved } from './events.js';
import { hasFinalizer, removeFinalizer } from './finalizer.js';
import { VAULT_DYNAMIC_SECRETS } from './kinds.js';
import { resolveLogin, type RefCaches } from './resolve.js';
import type { Cr, SyncContext } from './sync-kind.js';
import type { DynamicStatus } from './dynamic-plan.js';

export const REVOKE_GIVE_UP_MS = 60_000;

export interface FinalizeDeps extends Omit<SyncContext, 'refs' | 'crs'> {
  refs?: RefCaches;
  now: () => Date;
  revokeGiveUpMs?: number;
}

export async function finalizeDynamicSecret(d: FinalizeDeps, cr: Cr, involved: Involved, finalizer: string): Promise<void> {
  if (!hasFinalizer(cr, finalizer)) return;
  const status = (cr.status ?? {}) as DynamicStatus;
  const leaseId = status.secretLease?.id;
  const wantsRevoke = (cr.spec as { revoke?: unknown } | undefined)?.revoke === true;
  if (wantsRevoke && leaseId) {
    try {
      const spec = parseDynamicSecret(cr);
      const target = await resolveLogin(d.kube, involved.namespace, spec.vaultAuthRef, d.operatorNamespace, d.refs);
      await d.clients.run(target, (s) => revokeLease(s, leaseId, spec.namespace));
      d.log('lease revoked', { resource: `${involved.namespace}/${involved.name}`, leaseId });
      await d.event(involved, 'Normal', 'SecretLeaseRevoke', `Lease revoked: ${leaseId}`);
    } catch (e) {
      // metadata.deletionTimestamp arrives as an RFC 3339 string (typed as a Date by client-node).
      const since = d.now().getTime() - new Date(cr.metadata.deletionTimestamp as unknown as string).getTime();
      const final = refused(e) || e instanceof SpecError || !(since < (d.revokeGiveUpMs ?? REVOKE_GIVE_UP_MS));
      if (!final) throw e;
      d.log('lease not revoked; removing the finalizer anyway', { resource: `${involved.namespace}/${involved.name}`, leaseId, error: (e as Error).message });
      await d.event(involved, 'Warning', 'SecretLeaseRevoke', `Failed to revoke lease ${leaseId}: ${(e as Error).message}`);
    }
  }
  await removeFinalizer(d.kube, VAULT_DYNAMIC_SECRETS, cr, finalizer);
}
