/**
 * A minimal OCSP client (RFC 6960) for the cert method: asks each responder about the
 * client certificate by CertID (SHA-1 of the issuer's name and key, and the serial) over
 * HTTP POST, and trusts an answer only when signed by the issuer or by a responder
 * certificate the issuer signed for OCSP signing, and current.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import { children, integerHex, nullDer, octets, oid, oidText, parseDer, seq, type Tlv } from '../../lib/der.js';
import { parseCert, type ParsedCert } from './parsed-cert.js';

export type OcspStatus = 'good' | 'revoked' | 'unknown';

const SHA1 = '1.3.14.3.2.26';
const BASIC = '1.3.6.1.5.5.7.48.1.1';
const EKU_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** An OCSP answer is a few KiB; anything near this is not one. */
const MAX_RESPONSE_BYTES = 1 << 20;
/** Per responder: a login must not hang on an unreachable responder. */
const TIMEOUT_MS = 5000;

/** Signature algorithm OID → node's digest name (null: the key decides, Ed25519). */
const SIG_HASH: Record<string, string | null> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

const tbsOf = (c: ParsedCert): Tlv[] => {
  const tbs = children(children(parseDer(c.der).value)[0]!.value);
  return tbs[0]!.tag === 0xa0 ? tbs.slice(1) : tbs;
};

/** The CertID fields for `leaf` issued by `issuer`. */
export function certId(leaf: ParsedCert, issuer: ParsedCert): { nameHash: Buffer; keyHash: Buffer; serial: Buffer } {
  const issuerName = tbsOf(leaf)[2]!.raw;
  const spki = children(tbsOf(issuer)[5]!.value);
  const keyBits = spki[1]!.value.subarray(1);
  return {
    nameHash: createHash('sha1').update(issuerName).digest(),
    keyHash: createHash('sha1').update(keyBits).digest(),
    serial: children(children(parseDer(leaf.der).value)[0]!.value).find((t) => t.tag === 0x02)!.value,
  };
}

export function ocspRequest(leaf: ParsedCert, issuer: ParsedCert): Buffer {
  const id = certId(leaf, issuer);
  const serialHex = id.serial.toString('hex');
  const certIdDer = seq(seq(oid(SHA1), nullDer()), octets(id.nameHash), octets(id.keyHash), integerHex(serialHex));
  return seq(seq(seq(seq(certIdDer))));
}

function signatureValid(tbs: Buffer, algOid: string, sig: Buffer, signer: ParsedCert): boolean {
  if (!(algOid in SIG_HASH)) return false;
  try {
    return verifySignature(SIG_HASH[algOid] ?? null, tbs, signer.node.publicKey, sig);
  } catch {
    return false;
  }
}

/** The status a DER OCSPResponse gives for `leaf`, or null when it is unusable (bad status, signature, freshness). */
export function readOcspResponse(der: Buffer, leaf: ParsedCert, issuer: ParsedCert, now: Date): OcspStatus | null {
  const top = children(parseDer(der).value);
  if (top[0]?.tag !== 0x0a || top[0].value[0] !== 0 || top[1]?.tag !== 0xa0) return null;
  const bytes = children(children(top[1].value)[0]!.value);
  if (oidText(bytes[0]!.value) !== BASIC) return null;
  const basic = children(parseDer(bytes[1]!.value).value);
  const [tbs, alg, sigBits, certs] = basic;
  if (!tbs || !alg || !sigBits) return null;
  const algOid = oidText(children(alg.value)[0]!.value);
  const sig = sigBits.value.subarray(1);
  const embedded = certs?.tag === 0xa0 ? children(children(certs.value)[0]!.value).map((t) => parseCert(t.raw)) : [];
  const delegated = embedded.filter((c) => c.extKeyUsage?.includes(EKU_OCSP_SIGNING) && c.node.checkIssued(issuer.node) && c.node.verify(issuer.node.publicKey));
  if (![issuer, ...delegated].some((s) => signatureValid(tbs.raw, algOid, sig, s))) return null;

  let data = children(tbs.value);
  if (data[0]?.tag === 0xa0) data = data.slice(1);
  const responses = children(data[2]!.value);
  const want = certId(leaf, issuer);
  for (const r of responses) {
    const [id, status, thisUpdate, next] = children(r.value);
    if (!id || !status || !thisUpdate) continue;
    const f = children(id.value);
    if (!f[1]?.value.equals(want.nameHash) || !f[2]?.value.equals(want.keyHash) || !f[3]?.value.equals(want.serial)) continue;
    const produced = generalizedTime(thisUpdate.value);
    if (Number.isNaN(produced) || produced > now.getTime() + 60_000) return null;
    if (next?.tag === 0xa0) {
      const until = generalizedTime(children(next.value)[0]!.value);
      if (Number.isNaN(until) || until < now.getTime()) return null;
    }
    if (status.tag === 0x80) return 'good';
    if (status.tag === 0xa1) return 'revoked';
    return 'unknown';
  }
  return null;
}

/** GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` → epoch ms. */
function generalizedTime(v: Buffer): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(v.toString('latin1'));
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Asks one responder; null when it cannot be reached or gives no usable answer. */
export async function queryResponder(url: string, leaf: ParsedCert, issuer: ParsedCert, now: Date): Promise<OcspStatus | null> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response' },
      body: ocspRequest(leaf, issuer),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.status !== 200 || !res.body) return null;
    const body = await readCapped(res.body, MAX_RESPONSE_BYTES);
    return body === null ? null : readOcspResponse(body, leaf, issuer, now);
  } catch {
    return null;
  }
}

/** The whole body, or null (and the stream cancelled) once it passes `max` bytes. */
async function readCapped(body: ReadableStream<Uint8Array>, max: number): Promise<Buffer | null> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(parts);
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
}
