/**
 * User lockout shared by the password-like auth methods (userpass, AppRole), plus the
 * small pieces of login machinery they both need: a per-key mutex and a credential field
 * that never echoes its value in an error.
 *
 * State lives in the backend's own storage under `lockout/<alias>` (the alias
 * URI-encoded, since a custom role_id may contain "/"), so it is encrypted by the
 * barrier, survives restarts and disappears with the mount.
 */
import { createHash } from 'node:crypto';
import type { UserLockoutConfig } from '../sdk/logical.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { isWellFormed, toWellFormed } from '../lib/unicode.js';
import { badRequest, WardError } from '../sdk/errors.js';
import type { FieldSpec } from '../sdk/framework/fields.js';
import type { LockedUser } from '../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../sdk/storage.js';

/** Vault's user-lockout knobs; durations in seconds. */
export interface LockoutConfig {
  threshold: number;
  durationSec: number;
  counterResetSec: number;
  disabled: boolean;
}

/** Vault's defaults: 5 failures, locked 15 minutes, counter forgotten after 15 quiet minutes. */
export const DEFAULT_LOCKOUT: LockoutConfig = { threshold: 5, durationSec: 900, counterResetSec: 900, disabled: false };

interface Entry {
  alias: string;
  count: number;
  lastFailure: number; // epoch ms
}

const PREFIX = 'lockout/';
/** Longer aliases are keyed by their hash, so a key stays short whatever a login sends. */
const MAX_PLAIN_KEY = 256;

/**
 * The storage key of an alias; total over any string. An ordinary alias keeps its
 * URI-encoded form (state written before stays valid). One encodeURIComponent cannot
 * take (an unpaired surrogate) or one too long for a sensible key is keyed by the
 * SHA-256 of its well-formed text, after "#", which encodeURIComponent never emits.
 */
function keyOf(alias: string): string {
  if (isWellFormed(alias)) {
    const plain = encodeURIComponent(alias);
    if (plain.length <= MAX_PLAIN_KEY) return PREFIX + plain;
  }
  return `${PREFIX}#${createHash('sha256').update(toWellFormed(alias), 'utf8').digest('hex')}`;
}

/**
 * The answer for every login attempt while locked, whatever the credentials: Vault's
 * 400 "permission denied". Because it does not depend on the password, a locked account
 * cannot be used to test guesses, and unknown names lock the same way as real ones.
 */
export const lockedOutError = (): WardError => new WardError('permission_denied', ['permission denied'], { status: 400 });

/** Serialises async work per key, so read-modify-write of one counter or secret cannot race. */
import { KeyedMutex } from '../lib/keyed-mutex.js';

export { KeyedMutex };

/**
 * A string field for secrets (passwords, secret IDs). The framework's generic conversion
 * error quotes the raw input; this one never does, so a mistyped secret cannot leak
 * into an error body or a log line.
 */
export function credentialField(description: string, required = false): FieldSpec<string> {
  return {
    kind: 'string',
    description,
    default: '',
    required,
    sensitive: true,
    parse(raw: unknown): string {
      if (typeof raw === 'string') {
        if (!isWellFormed(raw)) throw badRequest('invalid credential: expected a valid UTF-8 string');
        return raw;
      }
      if (typeof raw === 'number') return String(raw);
      throw badRequest('invalid credential: expected a string');
    },
  };
}

/** Failed-login counting and lockout for one mount. */
export class Lockout {
  private readonly mutex = new KeyedMutex();

  /** `settings` may be a getter: the mount's tuned values are read at each check. */
  constructor(
    private readonly storage: Storage,
    private readonly settings: LockoutConfig | (() => LockoutConfig) = DEFAULT_LOCKOUT,
    private readonly clock: Clock = systemClock,
  ) {}

  private get config(): LockoutConfig {
    return typeof this.settings === 'function' ? this.settings() : this.settings;
  }

  /** True while `alias` is locked. An expired lock is cleared on the way. */
  async isLocked(alias: string): Promise<boolean> {
    if (this.config.disabled) return false;
    const e = await getJSON<Entry>(this.storage, keyOf(alias));
    if (!e) return false;
    if (this.lockedNow(e)) return true;
    if (e.count >= this.config.threshold) await this.storage.delete(keyOf(alias));
    return false;
  }

  /** Counts one bad-credential failure. */
  async recordFailure(alias: string): Promise<void> {
    if (this.config.disabled) return;
    await this.mutex.run(alias, async () => {
      const now = this.clock.now();
      // The alias is kept as Go would see it (U+FFFD for an unpaired surrogate): a record holds valid text only.
      const e = (await getJSON<Entry>(this.storage, keyOf(alias))) ?? { alias: toWellFormed(alias), count: 0, lastFailure: now };
      // Failures spread out wider than the reset window do not add up to a lockout.
      if (now - e.lastFailure > this.config.counterResetSec * 1000) e.count = 0;
      e.count += 1;
      e.lastFailure = now;
      await putJSON(this.storage, keyOf(alias), e);
    });
  }

  /** A successful login forgets earlier failures. */
  async recordSuccess(alias: string): Promise<void> {
    if (this.config.disabled) return;
    await this.mutex.run(alias, async () => {
      if ((await this.storage.get(keyOf(alias))) !== null) await this.storage.delete(keyOf(alias));
    });
  }

  /** Aliases locked right now, for `sys/locked-users`. */
  async lockedUsers(): Promise<LockedUser[]> {
    if (this.config.disabled) return [];
    const out: LockedUser[] = [];
    for (const k of await this.storage.list(PREFIX)) {
      if (k.endsWith('/')) continue;
      const e = await getJSON<Entry>(this.storage, PREFIX + k);
      if (e && this.lockedNow(e)) out.push({ alias: e.alias, failedLoginAttempts: e.count, lastFailedLoginTime: e.lastFailure });
    }
    return out.sort((a, b) => a.alias.localeCompare(b.alias));
  }

  /** Clears the lockout of `alias`; false when it was not locked. */
  async unlock(alias: string): Promise<boolean> {
    return this.mutex.run(alias, async () => {
      const e = await getJSON<Entry>(this.storage, keyOf(alias));
      if (!e) return false;
      await this.storage.delete(keyOf(alias));
      return this.lockedNow(e);
    });
  }

  private lockedNow(e: Entry): boolean {
    return e.count >= this.config.threshold && this.clock.now() - e.lastFailure < this.config.durationSec * 1000;
  }
}

/** Lockout settings from the environment: `VAULT_DISABLE_USER_LOCKOUT=true` turns it off, as in Vault. */
/**
 * Defaults, overridden by the mount's tuned `user_lockout_config`; the environment switch
 * VAULT_DISABLE_USER_LOCKOUT disables lockout whatever the mount says.
 */
export function mountLockout(tuned: () => UserLockoutConfig | undefined, env: NodeJS.ProcessEnv = process.env): () => LockoutConfig {
  return () => {
    const t = tuned() ?? {};
    const c: LockoutConfig = { ...DEFAULT_LOCKOUT };
    if (t.threshold !== undefined) c.threshold = t.threshold;
    if (t.durationSec !== undefined) c.durationSec = t.durationSec;
    if (t.counterResetSec !== undefined) c.counterResetSec = t.counterResetSec;
    c.disabled = lockoutFromEnv(env).disabled || t.disabled === true;
    return c;
  };
}

export function lockoutFromEnv(env: NodeJS.ProcessEnv = process.env): LockoutConfig {
  const v = (env.VAULT_DISABLE_USER_LOCKOUT ?? '').toLowerCase();
  return { ...DEFAULT_LOCKOUT, disabled: v === 'true' || v === '1' };
}
