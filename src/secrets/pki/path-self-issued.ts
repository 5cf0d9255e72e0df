/**
 * `root/sign-self-issued` and `issuer/:ref/sign-self-issued`: re-sign a self-issued CA
 * certificate (subject = issuer, e.g. a new root during rotation) with one of this
 * mount's issuers, keeping its subject, key, serial, validity and extensions.
 */
import * as x509 from '@peculiar/x509';
import { badRequest, WardError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { urlExtensions } from './cert-builder.js';
import { pemBlocks } from './format.js';
import { importSigner } from './keys.js';
import { ISSUER_REF } from './path-issuers.js';
import { issuerForSigning } from './signing.js';
import { readUrls, requireKey, type Issuer } from './store.js';

/** Extensions that name the signer, so the new signer's replace them. */
const SIGNER_EXTENSIONS = new Set(['2.5.29.35', '1.3.6.1.5.5.7.1.1', '2.5.29.31', '2.5.29.46']);

function parseSelfIssued(text: string): x509.X509Certificate {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) throw badRequest('certificate could not be PEM-decoded');
  if (blocks.length !== 1) throw badRequest(`${blocks.length} certificates found in PEM file, expected 1`);
  let cert: x509.X509Certificate;
  let isCa: boolean;
  try {
    cert = new x509.X509Certificate(blocks[0] ?? '');
    isCa = cert.getExtension(x509.BasicConstraintsExtension)?.ca === true; // extensions parse lazily, and may fail here
  } catch (e) {
    throw badRequest(`error parsing certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isCa) throw badRequest('given certificate is not a CA certificate');
  if (!Buffer.from(cert.subjectName.toArrayBuffer()).equals(Buffer.from(cert.issuerName.toArrayBuffer()))) {
    throw badRequest('given certificate is not self-issued');
  }
  return cert;
}

async function signSelfIssued(s: Storage, ref: string, text: string, matchAlgorithms: boolean): Promise<LogicalResponse> {
  const cert = parseSelfIssued(text);
  let issuer: Issuer;
  try {
    issuer = await issuerForSigning(s, ref);
  } catch (e) {
    if (WardError.is(e) && e.status === 400) throw badRequest(`could not fetch the CA certificate (was one set?): ${e.messages.join('; ')}`);
    throw e;
  }
  const caCert = new x509.X509Certificate(issuer.certificate);
  const signer = await importSigner((await requireKey(s, issuer.keyId)).privateKeyPem);
  if (matchAlgorithms && caCert.publicKey.algorithm.name !== cert.publicKey.algorithm.name) {
    throw badRequest(`signing certificate's key type (${caCert.publicKey.algorithm.name}) doesn't match the given certificate's key type (${cert.publicKey.algorithm.name})`);
  }
  const resigned = await x509.X509CertificateGenerator.create({
    serialNumber: cert.serialNumber,
    subject: cert.subjectName,
    issuer: caCert.subjectName,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    publicKey: cert.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: [
      ...cert.extensions.filter((e) => !SIGNER_EXTENSIONS.has(e.type)),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ...urlExtensions(issuer.urls ?? (await readUrls(s)), issuer.deltaCrlDistributionPoints),
    ],
  });
  return { data: { certificate: resigned.toString('pem'), issuing_ca: issuer.certificate } };
}

const fields = {
  certificate: field.string({ required: true, description: 'The self-issued CA certificate, PEM.' }),
  require_matching_certificate_algorithms: field.bool({ description: 'Refuse when the signer\'s key type differs from the certificate\'s.' }),
};

export function selfIssuedPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'root/sign-self-issued',
      fields,
      synopsis: 'Re-sign a self-issued CA certificate with the default issuer.',
      operations: { update: async (req, d) => signSelfIssued(req.storage, 'default', d.get('certificate'), d.get('require_matching_certificate_algorithms')) },
    }),
    definePath({
      pattern: `issuer/${ISSUER_REF}/sign-self-issued`,
      fields: { ...fields, issuer_ref: field.string({ required: true, description: 'Issuer that signs.' }) },
      synopsis: 'Re-sign a self-issued CA certificate with the named issuer.',
      operations: {
        update: async (req, d) => signSelfIssued(req.storage, d.get('issuer_ref'), d.get('certificate'), d.get('require_matching_certificate_algorithms')),
      },
    }),
  ];
}
