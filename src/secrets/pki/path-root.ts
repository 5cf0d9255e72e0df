/**
 * `root/generate/:type`, `root/sign-intermediate` and DELETE `root`. A generated root
 * becomes the default issuer when the mount has none yet.
 */
import { uuid } from '../../lib/ids.js';
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { listRecursive, putJSON } from '../../sdk/storage.js';
import { buildCertificate } from './cert-builder.js';
import { readCsr } from './csr.js';
import { caGenFields, createCaKey, exportedMode, sansFrom, subjectFields, subjectFrom } from './ca-fields.js';
import { ensureCrls } from './crl.js';
import { unix } from './format.js';
import { CERT_FORMATS, issuedData, recordCert, resolveNotAfter, signWithIssuer, type CertFormat, type PkiContext } from './issuance.js';
import { exportPrivateKey, publicKeyDerOf } from './keys.js';
import { checkNames } from './names.js';
import { checkNewName, locked, noteNewIssuer } from './registry.js';
import { ISSUER_REF } from './path-issuers.js';
import { issuerForSigning, lifetimeFor } from './signing.js';
import { findIssuer, issuerPath, type Issuer } from './store.js';

const BACKDATE_MS = 30_000;

/** Where a root can be generated: root/rotate differs only in naming the new root "next". */
type RootGeneratePrefix = 'root/generate' | 'root/rotate' | 'issuers/generate/root';

function rootGenerate(ctx: PkiContext, prefix: RootGeneratePrefix) {
  return definePath({
    pattern: `${prefix}/(?<exported>\\w+)`,
    fields: caGenFields,
    synopsis: prefix === 'root/rotate' ? 'Generate a new root CA (named "next" when free) beside the current one.' : 'Generate a self-signed root CA.',
    operations: {
      update: locked(async (req, d) => {
        const exported = exportedMode(d);
        const cn = d.get('common_name');
        if (cn === '') throw badRequest('the common_name field is required for a root certificate');
        const s = req.storage;
        let issuerName = await checkNewName(s, 'issuer', d.get('issuer_name'));
        if (prefix === 'root/rotate' && issuerName === '' && !(await findIssuer(s, 'next'))) issuerName = 'next';
        const now = Date.now();
        const max = ctx.system.maxLeaseTtl();
        const { notAfter, warnings } = resolveNotAfter({ now, requestedTtl: d.get('ttl'), defaultTtl: max, maxTtl: max });
        const key = await createCaKey(s, d);
        const { pem, serial } = await buildCertificate(
          {
            subject: subjectFrom(d),
            sans: sansFrom(d),
            publicKeyDer: publicKeyDerOf(key.privateKeyPem),
            notBefore: new Date(now - BACKDATE_MS),
            notAfter: new Date(notAfter),
            ca: { maxPathLength: d.get('max_path_length') },
          },
          { privateKeyPem: key.privateKeyPem },
        );
        const issuer: Issuer = { id: uuid(), name: issuerName, keyId: key.id, certificate: pem, parents: [], serial, notAfter };
        await putJSON(s, issuerPath(issuer.id), issuer);
        await noteNewIssuer(s, issuer);
        await recordCert(s, { serial, certificate: pem, issuerId: issuer.id, notAfter });
        await ensureCrls(s);
        const data: Record<string, unknown> = {
          certificate: pem,
          issuing_ca: pem,
          serial_number: serial,
          expiration: unix(notAfter),
          issuer_id: issuer.id,
          issuer_name: issuer.name,
          key_id: key.id,
          key_name: key.name,
        };
        if (exported) {
          data.private_key = exportPrivateKey(key.privateKeyPem, d.get('private_key_format') === 'pkcs8');
          data.private_key_type = key.type;
        }
        return { data, ...(warnings.length > 0 ? { warnings } : {}) };
      }),
    },
  });
}

const signIntermediateFields = {
  csr: field.string({ required: true, description: 'PEM CSR of the intermediate CA.' }),
  ...subjectFields,
  ttl: field.durationSecond({ description: 'Requested lifetime.' }),
  max_path_length: field.int({ default: -1, description: 'Path length constraint; -1 for none.' }),
  use_csr_values: field.bool({ description: 'Take subject and SANs from the CSR.' }),
  issuer_ref: field.string({ default: 'default', description: 'Issuer that signs.' }),
  format: field.string({ default: 'pem', allowed: CERT_FORMATS, description: 'Output format.' }),
};

/** sign-intermediate trusts the operator on names but still refuses malformed IPs. */
const ANY_NAME = {
  allowed_domains: [],
  allow_subdomains: false,
  allow_bare_domains: false,
  allow_glob_domains: false,
  allow_any_name: true,
  allow_localhost: true,
  allow_wildcard_certificates: true,
  allow_ip_sans: true,
  enforce_hostnames: false,
  allowed_uri_sans: ['*'], // a CA signs what it is asked to, as Vault's CA paths
};

function signIntermediate(ctx: PkiContext, withIssuer: boolean) {
  return definePath({
    pattern: withIssuer ? `issuer/${ISSUER_REF}/sign-intermediate` : 'root/sign-intermediate',
    fields: signIntermediateFields,
    synopsis: 'Sign an intermediate CA certificate request.',
    operations: {
      async update(req, d) {
        const s = req.storage;
        const issuer = await issuerForSigning(s, d.get('issuer_ref'));
        const csr = await readCsr(d.get('csr'));
        const useCsr = d.get('use_csr_values');
        const cn = useCsr ? csr.commonName : d.get('common_name') || csr.commonName;
        if (cn === '') throw badRequest('the common_name field is required, or must be present in the CSR with use_csr_values');
        const now = Date.now();
        const max = ctx.system.maxLeaseTtl();
        const { notAfter, warnings } = lifetimeFor(issuer, { now, requestedTtl: d.get('ttl'), defaultTtl: max, maxTtl: max });
        const sans = useCsr ? csr.sans : sansFrom(d, cn);
        checkNames(ANY_NAME, cn, sans);
        const { pem, serial } = await signWithIssuer(s, issuer, {
          subject: useCsr ? csr.subject : subjectFrom(d, cn),
          sans,
          publicKeyDer: csr.publicKeyDer,
          notBefore: new Date(now - BACKDATE_MS),
          notAfter: new Date(notAfter),
          ca: { maxPathLength: d.get('max_path_length') },
        });
        const data = issuedData(d.get('format') as CertFormat, { certificate: pem, serial, notAfter, issuer });
        return { data, ...(warnings.length > 0 ? { warnings } : {}) };
      },
    },
  });
}

function deleteRoot() {
  return definePath({
    pattern: 'root',
    fields: {},
    synopsis: 'Delete every issuer and key of this mount (issued certificates are kept).',
    operations: {
      delete: locked(async (req) => {
        const s = req.storage;
        for (const k of [...(await listRecursive(s, 'config/issuer/')), ...(await listRecursive(s, 'config/key/')), ...(await listRecursive(s, 'crls/'))]) {
          await s.delete(k);
        }
        await s.delete('config/issuers');
        await s.delete('config/keys');
        await s.delete('intermediate/pending');
        return null;
      }),
    },
  });
}

export function rootPaths(ctx: PkiContext): PathDef<Fields>[] {
  return [
    rootGenerate(ctx, 'root/generate'),
    rootGenerate(ctx, 'root/rotate'),
    rootGenerate(ctx, 'issuers/generate/root'),
    signIntermediate(ctx, false),
    signIntermediate(ctx, true),
    deleteRoot(),
  ];
}
