/**
 * `issue/:role` (Ward generates the key) and `sign/:role` (the caller's CSR), and their
 * `issuer/:ref/…` forms that override the role's issuer. Both check names against the
 * role, cap the lifetime by the role, the mount and the CA, and can attach a lease that
 * revokes the certificate.
 */
import { createPublicKey } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalRequest, LogicalResponse } from '../../sdk/logical.js';
import { EKU, type SanList } from './cert-builder.js';
import { readCsr } from './csr.js';
import { unix } from './format.js';
import { CERT_FORMATS, issuedData, signWithIssuer, type CertFormat, type PkiContext } from './issuance.js';
import { describeKey, generateKey, publicKeyDerOf, type KeyType } from './keys.js';
import { checkNames, collectSans } from './names.js';
import { requireRole, type Role } from './path-roles.js';
import { ISSUER_REF } from './path-issuers.js';
import { issuerForSigning, lifetimeFor } from './signing.js';

/** The secret type that ties a lease to a certificate: revoking the lease revokes the cert. */
export const CERT_SECRET_TYPE = 'pki';

const commonFields = {
  role: field.string({ required: true, description: 'Role to issue against.' }),
  common_name: field.string({ description: 'CN of the certificate.' }),
  alt_names: field.commaStringSlice({ description: 'DNS names and emails for the SAN extension.' }),
  ip_sans: field.commaStringSlice({ description: 'IP addresses for the SAN extension.' }),
  uri_sans: field.commaStringSlice({ description: 'URIs for the SAN extension.' }),
  exclude_cn_from_sans: field.bool({ description: 'Keep the CN out of the SANs.' }),
  ttl: field.durationSecond({ description: 'Requested lifetime (capped by the role and the CA).' }),
  format: field.string({ default: 'pem', allowed: CERT_FORMATS, description: 'pem, der or pem_bundle.' }),
};

const issueFields = {
  ...commonFields,
  private_key_format: field.string({ default: 'der', allowed: ['der', 'pem', 'pkcs8', ''], description: 'pkcs8 for PKCS#8 keys.' }),
};

const signFields = { ...commonFields, csr: field.string({ required: true, description: 'PEM certificate signing request.' }) };

const issuerRefField = { issuer_ref: field.string({ required: true, description: 'Issuer (id, name or "default") that signs, instead of the role\'s.' }) };

/** The issuer named in the path (issuer/:ref/…), else the role's issuer_ref. */
const issuerRefOf = (d: FieldData<Fields>, role: Role): string => (d.has('issuer_ref') ? String(d.get('issuer_ref')) : role.issuer_ref);

interface Subject {
  commonName: string;
  sans: SanList;
  publicKeyDer: Buffer;
  privateKeyPem?: string;
  privateKeyType?: string;
  /** Where the SANs came from, for the URI SAN refusals' text. */
  sansFrom?: 'CSR' | 'the API';
}

async function finish(
  ctx: PkiContext,
  req: LogicalRequest,
  d: FieldData<typeof commonFields>,
  role: Role,
  sub: Subject,
  pkcs8: boolean,
  issuerRef: string,
): Promise<LogicalResponse> {
  if (role.require_cn && sub.commonName === '') {
    throw badRequest('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
  }
  checkNames(role, sub.commonName, sub.sans, sub.sansFrom);
  const s = req.storage;
  const issuer = await issuerForSigning(s, issuerRef);
  const now = Date.now();
  const { notAfter, warnings } = lifetimeFor(issuer, {
    now,
    requestedTtl: d.get('ttl'),
    defaultTtl: role.ttl || ctx.system.defaultLeaseTtl(),
    maxTtl: role.max_ttl || ctx.system.maxLeaseTtl(),
  });
  const eku = [...(role.server_flag ? [EKU.serverAuth] : []), ...(role.client_flag ? [EKU.clientAuth] : [])];
  const { pem, serial } = await signWithIssuer(
    s,
    issuer,
    {
      subject: { commonName: sub.commonName, organization: role.organization, ou: role.ou, country: role.country, locality: role.locality, province: role.province },
      sans: sub.sans,
      publicKeyDer: sub.publicKeyDer,
      notBefore: new Date(now - role.not_before_duration * 1000),
      notAfter: new Date(notAfter),
      extKeyUsage: eku,
    },
    { noStore: role.no_store },
  );
  const data = issuedData(d.get('format') as CertFormat, {
    certificate: pem,
    serial,
    notAfter,
    issuer,
    ...(sub.privateKeyPem ? { privateKeyPem: sub.privateKeyPem, privateKeyType: sub.privateKeyType ?? '', pkcs8 } : {}),
  });
  const res: LogicalResponse = { data };
  if (warnings.length > 0) res.warnings = warnings;
  if (role.generate_lease) {
    const ttl = Math.max(1, unix(notAfter) - unix(now));
    res.secret = { type: CERT_SECRET_TYPE, ttl, maxTtl: ttl, renewable: false, internalData: { serial_number: serial } };
  }
  return res;
}

function issuePath(ctx: PkiContext, withIssuer: boolean) {
  return definePath({
    pattern: `${withIssuer ? `issuer/${ISSUER_REF}/` : ''}issue/${genericName('role')}`,
    fields: withIssuer ? { ...issueFields, ...issuerRefField } : issueFields,
    synopsis: 'Issue a certificate and private key for a role.',
    operations: {
      async update(req, d) {
        const role = await requireRole(req.storage, d.get('role'));
        if (role.key_type === 'any') throw badRequest('role key type "any" not allowed for issuing certificates, only signing');
        const cn = d.get('common_name');
        const sans = collectSans(cn, d.get('alt_names'), d.get('ip_sans'), d.get('uri_sans'), d.get('exclude_cn_from_sans'));
        // Validate names before paying for key generation (RSA keys take a while).
        checkNames(role, cn, sans);
        const key = await generateKey(role.key_type as KeyType, role.key_bits);
        const sub: Subject = { commonName: cn, sans, publicKeyDer: publicKeyDerOf(key.privateKeyPem), privateKeyPem: key.privateKeyPem, privateKeyType: key.type };
        return finish(ctx, req, d, role, sub, d.get('private_key_format') === 'pkcs8', issuerRefOf(d, role));
      },
    },
  });
}

function signPath(ctx: PkiContext, withIssuer: boolean) {
  return definePath({
    pattern: `${withIssuer ? `issuer/${ISSUER_REF}/` : ''}sign/${genericName('role')}`,
    fields: withIssuer ? { ...signFields, ...issuerRefField } : signFields,
    synopsis: 'Sign a CSR for a role.',
    operations: {
      async update(req, d) {
        const role = await requireRole(req.storage, d.get('role'));
        const csr = await readCsr(d.get('csr'));
        const got = describeKey(createPublicKey({ key: csr.publicKeyDer, format: 'der', type: 'spki' }));
        if (role.key_type !== 'any') {
          if (got.type !== role.key_type) throw badRequest(`role requires keys of type ${role.key_type}, but the CSR has a ${got.type} key`);
          if (got.bits < role.key_bits) throw badRequest(`role requires a minimum of a ${role.key_bits}-bit key, but the CSR has a ${got.bits}-bit key`);
        }
        const cn = role.use_csr_common_name ? csr.commonName : d.get('common_name');
        const base = role.use_csr_sans ? csr.sans : { dns: d.get('alt_names'), email: [], ip: d.get('ip_sans'), uri: d.get('uri_sans') };
        const sans = collectSans(cn, [...base.dns, ...base.email], base.ip, base.uri, d.get('exclude_cn_from_sans'));
        const sansFrom = role.use_csr_sans ? 'CSR' : 'the API';
        return finish(ctx, req, d, role, { commonName: cn, sans, publicKeyDer: csr.publicKeyDer, sansFrom }, false, issuerRefOf(d, role));
      },
    },
  });
}

export function issuePaths(ctx: PkiContext): PathDef<Fields>[] {
  return [issuePath(ctx, false), signPath(ctx, false), issuePath(ctx, true), signPath(ctx, true)];
}
