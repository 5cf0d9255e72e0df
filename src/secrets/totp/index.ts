/**
 * The `totp` secrets engine: Ward as a TOTP generator (keys made here, shown once as an
 * otpauth URL) or as a TOTP provider (imported keys, codes validated with skew and
 * replay protection). RFC 6238 over node:crypto.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendFactory } from '../../sdk/logical.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { codePaths, UsedCodes } from './path-code.js';
import { keyPaths } from './path-keys.js';

export interface TotpOptions {
  /** Time source for codes and the used-code window; tests inject a fake. */
  clock?: Clock;
}

export function totpBackend(opts: TotpOptions = {}): Backend {
  const clock = opts.clock ?? systemClock;
  const used = new UsedCodes(clock);
  return defineBackend({
    type: 'totp',
    kind: 'secret',
    paths: [...keyPaths(), ...codePaths(clock, used)],
    cleanup: async () => used.clear(),
    help: 'The TOTP secrets engine generates and validates time-based one-time passwords.',
  });
}

export const totpFactory: BackendFactory = async () => totpBackend();
