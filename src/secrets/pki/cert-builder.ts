/**
 * Turns a certificate template into a signed X.509 certificate (or a CSR) with
 * @peculiar/x509. Pure with respect to storage: callers load keys and URLs first.
 */
import * as x509 from '@peculiar/x509';
import { importSigner } from './keys.js';
import { randomSerialHex, colonSerial } from './format.js';
import { checkCertText } from './name-bounds.js';
import type { UrlConfig } from './store.js';

export interface SubjectFields {
  commonName: string;
  organization?: string[];
  ou?: string[];
  country?: string[];
  locality?: string[];
  province?: string[];
}

export interface SanList {
  dns: string[];
  ip: string[];
  email: string[];
  uri: string[];
}

export const emptySans = (): SanList => ({ dns: [], ip: [], email: [], uri: [] });

export interface CertTemplate {
  subject: SubjectFields;
  sans: SanList;
  /** DER SubjectPublicKeyInfo of the certified key. */
  publicKeyDer: Buffer | ArrayBuffer;
  notBefore: Date;
  notAfter: Date;
  /** Present for CA certificates; maxPathLength -1 means unconstrained. */
  ca?: { maxPathLength: number };
  /** Extended key usage OIDs for leaf certificates. */
  extKeyUsage?: string[];
  urls?: UrlConfig;
  /** Delta CRL URLs, written as the Freshest CRL extension (RFC 5280 §4.2.1.15). */
  deltaCrlUrls?: string[];
}

export interface SigningAuthority {
  privateKeyPem: string;
  /** The issuer's certificate; absent when self-signing. */
  issuerCert?: string;
}

export const EKU = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export function subjectName(s: SubjectFields): x509.JsonName {
  const rdns: x509.JsonName = [];
  const add = (attr: string, values: string[] | undefined) => {
    for (const v of values ?? []) if (v !== '') rdns.push({ [attr]: [v] });
  };
  add('C', s.country);
  add('ST', s.province);
  add('L', s.locality);
  add('O', s.organization);
  add('OU', s.ou);
  if (s.commonName !== '') rdns.push({ CN: [s.commonName] });
  return rdns;
}

function sanExtension(sans: SanList): x509.Extension | null {
  const names: x509.JsonGeneralNames = [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.email.map((value) => ({ type: 'email' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  return names.length === 0 ? null : new x509.SubjectAlternativeNameExtension(names);
}

export function urlExtensions(urls: UrlConfig | undefined, deltaCrlUrls: string[] = []): x509.Extension[] {
  const out: x509.Extension[] = [];
  // Freshest CRL has the CRL Distribution Points syntax under its own OID.
  if (deltaCrlUrls.length > 0) out.push(new x509.Extension('2.5.29.46', false, new x509.CRLDistributionPointsExtension(deltaCrlUrls).value));
  if (!urls) return out;
  if (urls.issuing_certificates.length > 0 || urls.ocsp_servers.length > 0) {
    out.push(
      new x509.AuthorityInfoAccessExtension({
        ...(urls.issuing_certificates.length > 0 ? { caIssuers: urls.issuing_certificates } : {}),
        ...(urls.ocsp_servers.length > 0 ? { ocsp: urls.ocsp_servers } : {}),
      }),
    );
  }
  if (urls.crl_distribution_points.length > 0) out.push(new x509.CRLDistributionPointsExtension(urls.crl_distribution_points));
  return out;
}

/** Signs `t` with `authority`; returns the PEM and the serial in colon form. */
export async function buildCertificate(t: CertTemplate, authority: SigningAuthority): Promise<{ pem: string; serial: string }> {
  checkCertText(t.subject, t.sans);
  const signer = await importSigner(authority.privateKeyPem);
  const subjectKey = new x509.PublicKey(t.publicKeyDer as ArrayBuffer);
  const issuerCert = authority.issuerCert ? new x509.X509Certificate(authority.issuerCert) : null;
  const issuerKey = issuerCert ? issuerCert.publicKey : subjectKey;
  const extensions: x509.Extension[] = [];
  if (t.ca) {
    extensions.push(new x509.BasicConstraintsExtension(true, t.ca.maxPathLength >= 0 ? t.ca.maxPathLength : undefined, true));
    extensions.push(
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    );
  } else {
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
    );
    if (t.extKeyUsage && t.extKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(t.extKeyUsage));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(subjectKey));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerKey));
  const san = sanExtension(t.sans);
  if (san) extensions.push(san);
  extensions.push(...urlExtensions(t.urls, t.deltaCrlUrls));

  const serialHex = randomSerialHex();
  const subject = subjectName(t.subject);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject,
    issuer: issuerCert ? issuerCert.subjectName : subject,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    publicKey: subjectKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return { pem: cert.toString('pem'), serial: colonSerial(serialHex) };
}

/** A PKCS#10 request for an intermediate CA key. */
export async function buildCsr(privateKeyPem: string, subject: SubjectFields, sans: SanList, addBasicConstraints: boolean): Promise<string> {
  checkCertText(subject, sans);
  const signer = await importSigner(privateKeyPem);
  const extensions: x509.Extension[] = [];
  const san = sanExtension(sans);
  if (san) extensions.push(san);
  if (addBasicConstraints) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectName(subject),
    keys: { privateKey: signer.privateKey, publicKey: signer.publicKey },
    signingAlgorithm: signer.algorithm,
    extensions,
  });
  return csr.toString('pem');
}

export interface ParsedCsr {
  commonName: string;
  subject: SubjectFields;
  sans: SanList;
  publicKeyDer: Buffer;
}

/** Parses and signature-checks a CSR; throws on garbage so callers map it to a 400. */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const csr = new x509.Pkcs10CertificateRequest(pem.trim());
  if (!(await csr.verify())) throw new Error('CSR signature is invalid');
  const field = (n: string): string[] => csr.subjectName.getField(n);
  const sans = emptySans();
  const found = csr.getExtension('2.5.29.17');
  const ext = found instanceof x509.SubjectAlternativeNameExtension ? found : found ? new x509.SubjectAlternativeNameExtension(found.rawData) : null;
  for (const n of ext?.names.items ?? []) {
    if (n.type === 'dns') sans.dns.push(n.value);
    else if (n.type === 'ip') sans.ip.push(n.value);
    else if (n.type === 'email') sans.email.push(n.value);
    else if (n.type === 'url') sans.uri.push(n.value);
  }
  const commonName = field('CN')[0] ?? '';
  return {
    commonName,
    subject: { commonName, organization: field('O'), ou: field('OU'), country: field('C'), locality: field('L'), province: field('ST') },
    sans,
    publicKeyDer: Buffer.from(csr.publicKey.rawData),
  };
}

/** notAfter of a PEM certificate, epoch ms. */
export function certNotAfter(pem: string): number {
  return new x509.X509Certificate(pem).notAfter.getTime();
}

/** DER SPKI of a PEM certificate's key. */
export function certPublicKeyDer(pem: string): Buffer {
  return Buffer.from(new x509.X509Certificate(pem).publicKey.rawData);
}

/** Hex serial of a PEM certificate, colon form. */
export function certSerial(pem: string): string {
  return colonSerial(new x509.X509Certificate(pem).serialNumber);
}
