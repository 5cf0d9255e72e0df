/**
 * `config/certificate/:cert_name` and LIST `config/certificates`: the AWS public
 * certificates that verify instance identity documents, `pkcs7` ones for the PKCS#7 form
 * and `identity` ones for the document + SHA256 RSA signature form. Vault also carries
 * AWS's published certificate built in; Ward carries none, so an operator registers the
 * certificate of each region's documents (AWS publishes them per region).
 */
import { X509Certificate } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import { field } from '../../sdk/framework/fields.js';
import { definePath, genericName } from '../../sdk/framework/path.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export type CertType = 'pkcs7' | 'identity';

interface CertEntry {
  awsPublicCert: string;
  type: CertType;
}

const PREFIX = 'config/certificate/';

/** A PEM certificate, given as PEM or as the base64 of the PEM (Vault takes both). */
function normalisePem(v: string): string {
  const text = v.includes('-----BEGIN') ? v : Buffer.from(v, 'base64').toString('utf8');
  try {
    new X509Certificate(text);
  } catch (e) {
    throw badRequest(`failed to parse aws_public_cert: ${(e as Error).message}`);
  }
  return text;
}

/** The registered certificates of one type, parsed. */
export async function certificatesOfType(s: Storage, type: CertType): Promise<X509Certificate[]> {
  const out: X509Certificate[] = [];
  for (const name of await s.list(PREFIX)) {
    const e = await getJSON<CertEntry>(s, PREFIX + name);
    if (e && e.type === type) out.push(new X509Certificate(e.awsPublicCert));
  }
  return out;
}

export const certificatePath = definePath({
  pattern: `config/certificate/${genericName('cert_name')}`,
  fields: {
    cert_name: field.string({ description: 'Name of the certificate.', required: true }),
    aws_public_cert: field.string({ description: 'The AWS public certificate (PEM, or base64 of the PEM) that verifies identity documents.' }),
    type: field.string({ description: 'pkcs7 (default) for PKCS#7 documents, identity for the document + SHA256 RSA signature form.' }),
  },
  synopsis: 'Register an AWS public certificate that verifies EC2 instance identity documents.',
  existenceCheck: async (req, d) => (await getJSON<CertEntry>(req.storage, PREFIX + d.get('cert_name'))) !== null,
  operations: {
    async read(req, d) {
      const e = await getJSON<CertEntry>(req.storage, PREFIX + d.get('cert_name'));
      return e ? { data: { aws_public_cert: e.awsPublicCert, type: e.type } } : null;
    },
    async create(req, d) {
      return write(req.storage, d.get('cert_name'), d.opt('aws_public_cert'), d.opt('type'));
    },
    async update(req, d) {
      return write(req.storage, d.get('cert_name'), d.opt('aws_public_cert'), d.opt('type'));
    },
    async delete(req, d) {
      await req.storage.delete(PREFIX + d.get('cert_name'));
      return null;
    },
  },
});

async function write(s: Storage, name: string, cert: string | undefined, type: string | undefined): Promise<null> {
  const old = await getJSON<CertEntry>(s, PREFIX + name);
  const pem = cert ?? old?.awsPublicCert ?? '';
  if (pem === '') throw badRequest('missing aws_public_cert');
  const t = (type ?? old?.type ?? 'pkcs7').toLowerCase();
  if (t !== 'pkcs7' && t !== 'identity') throw badRequest(`invalid certificate type "${t}"`);
  await putJSON(s, PREFIX + name, { awsPublicCert: normalisePem(pem), type: t } satisfies CertEntry);
  return null;
}

export const certificateListPath = definePath({
  pattern: 'config/certificates/?',
  fields: {},
  synopsis: 'List the registered AWS public certificates.',
  operations: {
    async list(req) {
      return { data: { keys: (await req.storage.list(PREFIX)).filter((k) => !k.endsWith('/')) } };
    },
  },
});
