/**
 * `sign-verbatim(/:role)` and `issuer/:ref/sign-verbatim(/:role)`: sign a CSR keeping its
 * subject and SANs as they are (no name policy). A role, when named, gives the TTLs,
 * no_store, generate_lease and (without an issuer in the path) the issuer.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import { readCsr } from './csr.js';
import { unix } from './format.js';
import { CERT_FORMATS, issuedData, signWithIssuer, type CertFormat, type PkiContext } from './issuance.js';
import { CERT_SECRET_TYPE } from './path-issue.js';
import { ISSUER_REF } from './path-issuers.js';
import { requireRole, type Role } from './path-roles.js';
import { issuerForSigning, lifetimeFor } from './signing.js';

/** Go's x509.ExtKeyUsage names as Vault accepts them (case-insensitive), to OIDs. */
const EKU_OIDS: Record<string, string> = {
  any: '2.5.29.37.0',
  serverauth: '1.3.6.1.5.5.7.3.1',
  clientauth: '1.3.6.1.5.5.7.3.2',
  codesigning: '1.3.6.1.5.5.7.3.3',
  emailprotection: '1.3.6.1.5.5.7.3.4',
  ipsecendsystem: '1.3.6.1.5.5.7.3.5',
  ipsectunnel: '1.3.6.1.5.5.7.3.6',
  ipsecuser: '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  ocspsigning: '1.3.6.1.5.5.7.3.9',
};

const OID = /^\d+(\.\d+)+$/;

/** Extended key usage OIDs from names and raw OIDs; unknown values are the caller's mistake. */
export function extKeyUsages(names: string[], oids: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const oid = EKU_OIDS[n.trim().toLowerCase()];
    if (!oid) throw badRequest(`unknown ext_key_usage value: ${n}`);
    out.push(oid);
  }
  for (const o of oids) {
    if (!OID.test(o.trim())) throw badRequest(`invalid ext_key_usage_oids value: ${o}`);
    out.push(o.trim());
  }
  return [...new Set(out)];
}

const baseFields = {
  csr: field.string({ required: true, description: 'PEM certificate signing request.' }),
  role: field.string({ description: 'Optional role for TTLs, no_store and generate_lease.' }),
  ttl: field.durationSecond({ description: 'Requested lifetime.' }),
  format: field.string({ default: 'pem', allowed: CERT_FORMATS, description: 'pem, der or pem_bundle.' }),
  ext_key_usage: field.commaStringSlice({ description: 'Extended key usages by name (ServerAuth, ClientAuth, …).' }),
  ext_key_usage_oids: field.commaStringSlice({ description: 'Extended key usages by OID.' }),
};

function verbatimPath(ctx: PkiContext, withIssuer: boolean): PathDef<Fields> {
  const fields = {
    ...baseFields,
    issuer_ref: field.string({ default: 'default', required: withIssuer, description: 'Issuer that signs (without a role).' }),
  };
  return definePath({
    pattern: `${withIssuer ? `issuer/${ISSUER_REF}/` : ''}sign-verbatim(?:/${genericName('role')})?`,
    fields,
    synopsis: 'Sign a CSR as it is, without checking its names against a role.',
    operations: {
      async update(req, d) {
        const s = req.storage;
        const csr = await readCsr(d.get('csr'));
        const role: Role | null = d.get('role') ? await requireRole(s, d.get('role')) : null;
        // The issuer in the path, else one given in the body, else the role's, else the default.
        const ref = withIssuer || d.has('issuer_ref') || !role ? d.get('issuer_ref') : role.issuer_ref;
        const issuer = await issuerForSigning(s, ref);
        const eku = extKeyUsages(d.get('ext_key_usage'), d.get('ext_key_usage_oids'));
        const now = Date.now();
        const { notAfter, warnings } = lifetimeFor(issuer, {
          now,
          requestedTtl: d.get('ttl'),
          defaultTtl: role?.ttl || ctx.system.defaultLeaseTtl(),
          maxTtl: role?.max_ttl || ctx.system.maxLeaseTtl(),
        });
        const { pem, serial } = await signWithIssuer(
          s,
          issuer,
          {
            subject: csr.subject,
            sans: csr.sans,
            publicKeyDer: csr.publicKeyDer,
            notBefore: new Date(now - (role?.not_before_duration ?? 30) * 1000),
            notAfter: new Date(notAfter),
            extKeyUsage: eku,
          },
          { noStore: role?.no_store ?? false },
        );
        const res: LogicalResponse = { data: issuedData(d.get('format') as CertFormat, { certificate: pem, serial, notAfter, issuer }) };
        if (warnings.length > 0) res.warnings = warnings;
        if (role?.generate_lease) {
          const ttl = Math.max(1, unix(notAfter) - unix(now));
          res.secret = { type: CERT_SECRET_TYPE, ttl, maxTtl: ttl, renewable: false, internalData: { serial_number: serial } };
        }
        return res;
      },
    },
  });
}

export function verbatimPaths(ctx: PkiContext): PathDef<Fields>[] {
  return [verbatimPath(ctx, false), verbatimPath(ctx, true)];
}
