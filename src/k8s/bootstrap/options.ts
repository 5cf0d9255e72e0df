/**
 * `ward k8s bootstrap` options: parsed and checked before anything is contacted, so a typo
 * fails the Job at once instead of half-way through (after init, when it would matter).
 */
import { parseDurationSeconds } from '../../lib/duration.js';
import { parseRef, type Ref } from './refs.js';

export interface BootstrapOptions {
  /** Explicit Ward addresses (every pod), or empty when `podSelector` is used. */
  addresses: string[];
  /** Label selector of the server pods (in `namespace`); each pod is `podScheme://podIP:podPort`. */
  podSelector: string;
  podPort: number;
  podScheme: 'http' | 'https';
  /** How many pods the job waits for before it starts (a StatefulSet's replicas). */
  expectedPods: number;
  caCert: string | undefined;
  tlsServerName: string | undefined;
  kubeconfig: string | undefined;
  namespace: string | undefined;
  pgpKeys: Ref[];
  recoveryPgpKeys: Ref[];
  /** The job's own private key: decrypts the shares encrypted to it and the root token. */
  bootstrapKey: Ref;
  bootstrapKeyPassphrase: Ref | undefined;
  keyShares: number;
  keyThreshold: number;
  recoveryShares: number;
  recoveryThreshold: number;
  keysSecret: string;
  provisionerTokenSecret: string;
  progressSecret: string;
  adminPolicy: string;
  provisionerPolicy: string;
  adminPolicyFile: Ref | undefined;
  provisionerPolicyFile: Ref | undefined;
  kvMount: string;
  /** Audit device type ("none": leave auditing to the operators). */
  auditType: string;
  auditPath: string;
  auditOptions: Record<string, string>;
  provisionerTokenTtl: string;
  revokeRoot: boolean;
  waitTimeoutMs: number;
  /**
   * Sidecar mode: the one pod whose bootstrap initializes and configures; the others wait for
   * its keys Secret and only unseal their own pod. Undefined: this process does it all (the Job).
   */
  initPod: string | undefined;
  /** This process's pod ($POD_NAME), compared with `initPod`. */
  podName: string | undefined;
  /** After the bootstrap, keep unsealing the targets whenever found sealed, this often (0: exit when done). */
  watchMs: number;
}

/** The flags as the CLI read them (strings unparsed). */
export interface BootstrapFlags {
  address?: string;
  podSelector?: string;
  podPort?: number;
  podScheme?: string;
  expectedPods?: number;
  caCert?: string;
  tlsServerName?: string;
  kubeconfig?: string;
  namespace?: string;
  pgpKeys?: string;
  recoveryPgpKeys?: string;
  bootstrapPgpKey?: string;
  bootstrapPgpPassphrase?: string;
  keyShares?: number;
  keyThreshold?: number;
  recoveryShares?: number;
  recoveryThreshold?: number;
  keysSecret?: string;
  provisionerTokenSecret?: string;
  progressSecret?: string;
  adminPolicy?: string;
  provisionerPolicy?: string;
  adminPolicyFile?: string;
  provisionerPolicyFile?: string;
  kvMount?: string;
  auditType?: string;
  auditPath?: string;
  auditOptions?: string;
  provisionerTokenTtl?: string;
  revokeRoot?: boolean;
  waitTimeout?: string;
  initPod?: string;
  podName?: string;
  watch?: string;
}

export class OptionsError extends Error {}

const list = (v: string | undefined): string[] => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function name(v: string | undefined, dflt: string, flag: string): string {
  const n = v || dflt;
  if (!DNS_NAME.test(n)) throw new OptionsError(`-${flag}: "${n}" is not a valid Kubernetes object name`);
  return n;
}

function options(v: string | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list(v)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new OptionsError(`-${flag}: "${kv}" is not KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function parseBootstrapOptions(f: BootstrapFlags): BootstrapOptions {
  const addresses = list(f.address);
  for (const a of addresses) {
    let u: URL;
    try {
      u = new URL(a);
    } catch {
      throw new OptionsError(`-address: "${a}" is not a URL (https://host:port)`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new OptionsError(`-address: "${a}" must be http:// or https://`);
  }
  const podSelector = (f.podSelector ?? '').trim();
  if (addresses.length > 0 && podSelector !== '') throw new OptionsError('give either -address or -pod-selector, not both');
  if (addresses.length === 0 && podSelector === '') throw new OptionsError('missing -address (the Ward pods\' addresses) or -pod-selector (their label selector)');
  const podPort = f.podPort ?? 8200;
  if (!Number.isInteger(podPort) || podPort < 1 || podPort > 65535) throw new OptionsError('-pod-port must be a port number');
  const podScheme = f.podScheme || 'https';
  if (podScheme !== 'https' && podScheme !== 'http') throw new OptionsError('-pod-scheme must be https or http');
  const expectedPods = f.expectedPods ?? (addresses.length || 1);
  if (!Number.isInteger(expectedPods) || expectedPods < 1) throw new OptionsError('-expected-pods must be at least 1');
  const pgpKeys = list(f.pgpKeys).map((r) => parseRef(r, 'pgp-keys'));
  const recoveryPgpKeys = list(f.recoveryPgpKeys).map((r) => parseRef(r, 'recovery-pgp-keys'));
  if (pgpKeys.length === 0 && recoveryPgpKeys.length === 0) {
    throw new OptionsError('missing -pgp-keys (or -recovery-pgp-keys with an auto seal): the key shares are only ever stored encrypted');
  }
  if (!f.bootstrapPgpKey) throw new OptionsError('missing -bootstrap-pgp-key: the job\'s private key, which decrypts the root token (and the shares meant for the job)');
  const keyShares = f.keyShares ?? pgpKeys.length;
  if (pgpKeys.length > 0 && keyShares !== pgpKeys.length) throw new OptionsError(`-key-shares is ${keyShares} but ${pgpKeys.length} -pgp-keys were given (one per share)`);
  const keyThreshold = f.keyThreshold ?? Math.min(keyShares, 3);
  const recoveryShares = f.recoveryShares ?? recoveryPgpKeys.length;
  if (recoveryPgpKeys.length > 0 && recoveryShares !== recoveryPgpKeys.length) throw new OptionsError(`-recovery-shares is ${recoveryShares} but ${recoveryPgpKeys.length} -recovery-pgp-keys were given`);
  const recoveryThreshold = f.recoveryThreshold ?? Math.min(recoveryShares, 3);
  for (const [v, n] of [[keyThreshold, 'key-threshold'], [recoveryThreshold, 'recovery-threshold']] as const) {
    if (!Number.isInteger(v) || v < 0) throw new OptionsError(`-${n} must be a non-negative integer`);
  }
  if (keyThreshold > keyShares) throw new OptionsError('-key-threshold cannot be larger than -key-shares');
  if (recoveryThreshold > recoveryShares) throw new OptionsError('-recovery-threshold cannot be larger than -recovery-shares');
  const ttl = f.provisionerTokenTtl || '768h';
  const wait = f.waitTimeout || '10m';
  let waitTimeoutMs: number;
  let watchMs: number;
  try {
    parseDurationSeconds(ttl);
    waitTimeoutMs = parseDurationSeconds(wait) * 1000;
    watchMs = parseDurationSeconds(f.watch || '0s') * 1000;
  } catch (e) {
    throw new OptionsError(`bad duration: ${(e as Error).message}`);
  }
  const initPod = f.initPod ? name(f.initPod, '', 'init-pod') : undefined;
  if (initPod !== undefined && !f.podName) throw new OptionsError('-init-pod needs this pod\'s name ($POD_NAME) to know whether this bootstrap is the one that initializes');
  const auditType = f.auditType || 'file';
  const auditOptions = options(f.auditOptions, 'audit-options');
  if (auditType === 'file' && auditOptions['file_path'] === undefined) auditOptions['file_path'] = 'stdout';
  return {
    addresses, podSelector, podPort, podScheme, expectedPods,
    caCert: f.caCert || undefined,
    tlsServerName: f.tlsServerName || undefined,
    kubeconfig: f.kubeconfig || undefined,
    namespace: f.namespace || undefined,
    pgpKeys, recoveryPgpKeys,
    bootstrapKey: parseRef(f.bootstrapPgpKey, 'bootstrap-pgp-key'),
    bootstrapKeyPassphrase: f.bootstrapPgpPassphrase ? parseRef(f.bootstrapPgpPassphrase, 'bootstrap-pgp-passphrase') : undefined,
    keyShares, keyThreshold, recoveryShares, recoveryThreshold,
    keysSecret: name(f.keysSecret, 'ward-init', 'keys-secret'),
    provisionerTokenSecret: name(f.provisionerTokenSecret, 'ward-provisioner-token', 'provisioner-token-secret'),
    progressSecret: name(f.progressSecret, 'ward-bootstrap-progress', 'progress-secret'),
    adminPolicy: f.adminPolicy || 'admin',
    provisionerPolicy: f.provisionerPolicy || 'provisioner',
    adminPolicyFile: f.adminPolicyFile ? parseRef(f.adminPolicyFile, 'admin-policy-file') : undefined,
    provisionerPolicyFile: f.provisionerPolicyFile ? parseRef(f.provisionerPolicyFile, 'provisioner-policy-file') : undefined,
    kvMount: (f.kvMount || 'secret').replace(/^\/+|\/+$/g, ''),
    auditType, auditPath: (f.auditPath || auditType).replace(/^\/+|\/+$/g, ''), auditOptions,
    provisionerTokenTtl: ttl,
    revokeRoot: f.revokeRoot ?? true,
    waitTimeoutMs,
    initPod,
    podName: f.podName || undefined,
    watchMs,
  };
}
