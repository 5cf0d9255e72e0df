/**
 * What the X.509 encoder can take, checked before any key is generated or certificate
 * built. The encoder (@peculiar/x509 over asn1js) throws on an unpaired surrogate (its
 * UTF-8 conversion is encodeURIComponent), overflows the stack on a value of about
 * 150,000 characters, refuses more than 10,000 ASN.1 nodes, and cannot parse back a PEM
 * of a few megabytes; each of those was a 500. Vault sets no such limits (Go's encoder
 * has none), so the bounds below are far above any real name and well inside what the
 * encoder handles: 2,048 characters fits a SPIFFE ID (its maximum) and any DNS name.
 * DNS, email and URI SANs are IA5Strings: ASCII only, as Go's x509 requires.
 */
import { isIP } from 'node:net';
import { isAscii, isWellFormed, shorten } from '../../lib/unicode.js';
import { badRequest } from '../../sdk/errors.js';
import type { SanList, SubjectFields } from './cert-builder.js';

/** Characters in one common name, SAN or subject attribute value. */
export const MAX_NAME_LENGTH = 2048;
/** SAN entries of all kinds in one certificate. */
export const MAX_SANS = 1000;
/** Characters of every name in one certificate together (keeps the certificate well under a megabyte). */
export const MAX_NAMES_TOTAL = 256 * 1024;
/** An IP address is never longer than this (IPv6 with a zone). */
const MAX_IP_LENGTH = 64;

/** A subject value (CN, O, OU, C, L, ST): valid Unicode and not too long. */
export function checkNameText(what: string, value: string): void {
  if (!isWellFormed(value)) throw badRequest(`${what} is not valid UTF-8 (it has an unpaired surrogate)`);
  if (value.length > MAX_NAME_LENGTH) throw badRequest(`${what} is too long: ${value.length} characters, at most ${MAX_NAME_LENGTH}`);
}

/** The values of one subject attribute (organization, ou, …) of a role or request. */
export function checkSubjectValues(field: string, values: readonly string[]): void {
  for (const v of values) checkNameText(`${field} value`, v);
}

function checkIa5(kind: string, name: string): void {
  if (name.length > MAX_NAME_LENGTH) throw badRequest(`${kind} is too long: ${name.length} characters, at most ${MAX_NAME_LENGTH}`);
  // An unpaired surrogate is not ASCII either, so this also keeps those out.
  if (!isAscii(name)) throw badRequest(`${kind} ${JSON.stringify(shorten(name))} cannot be encoded as an IA5String (ASCII only)`);
}

/** The SANs of one certificate: how many, how long, and encodable. */
export function checkSanText(sans: SanList): void {
  const count = sans.dns.length + sans.email.length + sans.ip.length + sans.uri.length;
  if (count > MAX_SANS) throw badRequest(`too many subject alternative names: ${count}, at most ${MAX_SANS}`);
  for (const n of sans.dns) checkIa5('subject alternate name', n);
  for (const n of sans.email) checkIa5('email subject alternate name', n);
  for (const n of sans.uri) checkIa5('URI subject alternate name', n);
  for (const ip of sans.ip) {
    // Go's net.ParseIP, which Vault uses, knows no zones ("fe80::1%eth0"); node's isIP does.
    if (ip.length > MAX_IP_LENGTH || ip.includes('%') || isIP(ip) === 0) throw badRequest(`the value ${JSON.stringify(shorten(ip))} is not a valid IP address`);
  }
}

/** Everything that goes into a certificate's names; throws a 400 naming the first problem. */
export function checkCertText(subject: SubjectFields, sans: SanList): void {
  checkNameText('common name', subject.commonName);
  let total = subject.commonName.length;
  for (const [field, values] of [
    ['organization', subject.organization],
    ['ou', subject.ou],
    ['country', subject.country],
    ['locality', subject.locality],
    ['province', subject.province],
  ] as const) {
    for (const v of values ?? []) {
      checkNameText(`${field} value`, v);
      total += v.length;
    }
  }
  checkSanText(sans);
  for (const list of [sans.dns, sans.email, sans.uri, sans.ip]) for (const n of list) total += n.length;
  if (total > MAX_NAMES_TOTAL) throw badRequest(`the names of the certificate are too long together: ${total} characters, at most ${MAX_NAMES_TOTAL}`);
}
