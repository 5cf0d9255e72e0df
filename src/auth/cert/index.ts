/**
 * The TLS certificate auth method (`cert`): a client logs in with the certificate it
 * presented on the TLS connection, verified against the trusted certificates of the
 * `certs/` entries (not the listener's client CA), checked against `crls/`.
 */
import { systemClock, type Clock } from '../../lib/clock.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory } from '../../sdk/logical.js';
import { certPaths } from './path-certs.js';
import { configPaths } from './path-config.js';
import { crlPaths } from './path-crls.js';
import { loginPaths, renewAuth } from './path-login.js';

export interface CertAuthOptions {
  /** Time against which certificate validity is checked; tests move it. */
  clock?: Clock;
}

export function createCertBackend(_config: BackendConfig, o: CertAuthOptions = {}): Backend {
  const clock = o.clock ?? systemClock;
  return defineBackend({
    type: 'cert',
    kind: 'auth',
    paths: [...certPaths(), ...crlPaths(), ...configPaths(), ...loginPaths(clock)],
    specialPaths: { unauthenticated: ['login'] },
    help: 'The TLS certificate auth method: log in with a client certificate.',
    renewAuth: (req, auth) => renewAuth(req, auth, clock),
  });
}

/** Registered as `cert` in the builtin registry. */
export const certAuthFactory: BackendFactory = async (config) => createCertBackend(config);
