/**
 * The OCSP wire format (RFC 6960) the responder needs: parsing an OCSPRequest into its
 * CertIDs (and nonce), and encoding a signed BasicOCSPResponse or one of the unsigned
 * error answers. Pure: signing is handed in, so tables can test the encoding.
 */
import { createHash } from 'node:crypto';
import { children, DerError, nullDer, octets, oid, oidText, parseDer, seq, tlv, type Tlv } from '../../lib/der.js';

/** Hash algorithms a CertID may use, by OID, as node names them. */
export const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const BASIC = '1.3.6.1.5.5.7.48.1.1';
export const NONCE = '1.3.6.1.5.5.7.48.1.2';

export interface CertId {
  /** node's name of the hash (sha1, sha256, …). */
  hash: string;
  nameHash: Buffer;
  keyHash: Buffer;
  /** The serial as lower-case hex, minimal (no leading zero bytes). */
  serialHex: string;
  /** The CertID's own encoding, echoed in the answer. */
  raw: Buffer;
}

export interface OcspRequestInfo {
  certIds: CertId[];
  /** The request's nonce extension (whole Extension TLV), echoed in the answer. */
  nonce: Buffer | null;
}

/** Thrown for bytes that are not an OCSPRequest: the responder answers malformedRequest. */
export class MalformedOcspRequest extends Error {}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new MalformedOcspRequest(`OCSP request: ${what} expected`);
  return t;
}

function certIdOf(t: Tlv): CertId {
  const [alg, nameHash, keyHash, serial] = children(expect(t, 0x30, 'CertID').value);
  const hashOid = oidText(expect(children(expect(alg, 0x30, 'hashAlgorithm').value)[0], 0x06, 'hash OID').value);
  const hash = CERT_ID_HASHES[hashOid];
  if (!hash) throw new MalformedOcspRequest(`OCSP request: unsupported CertID hash ${hashOid}`);
  const s = expect(serial, 0x02, 'serialNumber').value;
  let hex = s.toString('hex').replace(/^(00)+/, '');
  if (hex === '') hex = '00';
  return { hash, nameHash: expect(nameHash, 0x04, 'issuerNameHash').value, keyHash: expect(keyHash, 0x04, 'issuerKeyHash').value, serialHex: hex, raw: t.raw };
}

export function parseOcspRequest(der: Buffer): OcspRequestInfo {
  try {
    const top = expect(parseDer(der), 0x30, 'OCSPRequest');
    const tbs = children(expect(children(top.value)[0], 0x30, 'TBSRequest').value);
    let at = 0;
    if (tbs[at]?.tag === 0xa0) at++; // version
    if (tbs[at]?.tag === 0xa1) at++; // requestorName
    const list = children(expect(tbs[at], 0x30, 'requestList').value);
    if (list.length === 0) throw new MalformedOcspRequest('OCSP request: empty requestList');
    const certIds = list.map((r) => certIdOf(children(expect(r, 0x30, 'Request').value)[0]!));
    let nonce: Buffer | null = null;
    const exts = tbs[at + 1];
    if (exts?.tag === 0xa2) {
      for (const e of children(expect(children(exts.value)[0], 0x30, 'Extensions').value)) {
        const id = children(e.value)[0];
        if (id?.tag === 0x06 && oidText(id.value) === NONCE) nonce = e.raw;
      }
    }
    return { certIds, nonce };
  } catch (e) {
    if (e instanceof DerError || e instanceof MalformedOcspRequest) throw new MalformedOcspRequest(e.message);
    throw e;
  }
}

/** The unsigned answers (OCSPResponseStatus without responseBytes). */
export const OCSP_MALFORMED = Buffer.from('30030a0101', 'hex');
export const OCSP_INTERNAL_ERROR = Buffer.from('30030a0102', 'hex');
export const OCSP_UNAUTHORIZED = Buffer.from('30030a0106', 'hex');

/** The parts of a certificate the CertID and ResponderID hash. */
export function certHashInputs(certDer: Buffer): { subject: Buffer; publicKeyBits: Buffer } {
  let tbs = children(children(parseDer(certDer).value)[0]!.value);
  if (tbs[0]?.tag === 0xa0) tbs = tbs.slice(1);
  // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
  const spki = children(tbs[5]!.value);
  return { subject: tbs[4]!.raw, publicKeyBits: spki[1]!.value.subarray(1) };
}

/** Whether `id` names the issuer whose certificate is `issuerDer`. */
export function certIdMatchesIssuer(id: CertId, issuerDer: Buffer): boolean {
  const { subject, publicKeyBits } = certHashInputs(issuerDer);
  return createHash(id.hash).update(subject).digest().equals(id.nameHash) && createHash(id.hash).update(publicKeyBits).digest().equals(id.keyHash);
}

export type CertStatus = { status: 'good' } | { status: 'unknown' } | { status: 'revoked'; revokedAt: Date };

export interface SingleAnswer {
  certId: CertId;
  cert: CertStatus;
  thisUpdate: Date;
  nextUpdate: Date | null;
}

function generalizedTime(d: Date): Buffer {
  return tlv(0x18, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`, 'latin1'));
}

function statusDer(c: CertStatus): Buffer {
  if (c.status === 'good') return Buffer.from([0x80, 0x00]);
  if (c.status === 'unknown') return Buffer.from([0x82, 0x00]);
  return tlv(0xa1, generalizedTime(c.revokedAt));
}

/** ResponseData: responder by key hash (as Go's ocsp package, which Vault uses), the answers, and the nonce echoed. */
export function responseData(issuerDer: Buffer, producedAt: Date, answers: SingleAnswer[], nonce: Buffer | null): Buffer {
  const keyHash = createHash('sha1').update(certHashInputs(issuerDer).publicKeyBits).digest();
  const singles = answers.map((a) =>
    seq(a.certId.raw, statusDer(a.cert), generalizedTime(a.thisUpdate), ...(a.nextUpdate ? [tlv(0xa0, generalizedTime(a.nextUpdate))] : [])),
  );
  return seq(tlv(0xa2, octets(keyHash)), generalizedTime(producedAt), seq(...singles), ...(nonce ? [tlv(0xa1, seq(nonce))] : []));
}

/** Signature AlgorithmIdentifier and node digest for a key, by node key type and size. */
export function signatureAlgorithm(keyType: string, bits: number): { der: Buffer; digest: string | null } {
  if (keyType === 'rsa') return { der: seq(oid('1.2.840.113549.1.1.11'), nullDer()), digest: 'sha256' };
  if (keyType === 'ec') {
    if (bits === 384) return { der: seq(oid('1.2.840.10045.4.3.3')), digest: 'sha384' };
    if (bits === 521) return { der: seq(oid('1.2.840.10045.4.3.4')), digest: 'sha512' };
    return { der: seq(oid('1.2.840.10045.4.3.2')), digest: 'sha256' };
  }
  return { der: seq(oid('1.3.101.112')), digest: null };
}

/** A successful OCSPResponse wrapping a BasicOCSPResponse. */
export function successfulResponse(tbs: Buffer, algorithm: Buffer, signature: Buffer): Buffer {
  const basic = seq(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
  return seq(tlv(0x0a, Buffer.from([0])), tlv(0xa0, seq(oid(BASIC), octets(basic))));
}
