/**
 * Rekey (Vault's sys/rekey and sys/rekey-recovery-key): operators holding the current shares
 * agree on a new split of the key those shares protect (the unseal key under Shamir, the
 * recovery key with an auto seal). The root key and the barrier keyring do not change; only
 * how the root key is protected at rest does.
 *
 * With `require_verification` the new key lives only in this process until enough new shares
 * are entered back (verify), so a lost set of new shares never replaces working ones; a
 * restart before then leaves the old shares in force. The commit itself is one transaction
 * (seal-manager.ts replaceSecret): either the old or the new key set unseals afterwards.
 */
import { randomBytes } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';
import { pgpEncrypt, pgpFingerprint, type PgpPublicKey } from '../../lib/pgp.js';
import { badRequest } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { SealManager } from './seal-manager.js';
import { keyShares } from './seal-records.js';
import { combineShares, decodeKey, SHARE_BYTES, splitKey, UNSEAL_KEY_BYTES, validateSealParams } from './shamir.js';
import { ShareCollector } from './share-collector.js';
import { timingSafeEqual } from 'node:crypto';

/** Where the PGP-encrypted new shares are kept when `backup` is set (outside the barrier, as Vault). */
export const BARRIER_BACKUP_PATH = 'core/unseal-keys-backup';
export const RECOVERY_BACKUP_PATH = 'core/recovery-keys-backup';

/** How long a rekey can only be canceled with its nonce. */
export const CANCEL_WITHOUT_NONCE_MS = 10 * 60 * 1000;

export interface RekeyRequest {
  shares: number;
  threshold: number;
  pgpKeys: PgpPublicKey[];
  backup: boolean;
  requireVerification: boolean;
}

/** GET sys/rekey/init (and update before the threshold). */
export interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  verification_nonce?: string;
}

/** sys/rekey/update once the threshold is reached. */
export interface RekeyResult {
  nonce: string;
  complete: true;
  keys: string[];
  keys_base64: string[];
  pgp_fingerprints: string[] | null;
  backup: boolean;
  verification_required: boolean;
  verification_nonce?: string;
}

export interface VerifyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
}

interface Pending {
  secret: Buffer;
  rootKey: Buffer;
  collector: ShareCollector;
}

interface Attempt {
  req: RekeyRequest;
  /** Epoch ms when it started: after CANCEL_WITHOUT_NONCE_MS anyone may cancel it. */
  created: number;
  fingerprints: string[] | null;
  collector: ShareCollector;
  pending: Pending | null;
}

export class Rekey {
  private attempt: Attempt | null = null;

  constructor(
    private readonly seal: SealManager,
    private readonly physical: PhysicalBackend,
    /** true: sys/rekey-recovery-key (recovery keys of an auto seal). */
    private readonly recovery: boolean,
  ) {}

  private async current(): Promise<{ shares: number; threshold: number; shamir: boolean }> {
    const record = await this.seal.getConfig();
    if (record === null) throw badRequest('Vault is not initialized');
    return { ...keyShares(record), shamir: record.type === 'shamir' };
  }

  /** Refuses the combination of target and seal Ward does not rekey. */
  private async checkTarget(): Promise<{ shares: number; threshold: number }> {
    const c = await this.current();
    if (this.recovery && c.shamir) throw badRequest('recovery keys not supported');
    // With an auto seal the root key is the seal's; Vault's barrier rekey there (shares forced to 1) is not offered.
    if (!this.recovery && !c.shamir) throw badRequest('rekeying the root key is not supported with an auto seal; rekey the recovery keys with sys/rekey-recovery-key');
    return c;
  }

  async status(): Promise<RekeyStatus> {
    const { threshold } = await this.current();
    const a = this.attempt;
    if (a === null) return { nonce: '', started: false, t: 0, n: 0, progress: 0, required: threshold, pgp_fingerprints: null, backup: false, verification_required: false };
    return {
      nonce: a.collector.nonce,
      started: true,
      t: a.req.threshold,
      n: a.req.shares,
      progress: a.collector.progress,
      required: threshold,
      pgp_fingerprints: a.fingerprints,
      backup: a.req.backup,
      verification_required: a.req.requireVerification,
      ...(a.pending ? { verification_nonce: a.pending.collector.nonce } : {}),
    };
  }

  async init(req: RekeyRequest): Promise<RekeyStatus> {
    await this.checkTarget();
    if (req.threshold > req.shares) throw badRequest('provided threshold greater than the total shares');
    validateSealParams(req.shares, req.threshold, this.recovery ? 'recovery' : 'rekey seal');
    if (this.attempt !== null) throw badRequest('rekey already in progress');
    const fingerprints = req.pgpKeys.length > 0 ? req.pgpKeys.map((k) => pgpFingerprint(k)) : null;
    this.attempt = { req, created: Date.now(), fingerprints, collector: new ShareCollector('rekey', 'given key has already been provided during this generation operation'), pending: null };
    return this.status();
  }

  /**
   * As Vault since its unauthenticated-cancel fix: within ten minutes of the start only a
   * caller giving the attempt's nonce may cancel it; after that (an abandoned attempt) anyone.
   */
  cancel(nonce: string, now = Date.now()): void {
    const a = this.attempt;
    if (a === null) return;
    if (nonce !== a.collector.nonce && now - a.created < CANCEL_WITHOUT_NONCE_MS) throw badRequest('invalid request');
    this.reset();
  }

  /** Drops the attempt unconditionally (the node is sealing), zeroing what it held. */
  reset(): void {
    const a = this.attempt;
    if (a === null) return;
    a.collector.clear();
    this.dropPending(a);
    this.attempt = null;
  }

  /** One current share; at the threshold the new shares (a RekeyResult), before it the status. */
  async update(key: string, nonce: string): Promise<RekeyStatus | RekeyResult> {
    const { shares, threshold } = await this.checkTarget();
    const a = this.attempt;
    if (a === null) throw badRequest(this.recovery ? 'no recovery rekey in progress' : 'no barrier rekey in progress');
    if (a.pending) throw badRequest(`rekey operation already finished; verification must be performed; nonce for the verification operation is ${JSON.stringify(a.pending.collector.nonce)}`);
    const share = decodeKey(key, shares === 1 ? UNSEAL_KEY_BYTES : SHARE_BYTES);
    const collected = a.collector.add(share, nonce, threshold);
    if (collected === null) return this.status();
    const fail = this.recovery ? 'recovery key verification failed: the submitted recovery key shares do not reconstruct the recovery key' : 'root key verification failed: cipher: message authentication failed';
    let opened: { secret: Buffer; rootKey: Buffer };
    try {
      opened = await this.seal.openWithShares(collected, fail);
    } finally {
      zeroize(...collected);
    }
    zeroize(opened.secret);
    const newSecret = randomBytes(UNSEAL_KEY_BYTES);
    const parts = await splitKey(newSecret, a.req.shares, a.req.threshold);
    let result: RekeyResult;
    try {
      result = await this.render(a, parts);
    } finally {
      zeroize(...parts);
    }
    if (a.req.backup && a.fingerprints) await this.writeBackup(a, result.keys);
    if (a.req.requireVerification) {
      a.pending = { secret: newSecret, rootKey: opened.rootKey, collector: new ShareCollector('verify', 'given key has already been provided during this verify operation') };
      return { ...result, verification_required: true, verification_nonce: a.pending.collector.nonce };
    }
    try {
      await this.seal.replaceSecret(newSecret, a.req.shares, a.req.threshold, opened.rootKey);
    } finally {
      zeroize(newSecret, opened.rootKey);
    }
    this.attempt = null;
    return result;
  }

  verifyStatus(): VerifyStatus {
    const a = this.attempt;
    if (a === null) throw badRequest('no rekey in progress');
    if (a.pending === null) throw badRequest('no rekey verification in progress');
    return { nonce: a.pending.collector.nonce, started: true, t: a.req.threshold, n: a.req.shares, progress: a.pending.collector.progress };
  }

  /** Starts the verification over with a fresh nonce (the rekey itself stays). */
  verifyCancel(): VerifyStatus {
    const a = this.attempt;
    if (a === null) throw badRequest('no rekey in progress');
    if (a.pending === null) throw badRequest('no rekey verification in progress');
    a.pending.collector.clear();
    a.pending.collector = new ShareCollector('verify', 'given key has already been provided during this verify operation');
    return this.verifyStatus();
  }

  /** One new share; at the new threshold the new key takes effect. */
  async verify(key: string, nonce: string): Promise<{ nonce: string; complete: boolean }> {
    const a = this.attempt;
    if (a === null) throw badRequest('no rekey in progress');
    const p = a.pending;
    if (p === null) throw badRequest('no rekey verification in progress');
    const share = decodeKey(key, a.req.shares === 1 ? UNSEAL_KEY_BYTES : SHARE_BYTES);
    const collected = p.collector.add(share, nonce, a.req.threshold);
    if (collected === null) return { nonce: p.collector.nonce, complete: false };
    let rebuilt: Buffer | undefined;
    try {
      rebuilt = await combineShares(collected).catch(() => undefined);
      if (rebuilt === undefined || rebuilt.length !== p.secret.length || !timingSafeEqual(rebuilt, p.secret)) {
        // As Vault: a failed verification starts over under a new nonce.
        p.collector = new ShareCollector('verify', 'given key has already been provided during this verify operation');
        throw badRequest('rekey verification failed; incorrect key shares supplied');
      }
    } finally {
      zeroize(rebuilt, ...collected);
    }
    await this.seal.replaceSecret(p.secret, a.req.shares, a.req.threshold, p.rootKey);
    const done = p.collector.nonce;
    this.dropPending(a);
    this.attempt = null;
    return { nonce: done, complete: true };
  }

  private dropPending(a: Attempt): void {
    if (!a.pending) return;
    a.pending.collector.clear();
    zeroize(a.pending.secret, a.pending.rootKey);
    a.pending = null;
  }

  /** Hex and base64 of each share, or of its OpenPGP message (whose plaintext is the share's hex, as Vault). */
  private async render(a: Attempt, parts: Buffer[]): Promise<RekeyResult> {
    let out: Buffer[] = parts;
    if (a.req.pgpKeys.length > 0) out = await Promise.all(parts.map((s, i) => pgpEncrypt(a.req.pgpKeys[i]!, Buffer.from(s.toString('hex'), 'utf8'))));
    return {
      nonce: a.collector.nonce,
      complete: true,
      keys: out.map((k) => k.toString('hex')),
      keys_base64: out.map((k) => k.toString('base64')),
      pgp_fingerprints: a.fingerprints,
      backup: a.req.backup,
      verification_required: false,
    };
  }

  private async writeBackup(a: Attempt, hexKeys: string[]): Promise<void> {
    const keys: Record<string, string[]> = {};
    a.fingerprints!.forEach((fp, i) => (keys[fp] ??= []).push(hexKeys[i]!));
    const path = this.recovery ? RECOVERY_BACKUP_PATH : BARRIER_BACKUP_PATH;
    await this.physical.put(path, Buffer.from(JSON.stringify({ Nonce: a.collector.nonce, Keys: keys }), 'utf8'));
  }
}

/** What sys/rekey/backup serves: the stored backup, or null. */
export async function readRekeyBackup(physical: PhysicalBackend, recovery: boolean): Promise<{ nonce: string; keys: Record<string, string[]> } | null> {
  const raw = await physical.get(recovery ? RECOVERY_BACKUP_PATH : BARRIER_BACKUP_PATH);
  if (raw === null) return null;
  const parsed = JSON.parse(raw.toString('utf8')) as { Nonce?: unknown; Keys?: unknown }; // written by writeBackup above
  return { nonce: typeof parsed.Nonce === 'string' ? parsed.Nonce : '', keys: (parsed.Keys ?? {}) as Record<string, string[]> };
}

export async function deleteRekeyBackup(physical: PhysicalBackend, recovery: boolean): Promise<void> {
  await physical.delete(recovery ? RECOVERY_BACKUP_PATH : BARRIER_BACKUP_PATH);
}
