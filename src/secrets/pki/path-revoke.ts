/** `revoke`: puts a stored certificate on its issuer's CRL. */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { revokeSerial } from './crl.js';

export function revokePaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'revoke',
      fields: { serial_number: field.string({ required: true, description: 'Serial of the certificate to revoke (colon or hyphen form).' }) },
      synopsis: 'Revoke a certificate and rebuild the CRL.',
      operations: {
        async update(req, d) {
          const { revocationTime, warnings } = await revokeSerial(req.storage, d.get('serial_number'));
          return {
            data: { revocation_time: revocationTime, revocation_time_rfc3339: new Date(revocationTime * 1000).toISOString(), state: 'revoked' },
            ...(warnings.length > 0 ? { warnings } : {}),
          };
        },
      },
    }),
  ];
}
