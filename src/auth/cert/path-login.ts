/**
 * `login` (optional `name` to try one entry) and the renewal of the tokens it issues.
 * The alias is the certificate's common name; metadata as Vault's (cert_name,
 * common_name, serial_number, subject/authority key ids, allowed metadata extensions).
 * Renewal presents a certificate again unless `config` disables binding.
 */
import { ipInCidrs } from '../../lib/cidr.js';
import type { Clock } from '../../lib/clock.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { AuthView, LogicalRequest, RenewResult } from '../../sdk/logical.js';
import { equivalentPolicies, toAuthSpec } from '../token-fields.js';
import { extensionMetadata } from './constraints.js';
import { hexColons } from './parsed-cert.js';
import { readCert, readConfig } from './store.js';
import { verifyCredentials } from './verify.js';

export function loginPaths(clock: Clock): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'login',
      fields: { name: field.string({ description: 'The name of the certificate entry to authenticate against' }) },
      synopsis: 'Log in with the TLS client certificate of the connection',
      // The certificate entry the presented certificate matches (Vault verifies it to resolve the role too).
      resolveRole: async (req, d) => (await verifyCredentials(req, d.get('name').toLowerCase(), new Date(clock.now()))).entry.name,
      operations: {
        update: async (req, d) => {
          const config = await readConfig(req.storage);
          const { entry, leaf } = await verifyCredentials(req, d.get('name').toLowerCase(), new Date(clock.now()));
          if (entry.token.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, entry.token.tokenBoundCidrs)) throw permissionDenied();
          const metadata: Record<string, string> = {
            cert_name: entry.name,
            common_name: leaf.commonName,
            serial_number: leaf.serialDecimal,
            subject_key_id: hexColons(leaf.subjectKeyId),
            authority_key_id: hexColons(leaf.authorityKeyId),
            ...extensionMetadata(entry.allowedMetadataExtensions, leaf),
          };
          return {
            auth: toAuthSpec(entry.token, {
              displayName: entry.displayName,
              metadata,
              internalData: { subject_key_id: leaf.subjectKeyId.toString('base64'), authority_key_id: leaf.authorityKeyId.toString('base64') },
              alias: config.enableIdentityAliasMetadata ? { name: leaf.commonName, metadata: { ...metadata } } : { name: leaf.commonName },
            }),
          };
        },
      },
    }),
  ];
}

/** Renewal: the certificate again (same subject or authority key id, as Vault compares), the entry still there with the same policies. */
export async function renewAuth(req: LogicalRequest, auth: AuthView, clock: Clock): Promise<RenewResult> {
  const config = await readConfig(req.storage);
  const certName = auth.metadata.cert_name ?? '';
  if (!config.disableBinding) {
    const { leaf } = await verifyCredentials(req, certName, new Date(clock.now()));
    const skid = leaf.subjectKeyId.toString('base64');
    const akid = leaf.authorityKeyId.toString('base64');
    if (auth.internalData.subject_key_id !== skid && auth.internalData.authority_key_id !== akid) {
      throw badRequest('client identity during renewal not matching client identity used during login');
    }
  }
  const entry = await readCert(req.storage, certName);
  if (!entry) throw badRequest('certificate entry no longer exists, not renewing');
  if (!equivalentPolicies(entry.token.tokenPolicies, auth.policies)) throw badRequest('policies have changed, not renewing');
  return { ttl: entry.token.tokenTtl, maxTtl: entry.token.tokenMaxTtl };
}
