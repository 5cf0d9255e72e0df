/**
 * Pieces of sys/init that need none of the core's state: the HA lock an initialisation
 * holds, and the answer built from the new key shares.
 */
import { WardError } from '../sdk/errors.js';
import { uuid } from '../lib/ids.js';
import type { HaBackend, HeldLock } from '../storage/physical.js';
import type { InitResult } from './api-types.js';
import { LOCK_KEY } from './ha/ha-manager.js';
import { INIT_LOCK_WAIT_MS } from './core-options.js';

/** The HA lock for the length of an initialisation (null without HA). */
export async function lockForInit(backend: HaBackend | undefined): Promise<HeldLock | null> {
  if (backend === undefined) return null;
  try {
    return await backend.lock(LOCK_KEY, `initializing-${uuid()}`).acquire(AbortSignal.timeout(INIT_LOCK_WAIT_MS));
  } catch (e) {
    throw new WardError('internal', [`cannot initialize: the HA lock is not available (${e instanceof Error ? e.message : String(e)})`]);
  }
}

/** sys/init's answer: the shares in hex and base64; recovery shares only under an auto seal. */
export function initAnswer(keys: Buffer[], recoveryKeys: Buffer[], rootToken: string, sealType: string): InitResult {
  return {
    keys: keys.map((k) => k.toString('hex')),
    keys_base64: keys.map((k) => k.toString('base64')),
    root_token: rootToken,
    ...(sealType !== 'shamir'
      ? { recovery_keys: recoveryKeys.map((k) => k.toString('hex')), recovery_keys_base64: recoveryKeys.map((k) => k.toString('base64')) }
      : {}),
  };
}
