/**
 * `certs/` (LIST) and `certs/<name>`: the trusted certificates (a CA bundle, or one
 * client certificate) and what a client certificate must carry to log in through them.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import { defaultTokenParams, legacyTokenFields, parseTokenFields, tokenFields, tokenFieldsResponse } from '../token-fields.js';
import { parsePemBundle } from './parsed-cert.js';
import { deleteCert, listCerts, readCert, writeCert, type CertEntry } from './store.js';

const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';

const { num_uses: _numUses, ...legacy } = legacyTokenFields;
void _numUses;

const list = (description: string) => field.commaStringSlice({ description });

export const certFields = {
  name: field.lowerCaseString({ description: 'The name of the certificate', required: true }),
  certificate: field.string({ description: 'The public certificate (PEM) that should be trusted; may hold several' }),
  display_name: field.string({ description: 'The display name of tokens issued through this entry' }),
  allowed_names: list('Globs; one must match the common name, a DNS SAN or an email SAN'),
  allowed_common_names: list('Globs; one must match the common name'),
  allowed_dns_sans: list('Globs; one must match a DNS SAN'),
  allowed_email_sans: list('Globs; one must match an email SAN'),
  allowed_uri_sans: list('Globs; one must match a URI SAN'),
  allowed_organizational_units: list('Globs; one must match an organizational unit'),
  required_extensions: list('"oid:glob" pairs every one of which the certificate must carry'),
  allowed_metadata_extensions: list('Extension OIDs copied into the token metadata (dots as dashes)'),
  ocsp_enabled: field.bool({ description: 'Check the certificate with OCSP' }),
  ocsp_ca_certificates: field.string({ description: 'PEM certificates of OCSP responders' }),
  ocsp_servers_override: list('OCSP responder URLs used instead of the certificate\'s'),
  ocsp_fail_open: field.bool({ description: 'Allow the login when no OCSP responder answers' }),
  ocsp_query_all_servers: field.bool({ description: 'Query every responder, not the first that answers' }),
  lease: field.int({ description: 'Deprecated: use token_ttl' }),
  ...tokenFields,
  ...legacy,
};

function certData(e: CertEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    certificate: e.certificate,
    display_name: e.displayName,
    allowed_names: e.allowedNames,
    allowed_common_names: e.allowedCommonNames,
    allowed_dns_sans: e.allowedDnsSans,
    allowed_email_sans: e.allowedEmailSans,
    allowed_uri_sans: e.allowedUriSans,
    allowed_organizational_units: e.allowedOrganizationalUnits,
    required_extensions: e.requiredExtensions,
    allowed_metadata_extensions: e.allowedMetadataExtensions,
    ocsp_enabled: e.ocspEnabled,
    ocsp_ca_certificates: e.ocspCaCertificates,
    ocsp_servers_override: e.ocspServersOverride,
    ocsp_fail_open: e.ocspFailOpen,
    ocsp_query_all_servers: e.ocspQueryAllServers,
    ...tokenFieldsResponse(e.token, { legacy: true }),
  };
  if (e.token.tokenTtl > 0) out.ttl = e.token.tokenTtl;
  if (e.token.tokenMaxTtl > 0) out.max_ttl = e.token.tokenMaxTtl;
  if (e.token.tokenBoundCidrs.length > 0) out.bound_cidrs = [...e.token.tokenBoundCidrs];
  return out;
}

function emptyEntry(name: string): CertEntry {
  return {
    name,
    certificate: '',
    displayName: '',
    allowedNames: [],
    allowedCommonNames: [],
    allowedDnsSans: [],
    allowedEmailSans: [],
    allowedUriSans: [],
    allowedOrganizationalUnits: [],
    requiredExtensions: [],
    allowedMetadataExtensions: [],
    ocspEnabled: false,
    ocspCaCertificates: '',
    ocspServersOverride: [],
    ocspFailOpen: false,
    ocspQueryAllServers: false,
    token: defaultTokenParams(),
  };
}

export function certPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'certs/?',
      fields: {},
      synopsis: 'List trusted certificates',
      operations: { list: async (req) => ({ data: { keys: await listCerts(req.storage) } }) },
    }),
    definePath({
      pattern: `certs/${genericName('name')}`,
      fields: certFields,
      synopsis: 'Manage trusted certificates used for authentication',
      existenceCheck: async (req, d) => (await readCert(req.storage, d.get('name'))) !== null,
      operations: {
        read: async (req, d) => {
          const e = await readCert(req.storage, d.get('name'));
          return e ? { data: certData(e) } : null;
        },
        delete: async (req, d) => {
          await deleteCert(req.storage, d.get('name'));
        },
        update: async (req, d) => {
          const name = d.get('name');
          const e = (await readCert(req.storage, name)) ?? emptyEntry(name);
          const str = (k: 'certificate' | 'display_name' | 'ocsp_ca_certificates', cur: string) => d.opt(k) ?? cur;
          e.certificate = str('certificate', e.certificate);
          e.displayName = str('display_name', e.displayName);
          e.ocspCaCertificates = str('ocsp_ca_certificates', e.ocspCaCertificates);
          e.allowedNames = d.opt('allowed_names') ?? e.allowedNames;
          e.allowedCommonNames = d.opt('allowed_common_names') ?? e.allowedCommonNames;
          e.allowedDnsSans = d.opt('allowed_dns_sans') ?? e.allowedDnsSans;
          e.allowedEmailSans = d.opt('allowed_email_sans') ?? e.allowedEmailSans;
          e.allowedUriSans = d.opt('allowed_uri_sans') ?? e.allowedUriSans;
          e.allowedOrganizationalUnits = d.opt('allowed_organizational_units') ?? e.allowedOrganizationalUnits;
          e.requiredExtensions = d.opt('required_extensions') ?? e.requiredExtensions;
          e.allowedMetadataExtensions = d.opt('allowed_metadata_extensions') ?? e.allowedMetadataExtensions;
          e.ocspEnabled = d.opt('ocsp_enabled') ?? e.ocspEnabled;
          e.ocspServersOverride = d.opt('ocsp_servers_override') ?? e.ocspServersOverride;
          e.ocspFailOpen = d.opt('ocsp_fail_open') ?? e.ocspFailOpen;
          e.ocspQueryAllServers = d.opt('ocsp_query_all_servers') ?? e.ocspQueryAllServers;
          e.token = parseTokenFields(d, e.token);
          // Vault's oldest spelling of token_ttl, honoured only when neither newer one is given.
          if (!d.has('token_ttl') && !d.has('ttl') && d.has('lease')) e.token.tokenTtl = d.get('lease');
          if (e.displayName === '') e.displayName = name;
          for (const ext of e.requiredExtensions) {
            if (!ext.includes(':')) throw badRequest(`required_extensions: "${ext}" is not of the form oid:value`);
          }
          const parsed = parsePemBundle(e.certificate);
          const first = parsed[0];
          if (!first) throw badRequest('failed to parse certificate');
          if (!first.isCa && first.extKeyUsage !== null && !first.extKeyUsage.some((u) => u === EKU_CLIENT_AUTH || u === EKU_ANY)) {
            throw badRequest('nonCA certificates should have TLS client authentication set as an extended key usage');
          }
          await writeCert(req.storage, e);
        },
      },
    }),
  ];
}
