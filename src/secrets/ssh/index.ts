/**
 * The `ssh` secrets engine: in CA mode the mount holds a signing key and signs user and
 * host public keys into OpenSSH certificates against roles; OTP roles issue one-time
 * passwords that the host's vault-ssh-helper checks at `verify` (path-otp.ts). Vault's
 * removed dynamic-key roles are refused, as Vault refuses them.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory } from '../../sdk/logical.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { caPaths } from './path-ca.js';
import { OTP_SECRET_TYPE, otpPaths, otpSecretType } from './path-otp.js';
import { rolePaths } from './path-roles.js';
import { signPaths } from './path-sign.js';

export interface SshOptions {
  /** Time source for certificate validity; tests inject a fake. */
  clock?: Clock;
}

export function sshBackend(config: Pick<BackendConfig, 'system'>, opts: SshOptions = {}): Backend {
  const system = () => ({ defaultTtl: config.system.defaultLeaseTtl(), maxTtl: config.system.maxLeaseTtl() });
  return defineBackend({
    type: 'ssh',
    kind: 'secret',
    paths: [...caPaths(), ...rolePaths(), ...signPaths(opts.clock ?? systemClock, system), ...otpPaths()],
    // sshd hosts fetch the CA key without a token (TrustedUserCAKeys provisioning); vault-ssh-helper verifies OTPs without one.
    specialPaths: { unauthenticated: ['verify', 'public_key'] },
    secretTypes: { [OTP_SECRET_TYPE]: otpSecretType },
    help: 'The SSH secrets engine signs SSH user and host keys into OpenSSH certificates and issues one-time passwords for OTP roles.',
  });
}

export const sshFactory: BackendFactory = async (config) => sshBackend(config);
