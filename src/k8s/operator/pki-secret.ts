/**
 * The VaultPKISecret reconciler (VSO's behaviour): issue `<mount>/issue/<role>` when there is
 * no certificate yet, the spec changed, the destination is gone or was edited (HMAC), or the
 * certificate is within `expiryOffset` of expiring; otherwise come back at that time. A new
 * certificate replacing one restarts the rollout targets once and, with `revoke`, revokes the
 * old serial. With `revoke` or `clear` a finalizer does the same on deletion. An operator
 * restart re-issues nothing that is still valid: the decision reads only the status and the
 * Secret, and the MAC key is persistent.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../kube/client.js';
import { TerminalError, type Reconcile } from '../kube/controller.js';
import { isNotFound } from '../kube/errors.js';
import { syncDestination } from './destination.js';
import type { Involved } from './events.js';
import { API_VERSION, VAULT_PKI_SECRETS } from './kinds.js';
import { parseIssueResponse, pkiSecretData, renewAtMs, type IssuedCert } from './pki-data.js';
import { resolveLogin } from './resolve.js';
import { rolloutRestart } from './rollout.js';
import { secretMac } from './secret-data.js';
import { SpecError } from './spec.js';
import { parsePkiSecret, pkiIssueBody, pkiIssuePath, type PkiSecretSpec } from './spec-pki.js';
import type { Cr, SyncContext, SyncKind } from './sync-kind.js';
import { writeStatus, type ConditionInput, type SyncStatus } from './status.js';
import { destinationData } from './transform-sync.js';

export const PKI_FINALIZER = 'vaultpkisecrets.secrets.hashicorp.com/finalizer';

export const pkiSecretKind: SyncKind = {
  resource: VAULT_PKI_SECRETS,
  kind: 'VaultPKISecret',
  controller: 'vaultpkisecret',
  reconciler: (ctx) => pkiSecretReconciler(ctx),
};

interface PkiStatus {
  serialNumber?: string;
  expiration?: number;
  lastRotation?: number;
  lastGeneration?: number;
  secretMAC?: string;
}

const VALID: ConditionInput = { type: 'ResourceValidation', status: 'True', reason: 'ResourceValid', message: 'the resource is valid' };
const synced = (message: string): ConditionInput[] => [
  VALID,
  { type: 'SecretSynced', status: 'True', reason: 'SecretSynced', message },
  { type: 'Ready', status: 'True', reason: 'SecretSynced', message },
];
const invalid = (message: string): ConditionInput[] => [
  { type: 'ResourceValidation', status: 'False', reason: 'InvalidResource', message },
  { type: 'SecretSynced', status: 'False', reason: 'InvalidResource', message },
  { type: 'Ready', status: 'False', reason: 'InvalidResource', message },
];
const failed = (message: string): ConditionInput[] => [
  VALID,
  { type: 'SecretSynced', status: 'False', reason: 'VaultClientError', message },
  { type: 'Ready', status: 'False', reason: 'VaultClientError', message },
];
const MIN_HORIZON_MS = 1000;

export function pkiSecretReconciler(d: SyncContext & { now?: () => Date }): Reconcile {
  const now = d.now ?? (() => new Date());
  // What this process last wrote to status, per resource (see static-secret.ts: the informer's
  // copy lags our own writes, and a stale "no certificate yet" would issue a second one).
  const recorded = new Map<string, { uid: string; status: PkiStatus }>();
  // Status is written over what this process recorded last, never over a stale cached copy
  // (a merge of the cache's old serial would undo the certificate just issued).
  const status = async (cr: Cr, patch: Record<string, unknown>, c: ConditionInput[]) => {
    const mine = recorded.get(`${cr.metadata.namespace ?? ''}/${cr.metadata.name}`);
    const base = mine && mine.uid === cr.metadata.uid ? { ...cr, status: { ...(cr.status as object | undefined), ...mine.status } } : cr;
    await writeStatus(d.kube, VAULT_PKI_SECRETS, base, patch as Omit<SyncStatus, 'conditions'>, c, now());
  };

  const finalizersOf = (o: Cr): string[] => (o.metadata as { finalizers?: string[] }).finalizers ?? [];
  const setFinalizer = async (cr: Cr, want: boolean): Promise<void> => {
    if (finalizersOf(cr).includes(PKI_FINALIZER) === want) return;
    // The cache may not show our own last change yet: decide on a fresh read, and write the
    // list conditionally on that read's resourceVersion (a concurrent change fails and retries).
    const ref = { ...VAULT_PKI_SECRETS, namespace: cr.metadata.namespace ?? '', name: cr.metadata.name };
    let fresh: Cr;
    try {
      fresh = (await d.kube.custom.getNamespacedCustomObject(ref)) as Cr;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const have = finalizersOf(fresh);
    if (have.includes(PKI_FINALIZER) === want) return;
    const finalizers = want ? [...have, PKI_FINALIZER] : have.filter((f) => f !== PKI_FINALIZER);
    await d.kube.custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { finalizers, resourceVersion: fresh.metadata.resourceVersion } } }, MERGE_PATCH);
  };

  const revoke = async (spec: PkiSecretSpec, ns: string, serial: string): Promise<void> => {
    const target = await resolveLogin(d.kube, ns, spec.vaultAuthRef, d.operatorNamespace, d.refs);
    await d.clients.run(target, (s) => s.write(`${spec.mount}/revoke`, { serial_number: serial }, spec.namespace));
  };

  const finalize = async (key: string, cr: Cr, involved: Involved, st: PkiStatus): Promise<void> => {
    if (!finalizersOf(cr).includes(PKI_FINALIZER)) return;
    const ns = cr.metadata.namespace ?? '';
    try {
      const spec = parsePkiSecret(cr);
      const serial = st.serialNumber;
      if (spec.revoke && serial) {
        await revoke(spec, ns, serial);
        d.log('certificate revoked', { resource: key, serial });
      }
      // With create the garbage collector deletes the Secret; without, clear leaves it empty (VSO).
      if (spec.clear && !spec.destination.create) {
        const s = await d.kube.core.readNamespacedSecret({ namespace: ns, name: spec.destination.name }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (s) await d.kube.core.replaceNamespacedSecret({ namespace: ns, name: spec.destination.name, body: { ...s, data: {} } });
      }
    } catch (e) {
      // A resource that can never be finalized (bad spec, unusable VaultAuth) must not block its deletion forever.
      if (!(e instanceof SpecError)) throw e;
      await d.event(involved, 'Warning', 'InvalidResource', `not finalized: ${e.message}`);
    }
    await setFinalizer(cr, false);
    recorded.delete(key);
  };

  return async (key) => {
    const cr = d.crs.get(key);
    if (!cr) {
      recorded.delete(key);
      return;
    }
    if (!d.isLeader()) return;
    const ns = cr.metadata.namespace ?? '';
    const uid = cr.metadata.uid ?? '';
    const involved: Involved = { apiVersion: API_VERSION, kind: 'VaultPKISecret', namespace: ns, name: cr.metadata.name, uid };
    const mine = recorded.get(key);
    const st: PkiStatus = mine?.uid === uid ? mine.status : (cr.status ?? {}) as PkiStatus;
    if (cr.metadata.deletionTimestamp) return finalize(key, cr, involved, st);
    let spec: PkiSecretSpec;
    try {
      spec = parsePkiSecret(cr);
    } catch (e) {
      if (!(e instanceof SpecError)) throw e;
      await d.event(involved, 'Warning', 'InvalidResource', e.message);
      await status(cr, { valid: false, error: e.message }, invalid(e.message));
      throw new TerminalError(e.message, { cause: e });
    }
    try {
      const reason = await whySync(spec, st, cr, ns);
      if (!reason) {
        await setFinalizer(cr, spec.revoke || spec.clear);
        const renewAt = renewAtMs(st.expiration ?? 0, spec.expiryOffsetMs, st.lastRotation);
        d.log('certificate valid; renewal scheduled', { resource: key, serial: st.serialNumber, renewAt: new Date(renewAt).toISOString() });
        return { requeueAfter: Math.max(MIN_HORIZON_MS, renewAt - now().getTime()) };
      }
      const target = await resolveLogin(d.kube, ns, spec.vaultAuthRef, d.operatorNamespace, d.refs);
      const path = pkiIssuePath(spec);
      const res = await d.clients.run(target, (s) => s.write(path, pkiIssueBody(spec), spec.namespace));
      const raw = res.body?.data;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: Ward returned no data`);
      const cert: IssuedCert = parseIssueResponse(raw);
      const { data: transformed, templated } = await destinationData(d, cr, spec.destination, raw, raw);
      const data = pkiSecretData(cert, transformed, { type: spec.destination.type, templated });
      const mac = secretMac(d.macKey, data);
      await syncDestination(d.kube, involved, spec.destination, data, d.macKey);
      const rotated = Boolean(st.serialNumber);
      const issuedAt = Math.floor(now().getTime() / 1000);
      const next: PkiStatus & Record<string, unknown> = {
        serialNumber: cert.serialNumber, expiration: cert.expiration, lastGeneration: cr.metadata.generation ?? 0, secretMAC: mac,
        lastRotation: issuedAt, valid: true, error: '',
      };
      await status(cr, next, synced('Secret synced'));
      recorded.set(key, { uid, status: next });
      d.log('certificate issued', { resource: key, destination: spec.destination.name, serial: cert.serialNumber, reason });
      await d.event(involved, 'Normal', rotated ? 'SecretRotated' : 'SecretSynced', `Secret synced (${reason}), serial ${cert.serialNumber}`);
      await setFinalizer(cr, spec.revoke || spec.clear);
      if (rotated) await afterRotation(spec, ns, key, involved, st.serialNumber ?? '');
      if (cert.expiration * 1000 - spec.expiryOffsetMs <= issuedAt * 1000) {
        await d.event(involved, 'Warning', 'InvalidConfiguration', `expiryOffset is not shorter than the certificate's lifetime (${cert.expiration - issuedAt}s); renewing at half of it`);
      }
      return { requeueAfter: Math.max(MIN_HORIZON_MS, renewAtMs(cert.expiration, spec.expiryOffsetMs, issuedAt) - now().getTime()) };
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof SpecError) {
        await d.event(involved, 'Warning', 'InvalidResource', message);
        await status(cr, { valid: false, error: message }, invalid(message));
        throw new TerminalError(message, { cause: e });
      }
      await d.event(involved, 'Warning', 'VaultClientError', message);
      await status(cr, { valid: false, error: message }, failed(message)).catch(() => undefined);
      throw e;
    }
  };

  /** Why a certificate must be issued now ('' when the current one stands). */
  async function whySync(spec: PkiSecretSpec, st: PkiStatus, cr: Cr, ns: string): Promise<string> {
    if (!st.serialNumber) return 'initial';
    if (st.lastGeneration !== (cr.metadata.generation ?? 0)) return 'resource updated';
    let secret: V1Secret | undefined;
    try {
      secret = await d.kube.core.readNamespacedSecret({ namespace: ns, name: spec.destination.name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!secret) {
      if (spec.destination.create) return 'destination missing';
      throw new Error(`destination Secret ${ns}/${spec.destination.name} does not exist and destination.create is false`);
    }
    // The key and certificate are not kept anywhere else, so an edited Secret gets a new certificate (as VSO).
    if (st.secretMAC && secretMac(d.macKey, secret.data) !== st.secretMAC) return 'destination drift';
    if (now().getTime() >= renewAtMs(st.expiration ?? 0, spec.expiryOffsetMs, st.lastRotation)) return 'renewal window';
    return '';
  }

  /** A replaced certificate: restart the workloads once, then revoke the old serial. Reported, not retried (VSO). */
  async function afterRotation(spec: PkiSecretSpec, ns: string, key: string, involved: Involved, oldSerial: string): Promise<void> {
    for (const t of spec.rolloutRestartTargets) {
      try {
        await rolloutRestart(d.kube, ns, t, now());
        d.log('rollout restart triggered', { resource: key, kind: t.kind, name: t.name });
        await d.event(involved, 'Normal', 'RolloutRestartTriggered', `Rollout restart triggered for ${t.kind} ${t.name}`);
      } catch (e) {
        await d.event(involved, 'Warning', 'RolloutRestartFailed', `rollout restart of ${t.kind} ${ns}/${t.name} failed: ${(e as Error).message}`);
      }
    }
    if (spec.revoke && oldSerial) {
      try {
        await revoke(spec, ns, oldSerial);
        d.log('certificate revoked', { resource: key, serial: oldSerial });
      } catch (e) {
        await d.event(involved, 'Warning', 'CertificateRevocationError', `revoking serial ${oldSerial} failed: ${(e as Error).message}`);
      }
    }
  }
}
