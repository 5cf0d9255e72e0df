/**
 * The PKCS#7 (CMS SignedData) form of an EC2 instance identity document, as the
 * instance metadata service's `pkcs7` (and `rsa2048`) documents carry it: the document
 * is the encapsulated content and AWS's signer info signs it, through signed attributes
 * (whose message digest must be the content's) or directly. Certificates are never taken
 * from the message: only those configured with `config/certificate/:name` may verify it.
 * Pure: parsing throws Pkcs7Error on anything malformed, verification answers yes or no.
 */
import { createHash, verify, type X509Certificate } from 'node:crypto';
import { DerError, oidText } from '../../lib/der.js';
import { BerError, octetString, parseBer, type BerNode } from './ber.js';

export class Pkcs7Error extends Error {}

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface SignedDocument {
  /** The encapsulated content: the identity document's bytes. */
  content: Buffer;
  hash: string;
  /** The signed attributes re-tagged as a SET (what the signature covers), or null. */
  signedAttrs: Buffer | null;
  /** The messageDigest attribute's value, when there are signed attributes. */
  messageDigest: Buffer | null;
  signature: Buffer;
}

function expect(t: BerNode | undefined, tag: number, what: string): BerNode {
  if (!t || t.tag !== tag) throw new Pkcs7Error(`malformed PKCS#7: ${what}`);
  return t;
}

/** A constructed node's children (checked). */
function kids(t: BerNode | undefined, tag: number, what: string): BerNode[] {
  const k = expect(t, tag, what).kids;
  if (!k) throw new Pkcs7Error(`malformed PKCS#7: ${what}`);
  return k;
}

/** Parses base64 BER or DER (what the agent sends as `pkcs7`, line breaks allowed). */
export function parsePkcs7(b64: string): SignedDocument {
  const der = Buffer.from(b64.replace(/\s+/g, ''), 'base64');
  try {
    return parseSignedData(der);
  } catch (e) {
    if (e instanceof BerError || e instanceof DerError) throw new Pkcs7Error(`malformed PKCS#7: ${e.message}`);
    throw e;
  }
}

function parseSignedData(der: Buffer): SignedDocument {
  const [type, explicit] = kids(parseBer(der), 0x30, 'ContentInfo');
  if (oidText(expect(type, 0x06, 'content type').value) !== SIGNED_DATA) throw new Pkcs7Error('PKCS#7 is not SignedData');
  const [signedData] = kids(explicit, 0xa0, 'SignedData wrapper');
  const parts = kids(signedData, 0x30, 'SignedData');
  const encap = kids(parts[2], 0x30, 'encapsulated content');
  const wrapped = encap[1] ? kids(encap[1], 0xa0, 'content wrapper')[0] : undefined;
  if (!wrapped) throw new Pkcs7Error('malformed PKCS#7: content');
  const content = octetString(wrapped);
  const signerInfos = kids(parts[parts.length - 1], 0x31, 'signer infos');
  if (signerInfos.length !== 1) throw new Pkcs7Error('PKCS#7 must have exactly one signer');
  const si = kids(signerInfos[0], 0x30, 'signer info');
  const digestAlg = kids(si[2], 0x30, 'digest algorithm')[0];
  const hash = DIGESTS[oidText(expect(digestAlg, 0x06, 'digest algorithm').value)];
  if (!hash) throw new Pkcs7Error('unsupported PKCS#7 digest algorithm');
  let at = 3;
  let signedAttrs: Buffer | null = null;
  let messageDigest: Buffer | null = null;
  if (si[at]?.tag === 0xa0) {
    // The signature is over the DER encoding, so only a definite-length set can be checked.
    if (si[at]!.indefinite) throw new Pkcs7Error('malformed PKCS#7: signed attributes must be DER');
    const raw = si[at]!.raw;
    // The signature covers the attributes DER-encoded as a SET, not as the [0] it is sent in.
    signedAttrs = Buffer.concat([Buffer.from([0x31]), raw.subarray(1)]);
    for (const attr of si[at]!.kids ?? []) {
      const [attrType, values] = kids(attr, 0x30, 'attribute');
      if (oidText(expect(attrType, 0x06, 'attribute type').value) !== MESSAGE_DIGEST) continue;
      messageDigest = expect(kids(values, 0x31, 'attribute values')[0], 0x04, 'message digest').value;
    }
    if (!messageDigest) throw new Pkcs7Error('PKCS#7 signed attributes lack a message digest');
    at++;
  }
  expect(si[at], 0x30, 'signature algorithm');
  const sig = si[at + 1];
  if (!sig) throw new Pkcs7Error('malformed PKCS#7: signature');
  const signature = octetString(sig);
  return { content, hash, signedAttrs, messageDigest, signature };
}

/** True when one of the certificates' keys signed the document (RSA, DSA or ECDSA). */
export function verifySignedDocument(doc: SignedDocument, certs: readonly X509Certificate[]): boolean {
  let data = doc.content;
  if (doc.signedAttrs) {
    const digest = createHash(doc.hash).update(doc.content).digest();
    if (!doc.messageDigest || !digest.equals(doc.messageDigest)) return false;
    data = doc.signedAttrs;
  }
  return certs.some((c) => {
    try {
      return verify(doc.hash, data, c.publicKey, doc.signature);
    } catch {
      return false;
    }
  });
}

/** The identity document + SHA256 RSA signature form (`identity` and `signature`). */
export function verifyRsaSignature(identity: Buffer, signature: Buffer, certs: readonly X509Certificate[]): boolean {
  return certs.some((c) => {
    try {
      return c.publicKey.asymmetricKeyType === 'rsa' && verify('sha256', identity, c.publicKey, signature);
    } catch {
      return false;
    }
  });
}
