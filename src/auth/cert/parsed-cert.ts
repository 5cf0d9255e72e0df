/**
 * What the cert auth method reads from an X.509 certificate, parsed once from DER: the
 * names its constraints match, the identifiers its metadata reports, and Node's
 * X509Certificate for signature and issuer checks.
 */
import { X509Certificate as NodeCert } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const OID_SAN = '2.5.29.17';
const OID_SKID = '2.5.29.14';
const OID_AKID = '2.5.29.35';
const OID_BASIC = '2.5.29.19';
const OID_EKU = '2.5.29.37';
const OID_AIA = '1.3.6.1.5.5.7.1.1';

export interface ParsedCert {
  der: Buffer;
  node: NodeCert;
  commonName: string;
  organizationalUnits: string[];
  dnsNames: string[];
  emails: string[];
  uris: string[];
  /** Decimal, as Go's big.Int prints it (Vault's serial_number metadata and CRL keys). */
  serialDecimal: string;
  subjectKeyId: Buffer;
  authorityKeyId: Buffer;
  isCa: boolean;
  /** Extended key usage OIDs; null when the extension is absent (any use). */
  extKeyUsage: string[] | null;
  notBefore: Date;
  notAfter: Date;
  /** OID → the extension value read as an ASN.1 string ("" when it is not one), as Vault reads it. */
  extensionStrings: Map<string, string>;
  /** OCSP responder URLs from Authority Information Access. */
  ocspServers: string[];
}

/** Parses one DER certificate; throws when it is not one. */
export function parseCert(der: Uint8Array): ParsedCert {
  const buf = Buffer.from(der);
  const node = new NodeCert(buf);
  const c = new x509.X509Certificate(buf);
  const san = c.getExtension<x509.SubjectAlternativeNameExtension>(OID_SAN);
  const names = san?.names.items ?? [];
  const skid = c.getExtension<x509.SubjectKeyIdentifierExtension>(OID_SKID);
  const akid = c.getExtension<x509.AuthorityKeyIdentifierExtension>(OID_AKID);
  const basic = c.getExtension<x509.BasicConstraintsExtension>(OID_BASIC);
  const eku = c.getExtension<x509.ExtendedKeyUsageExtension>(OID_EKU);
  const aia = c.getExtension<x509.AuthorityInfoAccessExtension>(OID_AIA);
  const strings = new Map<string, string>();
  for (const ext of c.extensions) strings.set(ext.type, asn1String(new Uint8Array(ext.value)));
  return {
    der: buf,
    node,
    commonName: c.subjectName.getField('CN')[0] ?? '',
    organizationalUnits: c.subjectName.getField('OU'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    emails: names.filter((n) => n.type === 'email').map((n) => n.value),
    uris: names.filter((n) => n.type === 'url').map((n) => n.value),
    serialDecimal: BigInt(`0x${c.serialNumber || '0'}`).toString(),
    subjectKeyId: skid ? Buffer.from(skid.keyId, 'hex') : Buffer.alloc(0),
    authorityKeyId: akid?.keyId ? Buffer.from(akid.keyId, 'hex') : Buffer.alloc(0),
    isCa: basic?.ca === true,
    extKeyUsage: eku ? eku.usages.map(String) : null,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    extensionStrings: strings,
    ocspServers: (aia?.ocsp ?? []).filter((n) => n.type === 'url').map((n) => n.value),
  };
}

/**
 * The base64 bodies of the `label` blocks of a PEM text, in order. Found with indexOf, so
 * a text of many unterminated BEGIN lines costs one pass (a lazy regex rescanned the
 * rest of the text from each of them).
 */
export function pemBodies(text: string, labels: readonly string[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', at);
    if (begin < 0) return out;
    const labelEnd = text.indexOf('-----', begin + 11);
    if (labelEnd < 0) return out;
    const label = text.slice(begin + 11, labelEnd);
    const end = text.indexOf(`-----END ${label}-----`, labelEnd + 5);
    if (end < 0) return out;
    if (labels.includes(label)) out.push(text.slice(labelEnd + 5, end).replace(/\s+/g, ''));
    at = end + label.length + 14;
  }
}

/** Every CERTIFICATE block of a PEM bundle, parsed; blocks that do not parse are skipped (as Vault does). */
export function parsePemBundle(pem: string): ParsedCert[] {
  const out: ParsedCert[] = [];
  for (const body of pemBodies(pem, ['CERTIFICATE', 'TRUSTED CERTIFICATE'])) {
    try {
      out.push(parseCert(Buffer.from(body, 'base64')));
    } catch {
      // Vault's parsePEM skips what does not parse; an entry with none left is refused.
    }
  }
  return out;
}

/** Go's certutil.GetHexFormatted(b, ":"): lower-case hex pairs joined by colons. */
export function hexColons(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** ASN.1 string types Go's asn1.Unmarshal reads into a string. */
const STRING_TAGS = new Set([0x0c, 0x12, 0x13, 0x14, 0x16, 0x1b, 0x1e]);

/** A DER-encoded ASN.1 string's text; "" for anything else (Vault ignores the decode error). */
export function asn1String(v: Uint8Array): string {
  if (v.length < 2 || !STRING_TAGS.has(v[0]!)) return '';
  let len = v[1]!;
  let at = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || v.length < 2 + n) return '';
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | v[2 + i]!;
    at = 2 + n;
  }
  if (at + len > v.length) return '';
  const body = Buffer.from(v.subarray(at, at + len));
  if (v[0] === 0x1e) return body.length % 2 === 0 ? body.swap16().toString('utf16le') : '';
  return body.toString(v[0] === 0x0c ? 'utf8' : 'latin1');
}
