/**
 * The VaultStaticSecret reconciler (level-based, controller-runtime's contract): read the KV
 * secret as the resource's VaultAuth, converge the destination Secret, restart the rollout
 * targets when the data changed since the last recorded MAC (never on the first sync, never
 * because the operator restarted: the MAC key is persistent), record status, and come back
 * after `refreshAfter`. A bad spec is reported as a condition and not retried.
 */
import { TerminalError, type Reconcile } from '../kube/controller.js';
import { syncConfigMapDestination } from './configmap-destination.js';
import { syncDestination } from './destination.js';
import { kvEventPath } from './instant-updates.js';
import { API_VERSION, VAULT_STATIC_SECRETS } from './kinds.js';
import { resolveLogin, type RefCaches } from './resolve.js';
import { rolloutRestart } from './rollout.js';
import { kvFields, secretMac } from './secret-data.js';
import { parseStaticSecret, SpecError, type StaticSecretSpec } from './spec.js';
import { mergePaths, parseWardExtensions, type WardExtensions } from './spec-extensions.js';
import type { SyncContext, SyncKind } from './sync-kind.js';
import { currentStatus, writeStatus, type ConditionInput } from './status.js';
import { destinationData } from './transform-sync.js';

export interface StaticSecretDeps extends Omit<SyncContext, 'refs'> {
  refs?: RefCaches;
  now?: () => Date;
}

export const staticSecretKind: SyncKind = {
  resource: VAULT_STATIC_SECRETS,
  kind: 'VaultStaticSecret',
  controller: 'vaultstaticsecret',
  reconciler: (ctx) => staticSecretReconciler(ctx),
};

const invalid = (message: string): ConditionInput[] => [
  { type: 'ResourceValidation', status: 'False', reason: 'InvalidResource', message },
  { type: 'SecretSynced', status: 'False', reason: 'InvalidResource', message },
  { type: 'Ready', status: 'False', reason: 'InvalidResource', message },
];

const failed = (message: string): ConditionInput[] => [
  { type: 'ResourceValidation', status: 'True', reason: 'ResourceValid', message: 'the resource is valid' },
  { type: 'SecretSynced', status: 'False', reason: 'VaultClientError', message },
  { type: 'Ready', status: 'False', reason: 'VaultClientError', message },
];

function kvRequest(s: Pick<StaticSecretSpec, 'type' | 'mount' | 'path' | 'version'>): { path: string; query?: Record<string, number> } {
  if (s.type === 'kv-v1') return { path: `${s.mount}/${s.path}` };
  return { path: `${s.mount}/data/${s.path}`, ...(s.version ? { query: { version: s.version } } : {}) };
}

export function staticSecretReconciler(d: StaticSecretDeps): Reconcile {
  const now = d.now ?? (() => new Date());
  // The MAC this process last recorded per resource (and its uid: a re-created resource starts afresh). The informer's copy of the status can
  // lag our own write (our Secret write wakes the resource again before the status event
  // arrives); reading that stale MAC would take the same change for a new one and restart twice.
  const recorded = new Map<string, { uid: string; mac: string }>();
  return async (key) => {
    const cr = d.crs.get(key);
    // Gone: the garbage collector deletes the Secret through its owner reference.
    if (!cr || cr.metadata.deletionTimestamp) {
      recorded.delete(key);
      d.instant?.unwatch(key);
      return;
    }
    if (!d.isLeader()) return;
    const ns = cr.metadata.namespace ?? '';
    const involved = { apiVersion: API_VERSION, kind: 'VaultStaticSecret', namespace: ns, name: cr.metadata.name, uid: cr.metadata.uid ?? '' };
    let spec: StaticSecretSpec;
    let ext: WardExtensions;
    try {
      spec = parseStaticSecret(cr);
      ext = parseWardExtensions(cr);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      d.instant?.unwatch(key);
      await d.event(involved, 'Warning', 'InvalidResource', e.message);
      await writeStatus(d.kube, VAULT_STATIC_SECRETS, cr, {}, invalid(e.message), now());
      throw new TerminalError(e.message, { cause: e });
    }
    try {
      const target = await resolveLogin(d.kube, ns, spec.vaultAuthRef, d.operatorNamespace, d.refs);
      // Before reading: a change made while this sync runs still wakes the resource. (The main
      // path only: additionalPaths follow refreshAfter.)
      if (spec.instantUpdates && d.instant) d.instant.watch(key, target, { namespace: spec.namespace ?? target.auth.namespace ?? '', path: kvEventPath(spec) }, involved);
      else d.instant?.unwatch(key);
      const read = async (req: { path: string; query?: Record<string, number> }) => {
        const res = await d.clients.run(target, (s) => s.get(req.path, req.query, spec.namespace));
        const raw = res.body?.data;
        if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${req.path}: Ward returned no data`);
        return raw as Record<string, unknown>;
      };
      const mainRaw = await read(kvRequest(spec));
      const extras = [];
      for (const x of ext.additionalPaths) extras.push({ data: kvFields(spec.type, await read(kvRequest({ ...spec, ...x, version: undefined }))), keyPrefix: x.keyPrefix });
      // Merged fields first (a key clash is a SpecError), then the destination's transformation.
      const { data } = await destinationData(d, cr, spec.destination, mergePaths(kvFields(spec.type, mainRaw), extras), mainRaw);
      const mac = secretMac(d.macKey, data);
      const outcome = ext.destinationKind === 'ConfigMap'
        ? await syncConfigMapDestination(d.kube, involved, spec.destination, data, d.macKey, d.owned?.configMap)
        : await syncDestination(d.kube, involved, spec.destination, data, d.macKey, d.owned?.secret);
      const uid = cr.metadata.uid ?? '';
      const mine = recorded.get(key);
      const prev = (mine?.uid === uid ? mine.mac : undefined) ?? currentStatus(cr).secretMAC;
      const conds: ConditionInput[] = [
        { type: 'ResourceValidation', status: 'True', reason: 'ResourceValid', message: 'the resource is valid' },
        { type: 'SecretSynced', status: 'True', reason: 'SecretSynced', message: 'Secret synced' },
        { type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'Secret synced' },
      ];
      if (outcome !== 'unchanged') {
        d.log('secret synced', { resource: key, destination: spec.destination.name, outcome });
        // Same data as last recorded but the Secret differed: someone edited or deleted it.
        if (prev === mac) await d.event(involved, 'Normal', 'SecretDataDrift', `Secret ${spec.destination.name} differed from Ward's data; restored`);
        else await d.event(involved, 'Normal', prev ? 'SecretRotated' : 'SecretSynced', prev ? 'Secret synced after a change in Ward' : 'Secret synced');
      } else if (prev && prev !== mac) {
        await d.event(involved, 'Normal', 'SecretRotated', 'Secret synced after a change in Ward');
      }
      // Only a change of data since the last recorded sync restarts workloads; the first sync does not.
      if (spec.hmacSecretData && prev && prev !== mac && spec.rolloutRestartTargets.length > 0) {
        for (const t of spec.rolloutRestartTargets) {
          try {
            await rolloutRestart(d.kube, ns, t, now());
            d.log('rollout restart triggered', { resource: key, kind: t.kind, name: t.name });
            await d.event(involved, 'Normal', 'RolloutRestartTriggered', `Rollout restart triggered for ${t.kind} ${t.name}`);
          } catch (e) {
            const message = `rollout restart of ${t.kind} ${ns}/${t.name} failed: ${(e as Error).message}`;
            // The MAC is not recorded yet, so the next attempt restarts again.
            await d.event(involved, 'Warning', 'RolloutRestartFailed', message);
            await writeStatus(d.kube, VAULT_STATIC_SECRETS, cr, {}, [{ type: 'RolloutRestart', status: 'False', reason: 'RolloutRestartFailed', message }], now());
            throw new Error(message, { cause: e });
          }
        }
        conds.push({ type: 'RolloutRestart', status: 'True', reason: 'RolloutRestartTriggered', message: `restarted ${spec.rolloutRestartTargets.map((t) => `${t.kind}/${t.name}`).join(', ')}` });
      }
      await writeStatus(d.kube, VAULT_STATIC_SECRETS, cr, { lastGeneration: cr.metadata.generation ?? 0, ...(spec.hmacSecretData ? { secretMAC: mac } : {}) }, conds, now());
      if (spec.hmacSecretData) recorded.set(key, { uid, mac });
      return spec.refreshAfterMs ? { requeueAfter: spec.refreshAfterMs } : undefined;
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof SpecError) {
        await d.event(involved, 'Warning', 'InvalidResource', message);
        await writeStatus(d.kube, VAULT_STATIC_SECRETS, cr, {}, invalid(message), now());
        throw new TerminalError(message, { cause: e });
      }
      await d.event(involved, 'Warning', 'VaultClientError', message);
      await writeStatus(d.kube, VAULT_STATIC_SECRETS, cr, {}, failed(message), now()).catch(() => undefined);
      throw e;
    }
  };
}
