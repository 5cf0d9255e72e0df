/**
 * A named transit key ("policy" in Vault's vocabulary): its settings and every key
 * version. `StoredPolicy` is the JSON kept in the mount's storage (the barrier encrypts
 * it at rest); `Policy` is the parsed, immutable form the keyring caches. Changes are
 * made on a copy of the stored form and re-parsed, so a cached Policy never mutates
 * under a concurrent reader.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { rfc3339 } from '../../lib/clock.js';
import { generatePrivateKeyPem, keyDisplayName, publicKeyString } from './crypto-asymmetric.js';
import { HMAC_SUBKEY_BYTES, KEY_TYPE_INFO, type KeyType, type KeyTypeInfo } from './key-types.js';

export interface StoredVersion {
  creation_time: string;
  /** Unix seconds of creation_time. */
  time: number;
  /** Base64 symmetric key (AEAD types, and the HMAC key of `hmac` keys). */
  key?: string;
  /** Base64 key behind transit/hmac for every key type. */
  hmac_key: string;
  /** PKCS#8 PEM (asymmetric types). */
  private_key?: string;
}

export interface StoredPolicy {
  name: string;
  type: KeyType;
  derived: boolean;
  convergent_encryption: boolean;
  exportable: boolean;
  allow_plaintext_backup: boolean;
  deletion_allowed: boolean;
  min_decryption_version: number;
  min_encryption_version: number;
  min_available_version: number;
  latest_version: number;
  /** Seconds; 0 disables automatic rotation. */
  auto_rotate_period: number;
  /** HMAC key length in bytes (type `hmac` only). */
  key_size: number;
  keys: Record<string, StoredVersion>;
  /** When the key was last backed up, and its latest version then (Vault's backup_info). */
  backup_info?: OperationInfo;
  /** When the key was restored from a backup, and the backup's latest version. */
  restore_info?: OperationInfo;
}

export interface OperationInfo {
  time: string;
  version: number;
}

export interface KeyVersion {
  version: number;
  creationTime: string;
  time: number;
  key: Buffer | null;
  hmacKey: Buffer;
  privateKey: KeyObject | null;
  publicKey: KeyObject | null;
}

export const KDF = 'hkdf_sha256';
/** Ward's convergent scheme: nonce = HMAC(derived key, context ‖ plaintext). */
export const CONVERGENT_VERSION = 3;

export class Policy {
  readonly versions = new Map<number, KeyVersion>();
  readonly info: KeyTypeInfo;

  constructor(readonly stored: Readonly<StoredPolicy>) {
    this.info = KEY_TYPE_INFO[stored.type];
    for (const [n, v] of Object.entries(stored.keys)) {
      const privateKey = v.private_key ? createPrivateKey(v.private_key) : null;
      this.versions.set(Number(n), {
        version: Number(n),
        creationTime: v.creation_time,
        time: v.time,
        key: v.key === undefined ? null : Buffer.from(v.key, 'base64'),
        hmacKey: Buffer.from(v.hmac_key, 'base64'),
        privateKey,
        publicKey: privateKey ? createPublicKey(privateKey) : null,
      });
    }
  }

  get name(): string {
    return this.stored.name;
  }
  get type(): KeyType {
    return this.stored.type;
  }
  get latest(): number {
    return this.stored.latest_version;
  }

  /** The version a write-side operation (encrypt, sign, hmac) uses; 0 = latest. */
  useVersion(requested: number, what = 'encryption'): KeyVersion {
    const n = requested === 0 ? this.latest : requested;
    if (n < 0) throw badRequest(`requested version for ${what} must be positive`);
    if (n > this.latest) throw badRequest(`requested version for ${what} is higher than the latest key version`);
    if (n < this.stored.min_encryption_version) throw badRequest(`requested version for ${what} is less than the minimum encryption key version`);
    // Output made with a version below min_decryption_version could never be read back.
    if (n < this.stored.min_decryption_version) throw badRequest(`requested version for ${what} is less than the minimum decryption key version`);
    return this.existing(n);
  }

  /** The version a read-side operation (decrypt, verify) may use; checks policy bounds. */
  openVersion(n: number, kind: 'ciphertext' | 'signature' | 'hmac'): KeyVersion {
    if (n > this.latest) throw badRequest(`invalid ${kind}: version is too new`);
    if (n < this.stored.min_decryption_version) throw badRequest('ciphertext or signature version is disallowed by policy (too old)');
    return this.existing(n);
  }

  existing(n: number): KeyVersion {
    const v = this.versions.get(n);
    if (!v) throw badRequest(`key version ${n} has been trimmed or does not exist`);
    return v;
  }
}

/** Fresh material for one version of a key of `type`. */
export async function newVersion(type: KeyType, keySize: number, nowMs: number): Promise<StoredVersion> {
  const info = KEY_TYPE_INFO[type];
  const v: StoredVersion = { creation_time: rfc3339(nowMs), time: Math.floor(nowMs / 1000), hmac_key: randomBytes(HMAC_SUBKEY_BYTES).toString('base64') };
  if (info.family === 'aead') v.key = randomBytes(info.keyBytes ?? 32).toString('base64');
  else if (info.family === 'hmac') {
    v.key = randomBytes(keySize).toString('base64');
    v.hmac_key = v.key;
  } else v.private_key = await generatePrivateKeyPem(type);
  return v;
}

export interface NewPolicyOptions {
  name: string;
  type: KeyType;
  derived: boolean;
  convergent: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  autoRotatePeriod: number;
  keySize: number;
}

export async function newStoredPolicy(o: NewPolicyOptions, nowMs: number): Promise<StoredPolicy> {
  return {
    name: o.name,
    type: o.type,
    derived: o.derived,
    convergent_encryption: o.convergent,
    exportable: o.exportable,
    allow_plaintext_backup: o.allowPlaintextBackup,
    deletion_allowed: false,
    min_decryption_version: 1,
    min_encryption_version: 0,
    min_available_version: 0,
    latest_version: 1,
    auto_rotate_period: o.autoRotatePeriod,
    key_size: o.type === 'hmac' ? o.keySize : 0,
    keys: { '1': await newVersion(o.type, o.keySize, nowMs) },
  };
}

/** Adds version latest+1 to a copy of `s`. */
export async function rotated(s: Readonly<StoredPolicy>, nowMs: number): Promise<StoredPolicy> {
  const next = s.latest_version + 1;
  const v = await newVersion(s.type, s.key_size || 32, nowMs);
  return { ...s, latest_version: next, keys: { ...s.keys, [String(next)]: v } };
}

/** True when auto-rotation is on and the latest version is older than the period. */
export function rotationDue(p: Policy, nowMs: number): boolean {
  const period = p.stored.auto_rotate_period;
  if (period <= 0) return false;
  const latest = p.versions.get(p.latest);
  return latest !== undefined && nowMs / 1000 - latest.time >= period;
}

/** The key info body of `GET keys/:name` (and of writes that answer with it). */
export function keyInfo(p: Policy): Record<string, unknown> {
  const s = p.stored;
  const keys: Record<string, unknown> = {};
  for (const [n, v] of [...p.versions.entries()].sort((a, b) => a[0] - b[0])) {
    keys[String(n)] = v.publicKey
      ? { creation_time: v.creationTime, name: keyDisplayName(s.type), public_key: publicKeyString(s.type, v.publicKey) }
      : v.time;
  }
  const out: Record<string, unknown> = {
    name: s.name,
    type: s.type,
    keys,
    latest_version: s.latest_version,
    min_available_version: s.min_available_version,
    min_decryption_version: s.min_decryption_version,
    min_encryption_version: s.min_encryption_version,
    deletion_allowed: s.deletion_allowed,
    derived: s.derived,
    exportable: s.exportable,
    allow_plaintext_backup: s.allow_plaintext_backup,
    auto_rotate_period: s.auto_rotate_period,
    imported_key: false,
    supports_encryption: p.info.supportsEncryption,
    supports_decryption: p.info.supportsDecryption,
    supports_derivation: p.info.supportsDerivation,
    supports_signing: p.info.supportsSigning,
  };
  if (s.type === 'hmac') out.key_size = s.key_size;
  if (s.backup_info) out.backup_info = { ...s.backup_info };
  if (s.restore_info) out.restore_info = { ...s.restore_info };
  if (s.derived) {
    out.kdf = KDF;
    out.convergent_encryption = s.convergent_encryption;
    if (s.convergent_encryption) out.convergent_encryption_version = CONVERGENT_VERSION;
  }
  return out;
}
