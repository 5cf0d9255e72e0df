/**
 * Unauthenticated fetches of CA material and CRLs (raw PEM/DER bodies, as TLS clients
 * and AIA/CDP URLs expect), JSON `cert/*` reads, LIST `certs`, and `config/urls`.
 */
import { badRequest } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse, RawResponse } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { crlDer, deltaCrlDer } from './crl.js';
import { keyToColon, serialKey, toPem } from './format.js';
import { chainOf } from './issuance.js';
import { withChain } from './chain.js';
import { certPath, findIssuer, readUrls, revokedPath, type CertRecord, type RevokedRecord } from './store.js';

/** Paths a TLS client or browser fetches from AIA/CDP URLs, so no token is needed. */
export const UNAUTHENTICATED_PATHS = ['cert/*', 'ca/pem', 'ca_chain', 'ca', 'crl/pem', 'crl'];

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

const raw = (contentType: string, body: Buffer | string): LogicalResponse => ({ raw: { status: 200, contentType, body } });
/** No CA yet: an empty body, as Vault answers before a CA exists. */
const empty: RawResponse = { status: 204, contentType: 'application/json', body: '' };

type Kind = 'ca_der' | 'ca_pem' | 'ca_chain' | 'crl_der' | 'crl_pem';

async function rawFetch(s: Storage, kind: Kind): Promise<LogicalResponse> {
  const issuer = await findIssuer(s);
  if (!issuer) return { raw: empty };
  switch (kind) {
    case 'ca_der':
      return raw('application/pkix-cert', pemToDer(issuer.certificate));
    case 'ca_pem':
      return raw('application/pem-certificate-chain', `${issuer.certificate}\n`);
    case 'ca_chain':
      // The chain as found among the mount's issuers (imported parents included).
      return raw('application/pem-certificate-chain', `${chainOf(await withChain(s, issuer)).join('\n')}\n`);
    case 'crl_der':
      return raw('application/pkix-crl', await crlDer(s, issuer, 'default'));
    case 'crl_pem':
      return raw('application/x-pem-file', `${toPem(await crlDer(s, issuer, 'default'), 'X509 CRL')}\n`);
  }
}

function rawPath(pattern: string, kind: Kind): PathDef<Fields> {
  return definePath({
    pattern,
    fields: {},
    synopsis: `Fetch ${kind.replace('_', ' ')} of the default issuer (raw body).`,
    operations: { read: async (req) => rawFetch(req.storage, kind) },
  });
}

async function certRead(s: Storage, serial: string): Promise<LogicalResponse | null> {
  if (serial === 'ca' || serial === 'ca_chain' || serial === 'crl' || serial === 'delta-crl') {
    const issuer = await findIssuer(s);
    if (!issuer) return null;
    if (serial === 'ca') return { data: { certificate: issuer.certificate, revocation_time: 0, issuer_id: issuer.id } };
    if (serial === 'ca_chain') {
      // The same chain as the raw ca_chain fetch: computed over the mount's issuers.
      const chain = chainOf(await withChain(s, issuer));
      return { data: { certificate: chain.join('\n'), ca_chain: chain, issuer_id: issuer.id } };
    }
    const der = serial === 'crl' ? await crlDer(s, issuer, 'default') : await deltaCrlDer(s, issuer, 'default');
    return der === null ? null : { data: { certificate: toPem(der, 'X509 CRL'), revocation_time: 0 } };
  }
  const key = serialKey(serial);
  const revoked = await getJSON<RevokedRecord>(s, revokedPath(key));
  const rec: CertRecord | null = revoked ?? (await getJSON<CertRecord>(s, certPath(key)));
  if (!rec) return null;
  return {
    data: {
      certificate: rec.certificate,
      issuer_id: rec.issuerId,
      revocation_time: revoked?.revocationTime ?? 0,
      revocation_time_rfc3339: revoked ? new Date(revoked.revocationTime * 1000).toISOString() : '',
    },
  };
}

const urlFields = {
  issuing_certificates: field.commaStringSlice({ description: 'URLs of the issuing CA certificate (AIA caIssuers).' }),
  crl_distribution_points: field.commaStringSlice({ description: 'CRL URLs (CDP).' }),
  ocsp_servers: field.commaStringSlice({ description: 'OCSP responder URLs (AIA ocsp).' }),
};

function badUrl(urls: string[]): string | undefined {
  return urls.find((u) => {
    try {
      new URL(u);
      return false;
    } catch {
      return true;
    }
  });
}

export function fetchPaths(): PathDef<Fields>[] {
  return [
    rawPath('ca/pem', 'ca_pem'),
    rawPath('ca', 'ca_der'),
    rawPath('ca_chain', 'ca_chain'),
    rawPath('crl/pem', 'crl_pem'),
    rawPath('crl', 'crl_der'),
    definePath({
      pattern: 'cert/(?<serial>[0-9A-Za-z:_-]+)',
      fields: { serial: field.string({ required: true, description: 'Serial (colon or hyphen form), or ca, ca_chain, crl, delta-crl.' }) },
      synopsis: 'Read a certificate as JSON.',
      operations: { read: async (req, d) => certRead(req.storage, d.get('serial')) },
    }),
    definePath({
      pattern: 'certs/?',
      fields: {},
      synopsis: 'List the serial numbers of stored certificates.',
      operations: { list: async (req) => ({ data: { keys: (await req.storage.list('certs/')).map(keyToColon) } }) },
    }),
    definePath({
      pattern: 'certs/revoked/?',
      fields: {},
      synopsis: 'List the serial numbers of revoked certificates.',
      operations: { list: async (req) => ({ data: { keys: (await req.storage.list('revoked/')).map(keyToColon) } }) },
    }),
    definePath({
      pattern: 'config/urls',
      fields: urlFields,
      synopsis: 'URLs embedded in issued certificates (AIA, CDP).',
      operations: {
        read: async (req) => ({ data: { ...(await readUrls(req.storage)) } }),
        async update(req, d) {
          const cur = await readUrls(req.storage);
          const next = {
            issuing_certificates: d.opt('issuing_certificates') ?? cur.issuing_certificates,
            crl_distribution_points: d.opt('crl_distribution_points') ?? cur.crl_distribution_points,
            ocsp_servers: d.opt('ocsp_servers') ?? cur.ocsp_servers,
          };
          const bad = badUrl([...next.issuing_certificates, ...next.crl_distribution_points, ...next.ocsp_servers]);
          if (bad !== undefined) throw badRequest(`invalid URL: ${bad}`);
          await putJSON(req.storage, 'config/urls', next);
          return { data: { ...next } };
        },
      },
    }),
  ];
}
