/**
 * The `pki` secrets engine: a root or intermediate CA per mount that issues X.509
 * certificates against roles, revokes them and publishes a CRL. CA private keys stay in
 * mount storage; they leave only once, from `root|intermediate/generate/exported`.
 */
import { WardError } from '../../sdk/errors.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, BackendConfig, BackendFactory, SecretType } from '../../sdk/logical.js';
import { revokeSerial } from './crl.js';
import type { PkiContext } from './issuance.js';
import { CRL_UNAUTHENTICATED_PATHS, crlPaths } from './path-crl.js';
import { fetchPaths, UNAUTHENTICATED_PATHS } from './path-fetch.js';
import { OCSP_UNAUTHENTICATED_PATHS, ocspPaths } from './path-ocsp.js';
import { intermediatePaths } from './path-intermediate.js';
import { configIssuerPaths } from './path-config-issuers.js';
import { importPaths } from './path-import.js';
import { issuerRevokePaths } from './path-issuer-revoke.js';
import { CERT_SECRET_TYPE, issuePaths } from './path-issue.js';
import { ISSUER_UNAUTHENTICATED_PATHS, issuerPaths } from './path-issuers.js';
import { keyPaths } from './path-keys.js';
import { revokePaths } from './path-revoke.js';
import { tidyPaths } from './path-tidy.js';
import { DEFAULT_TICK_MS, Periodic } from './periodic.js';
import { Tidier } from './tidy.js';
import { rolePaths } from './path-roles.js';
import { rootPaths } from './path-root.js';
import { selfIssuedPaths } from './path-self-issued.js';
import { verbatimPaths } from './path-verbatim.js';

/** Lease revocation revokes the certificate; a certificate already gone is not an error. */
const certSecret: SecretType = {
  async revoke(req, lease) {
    const serial = lease.internalData.serial_number;
    if (typeof serial !== 'string') return;
    try {
      await revokeSerial(req.storage, serial);
    } catch (e) {
      if (!(WardError.is(e) && e.status === 400)) throw e;
    }
  },
};

/** `tickMs`: how often the periodic work (auto-tidy, CRL auto-rebuild) runs; tests shorten it. */
export function pkiBackend(
  config: Pick<BackendConfig, 'system' | 'logger'> & Partial<Pick<BackendConfig, 'storage'>>,
  opts: { tickMs?: number } = {},
): Backend & { tidier: Tidier; periodic: { readonly active: boolean } } {
  const ctx: PkiContext = { system: config.system, logger: config.logger };
  const tidier = new Tidier(config.logger);
  // Without the mount's storage (some unit tests) there is nothing to run periodically.
  const periodic = config.storage ? new Periodic(config.storage, tidier, config.system, config.logger) : null;
  const backend = defineBackend({
    type: 'pki',
    kind: 'secret',
    // The issuer-scoped CRL fetches come before issuer/:ref so the more specific pattern is listed first.
    paths: [
      ...rootPaths(ctx),
      ...intermediatePaths(),
      ...issuePaths(ctx),
      ...rolePaths(),
      ...revokePaths(),
      ...tidyPaths(tidier),
      ...fetchPaths(),
      ...crlPaths(),
      ...ocspPaths(config.logger),
      ...issuerPaths(),
      ...configIssuerPaths(),
      ...keyPaths(),
      ...importPaths(),
      ...verbatimPaths(ctx),
      ...selfIssuedPaths(),
      ...issuerRevokePaths(),
    ],
    specialPaths: { unauthenticated: [...UNAUTHENTICATED_PATHS, ...CRL_UNAUTHENTICATED_PATHS, ...OCSP_UNAUTHENTICATED_PATHS, ...ISSUER_UNAUTHENTICATED_PATHS] },
    secretTypes: { [CERT_SECRET_TYPE]: certSecret },
    cleanup: async () => {
      await periodic?.stop();
      tidier.cancelIfRunning();
      await tidier.running;
    },
    help: 'The PKI secrets engine issues X.509 certificates from a root or intermediate CA.',
  });
  periodic?.start(opts.tickMs ?? DEFAULT_TICK_MS);
  return Object.assign(backend, { tidier, periodic: { get active() { return periodic?.active ?? false; } } });
}

export const pkiFactory: BackendFactory = async (config) => pkiBackend(config);
