/**
 * `issuer/:ref/revoke`: revoke an issuer. It loses issuing-certificates for good; when its
 * parent is in this mount (its certificate is stored here), it lands on the parent's CRL.
 */
import { X509Certificate } from 'node:crypto';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { issuedBy } from './chain.js';
import { crlAfterRevocation } from './crl.js';
import { serialKey, unix } from './format.js';
import { issuerData, ISSUER_REF } from './path-issuers.js';
import { locked, readIssuersConfig, resolveIssuer, usageOf } from './registry.js';
import { certPath, issuerPath, listIssuers, revokedPath, type CertRecord, type Issuer, type RevokedRecord } from './store.js';

async function revokeIssuer(s: Storage, ref: string): Promise<LogicalResponse> {
  const issuer = await resolveIssuer(s, ref);
  if (issuer.revoked) return { data: await issuerData(s, issuer) };
  const revocationTime = unix(Date.now());
  const next: Issuer = { ...issuer, revoked: true, revocationTime, usage: usageOf(issuer).filter((u) => u !== 'issuing-certificates') };
  await putJSON(s, issuerPath(issuer.id), next);

  // Signed by a parent in this mount: its record is stored, so it goes on that parent's CRL.
  const key = serialKey(issuer.serial);
  const rec = await getJSON<CertRecord>(s, certPath(key));
  const all = await listIssuers(s);
  if (rec && rec.certificate.trim() === issuer.certificate.trim()) {
    await putJSON(s, revokedPath(key), { ...rec, revocationTime } satisfies RevokedRecord);
    const parent = all.find((i) => i.id === rec.issuerId);
    await crlAfterRevocation(s, parent);
  }

  const warnings: string[] = [];
  const own = new X509Certificate(issuer.certificate);
  if (issuedBy(own, own)) {
    warnings.push(
      "This issuer is a self-signed (potentially root) certificate. This means it may not be considered revoked if there is not an external, cross-signed variant of this certificate. This issuer's serial number will not appear on its own CRL.",
    );
  }
  if (!all.some((i) => i.id !== issuer.id && issuedBy(own, new X509Certificate(i.certificate)))) {
    warnings.push(
      "This issuer lacks another parent issuer within the mount. This means it will not appear on any other CRLs and may not be considered revoked by clients. Consider adding this issuer to its issuer's CRL as well if it is not self-signed.",
    );
  }
  if ((await readIssuersConfig(s)).default === issuer.id) {
    warnings.push(
      'This issuer is currently configured as the default issuer for this mount; operations such as certificate issuance may not work until a new default issuer is selected.',
    );
  }
  return { data: await issuerData(s, next), warnings };
}

export function issuerRevokePaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: `issuer/${ISSUER_REF}/revoke`,
      fields: { issuer_ref: field.string({ required: true, description: 'Issuer to revoke.' }) },
      synopsis: 'Revoke an issuer; it can no longer sign certificates.',
      operations: { update: locked(async (req, d) => revokeIssuer(req.storage, d.get('issuer_ref'))) },
    }),
  ];
}
