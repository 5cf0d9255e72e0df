/**
 * The VaultDynamicSecret reconciler: credentials from `<mount>/<path>` (database creds and
 * the like) kept in the destination Secret for as long as their lease can be renewed.
 * dynamic-plan.ts decides from the recorded status whether to issue, renew or wait, so an
 * operator restart or a new leader neither re-issues valid credentials nor restarts anything.
 * Renewal happens at `renewalPercent` of the lease; a refused or truncated renewal (the max TTL
 * is near) means new credentials, the Secret rewritten, the rollout targets restarted once, and
 * with `revoke` the old lease revoked. The finalizer revokes the lease when the resource goes.
 * The resource is read from the API server at each reconcile (not the informer's copy, which
 * can lag our own status write: a stale lease there would look like drift and re-issue).
 */
import type { V1Secret } from '@kubernetes/client-node';
import { TerminalError, type Reconcile, type ReconcileResult } from '../kube/controller.js';
import { isNotFound } from '../kube/errors.js';
import { finalizeDynamicSecret } from './dynamic-finalize.js';
import { isStaticCreds, nextStep, renewalOutcome, shouldRestart, staticCredsMeta, STATIC_VOLATILE_KEYS, type DynamicStatus, type Step } from './dynamic-plan.js';
import { issueCredentials, renewLease, revokeLease } from './dynamic-ward.js';
import { addFinalizer } from './finalizer.js';
import { syncDestination } from './destination.js';
import { API_VERSION, VAULT_DYNAMIC_SECRETS } from './kinds.js';
import { resolveLogin, type RefCaches } from './resolve.js';
import { rolloutRestart } from './rollout.js';
import { secretMac, type SecretData } from './secret-data.js';
import { SpecError } from './spec.js';
import { parseDynamicSecret, type DynamicSecretSpec } from './spec-dynamic.js';
import type { Cr, SyncContext, SyncKind } from './sync-kind.js';
import { writeStatus, type ConditionInput } from './status.js';
import type { Involved } from './events.js';
import { destinationData } from './transform-sync.js';

/** VSO's finalizer name: resources created under VSO keep working when Ward takes over. */
export const DYNAMIC_SECRET_FINALIZER = 'vaultdynamicsecret.secrets.hashicorp.com/finalizer';
const R = VAULT_DYNAMIC_SECRETS;

export interface DynamicSecretDeps extends Omit<SyncContext, 'refs'> {
  refs?: RefCaches;
  now?: () => Date;
  rand?: () => number;
  /** How long after deletion a revocation that keeps failing is retried before the finalizer goes anyway. */
  revokeGiveUpMs?: number;
}

export const dynamicSecretKind: SyncKind = {
  resource: R,
  kind: 'VaultDynamicSecret',
  controller: 'vaultdynamicsecret',
  reconciler: (ctx) => dynamicSecretReconciler(ctx),
};

const VALID: ConditionInput = { type: 'ResourceValidation', status: 'True', reason: 'ResourceValid', message: 'the resource is valid' };
const bad = (reason: string, message: string): ConditionInput[] => [
  ...(reason === 'InvalidResource' ? [{ type: 'ResourceValidation', status: 'False' as const, reason, message }] : [VALID]),
  { type: 'SecretSynced', status: 'False', reason, message },
  { type: 'Ready', status: 'False', reason, message },
  { type: 'Healthy', status: 'False', reason, message },
];
const OK: ConditionInput[] = [
  VALID,
  { type: 'SecretSynced', status: 'True', reason: 'SecretSynced', message: 'Secret synced' },
  { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'Secret synced' },
  { type: 'Healthy', status: 'True', reason: 'Healthy', message: 'the resource is healthy' },
];
const NO_STATIC = { lastVaultRotation: 0, rotationPeriod: 0, rotationSchedule: '', ttl: 0 };

/** The MAC compared with the Secret: for static creds without the fields that change at every read. */
function dataMac(key: Buffer, data: SecretData | undefined, staticCreds: boolean): string {
  if (!staticCreds || !data) return secretMac(key, data);
  const kept = Object.fromEntries(Object.entries(data).filter(([k]) => !(STATIC_VOLATILE_KEYS as readonly string[]).includes(k)));
  return secretMac(key, kept);
}

const dynamicStatus = (cr: Cr): DynamicStatus => (cr.status && typeof cr.status === 'object' ? (cr.status as DynamicStatus) : {});

export function dynamicSecretReconciler(d: DynamicSecretDeps): Reconcile {
  const now = d.now ?? (() => new Date());
  const rand = d.rand ?? Math.random;
  return async (key) => {
    if (!d.isLeader()) return;
    const i = key.indexOf('/');
    let cr: Cr;
    try {
      cr = (await d.kube.custom.getNamespacedCustomObject({ ...R, namespace: key.slice(0, i), name: key.slice(i + 1) })) as Cr;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const ns = cr.metadata.namespace ?? '';
    const involved: Involved = { apiVersion: API_VERSION, kind: 'VaultDynamicSecret', namespace: ns, name: cr.metadata.name, uid: cr.metadata.uid ?? '' };
    if (cr.metadata.deletionTimestamp) {
      await finalizeDynamicSecret({ ...d, now }, cr, involved, DYNAMIC_SECRET_FINALIZER);
      return;
    }
    let spec: DynamicSecretSpec | undefined;
    try {
      spec = parseDynamicSecret(cr);
      return await sync(d, cr, spec, involved, key, now, rand);
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof SpecError) {
        await d.event(involved, 'Warning', 'InvalidResource', message);
        await writeStatus(d.kube, R, cr, {}, bad('InvalidResource', message), now());
        throw new TerminalError(message, { cause: e });
      }
      await d.event(involved, 'Warning', 'VaultClientError', message);
      await writeStatus(d.kube, R, cr, {}, bad('VaultClientError', message), now()).catch(() => undefined);
      throw e;
    }
  };
}

async function sync(d: DynamicSecretDeps, cr: Cr, spec: DynamicSecretSpec, involved: Involved, key: string, now: () => Date, rand: () => number): Promise<ReconcileResult | undefined> {
  const ns = involved.namespace;
  const target = await resolveLogin(d.kube, ns, spec.vaultAuthRef, d.operatorNamespace, d.refs);
  // Before anything is issued, so a deletion can always revoke what was.
  await addFinalizer(d.kube, R, cr, DYNAMIC_SECRET_FINALIZER);
  const status = dynamicStatus(cr);
  const wasStatic = spec.allowStaticCreds && isStaticCreds(status.staticCredsMetaData);
  let current: V1Secret | undefined;
  try {
    current = await d.kube.core.readNamespacedSecret({ namespace: ns, name: spec.destination.name });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  // As VSO: wait for a Secret we may not create rather than issue credentials with nowhere to put them.
  if (!current && !spec.destination.create) throw new Error(`destination Secret ${ns}/${spec.destination.name} does not exist and destination.create is false`);
  const matches = !!current && !!status.secretMAC && dataMac(d.macKey, current.data, wasStatic) === status.secretMAC;
  const plan = (s: DynamicStatus, destinationMatches = true): Step => nextStep({
    generation: cr.metadata.generation ?? 0, status: s, destinationMatches, renewalPercent: spec.renewalPercent,
    allowStaticCreds: spec.allowStaticCreds, refreshAfterMs: spec.refreshAfterMs, nowMs: now().getTime(), rand: rand(),
  });
  // After a sync or renewal the plan is a wait; anything else is looked at again shortly.
  const requeue = (s: Step): ReconcileResult | undefined => (s.action === 'wait' ? (s.afterMs ? { requeueAfter: s.afterMs } : undefined) : { requeueAfter: 1000 });
  const step = plan(status, matches);
  if (step.action === 'wait') return requeue(step);
  const conds: ConditionInput[] = [];
  const old = status.secretLease;
  let reason = step.action === 'issue' ? step.reason : 'renewal';
  if (step.action === 'renew' && old) {
    const answer = await d.clients.run(target, (s) => renewLease(s, old, spec.namespace));
    const outcome = renewalOutcome(old.duration, 'refusal' in answer ? 'refused' : answer);
    if (outcome === 'renewed' && !('refusal' in answer)) {
      const secretLease = { ...old, duration: answer.duration, renewable: answer.renewable };
      const lastRenewalTime = Math.floor(now().getTime() / 1000);
      await writeStatus(d.kube, R, cr, { secretLease, lastRenewalTime }, [...OK, { type: 'LeaseRenewal', status: 'True', reason: 'SecretLeaseRenewal', message: 'Successfully renewed lease' }], now());
      d.log('lease renewed', { resource: key, leaseId: old.id, duration: answer.duration });
      await d.event(involved, 'Normal', 'SecretLeaseRenewal', `Renewed lease, lease_id=${old.id}`);
      return requeue(plan({ ...status, secretLease, lastRenewalTime }));
    }
    const message = 'refusal' in answer
      ? `Could not renew lease, lease_id=${old.id}, err=${answer.refusal}; requesting new credentials`
      : `Lease renewal duration was truncated from ${old.duration}s to ${answer.duration}s, requesting new credentials`;
    reason = outcome;
    d.log('lease not renewed; issuing new credentials', { resource: key, leaseId: old.id, outcome, ...('refusal' in answer ? { error: answer.refusal } : { granted: answer.duration }) });
    await d.event(involved, outcome === 'truncated' ? 'Normal' : 'Warning', outcome === 'truncated' ? 'SecretLeaseRenewal' : 'SecretLeaseRenewalError', message);
    conds.push({ type: 'LeaseRenewal', status: 'False', reason: outcome === 'truncated' ? 'SecretLeaseRenewal' : 'SecretLeaseRenewalError', message });
  }

  const issued = await d.clients.run(target, (s) => issueCredentials(s, spec));
  const meta = spec.allowStaticCreds && !issued.lease.renewable ? staticCredsMeta(issued.data) : NO_STATIC;
  const isStatic = spec.allowStaticCreds && isStaticCreds(meta);
  // VSO's layout (one key per field, plus _raw), transformed as the destination says.
  const { data } = await destinationData(d, cr, spec.destination, issued.data, issued.data);
  const mac = dataMac(d.macKey, data, isStatic);
  // A static role read again before its password changed: nothing to write or restart.
  const unchanged = isStatic && matches && mac === status.secretMAC;
  if (!unchanged) {
    try {
      await syncDestination(d.kube, involved, spec.destination, data, d.macKey);
    } catch (e) {
      // Nobody received these credentials: do not leave them valid.
      if (issued.lease.id) await d.clients.run(target, (s) => revokeLease(s, issued.lease.id, spec.namespace)).catch(() => undefined);
      throw e;
    }
  }
  const next: DynamicStatus = {
    lastGeneration: cr.metadata.generation ?? 0, secretLease: issued.lease, lastRenewalTime: Math.floor(now().getTime() / 1000),
    staticCredsMetaData: meta, secretMAC: mac,
  };
  const restart = spec.rolloutRestartTargets.length > 0 && shouldRestart(status.secretMAC, mac);
  // Recorded before any restart: a restart that fails must not make the next reconcile issue again.
  let written = await writeStatus(d.kube, R, cr, { ...next }, [...conds, ...OK], now());
  if (!unchanged) {
    d.log('secret synced', { resource: key, destination: spec.destination.name, leaseId: issued.lease.id, reason });
    const first = !status.secretMAC;
    await d.event(involved, 'Normal', first ? 'SecretSynced' : 'SecretRotated', `Secret synced, lease_id=${JSON.stringify(issued.lease.id)}, sync_reason=${JSON.stringify(reason)}`);
  }
  if (restart) {
    const failures: string[] = [];
    for (const t of spec.rolloutRestartTargets) {
      try {
        await rolloutRestart(d.kube, ns, t, now());
        d.log('rollout restart triggered', { resource: key, kind: t.kind, name: t.name });
        await d.event(involved, 'Normal', 'RolloutRestartTriggered', `Rollout restart triggered for ${t.kind} ${t.name}`);
      } catch (e) {
        const message = `rollout restart of ${t.kind} ${ns}/${t.name} failed: ${(e as Error).message}`;
        failures.push(message);
        await d.event(involved, 'Warning', 'RolloutRestartFailed', message);
      }
    }
    // As VSO, a failed restart is reported and not retried (retrying would mean new credentials).
    const c: ConditionInput = failures.length > 0
      ? { type: 'RolloutRestart', status: 'False', reason: 'RolloutRestartFailed', message: failures.join('; ') }
      : { type: 'RolloutRestart', status: 'True', reason: 'RolloutRestartTriggered', message: `restarted ${spec.rolloutRestartTargets.map((t) => `${t.kind}/${t.name}`).join(', ')}` };
    written = await writeStatus(d.kube, R, { ...cr, status: written }, {}, [c], now());
  }
  if (spec.revoke && old?.id && old.id !== issued.lease.id) {
    // After the rotation: the workloads have the new credentials (or are restarting onto them).
    try {
      await d.clients.run(target, (s) => revokeLease(s, old.id, spec.namespace));
      d.log('old lease revoked', { resource: key, leaseId: old.id });
      await d.event(involved, 'Normal', 'SecretLeaseRevoke', `Lease revoked: ${old.id}`);
    } catch (e) {
      await d.event(involved, 'Warning', 'SecretLeaseRevoke', `Failed to revoke lease ${old.id}: ${(e as Error).message}`);
    }
  }
  return requeue(plan(next));
}
