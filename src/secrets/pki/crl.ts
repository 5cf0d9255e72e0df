/**
 * Certificate revocation: the revoked-record store and the per-issuer CRL, rebuilt and
 * re-signed whenever the revoked set changes so fetches never sign on the read path.
 */
import * as x509 from '@peculiar/x509';
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { keyToColon, serialKey, unix } from './format.js';
import { importSigner } from './keys.js';
import { certPath, crlPath, listIssuers, requireKey, revokedPath, type CertRecord, type CrlRecord, type Issuer, type RevokedRecord } from './store.js';

/** How long a CRL stays fresh: Vault's default `expiry` of 72h. */
export const CRL_LIFETIME_MS = 72 * 3600 * 1000;

/** DER INTEGER for the CRL Number extension (RFC 5280 §5.2.3). */
function derInteger(n: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

export async function revokedFor(s: Storage, issuerId: string): Promise<RevokedRecord[]> {
  const out: RevokedRecord[] = [];
  for (const k of await s.list('revoked/')) {
    const r = await getJSON<RevokedRecord>(s, revokedPath(k));
    if (r && r.issuerId === issuerId) out.push(r);
  }
  return out;
}

/** Signs a fresh CRL for `issuer` listing its revoked certificates, and stores it. */
export async function rebuildCrl(s: Storage, issuer: Issuer, now = Date.now()): Promise<Buffer> {
  const key = await requireKey(s, issuer.keyId);
  const signer = await importSigner(key.privateKeyPem);
  const prev = await getJSON<CrlRecord>(s, crlPath(issuer.id));
  const number = (prev?.number ?? 0) + 1;
  const cert = new x509.X509Certificate(issuer.certificate);
  const crl = await x509.X509CrlGenerator.create({
    issuer: cert.subjectName,
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + CRL_LIFETIME_MS),
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    entries: (await revokedFor(s, issuer.id)).map((r) => ({
      serialNumber: r.serial.replace(/:/g, ''),
      revocationDate: new Date(r.revocationTime * 1000),
    })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey),
      new x509.Extension('2.5.29.20', false, derInteger(number)),
    ],
  });
  const der = Buffer.from(crl.rawData);
  await putJSON(s, crlPath(issuer.id), { der: der.toString('base64'), number } satisfies CrlRecord);
  return der;
}

export async function rebuildAllCrls(s: Storage): Promise<void> {
  for (const i of await listIssuers(s)) await rebuildCrl(s, i);
}

/** The stored CRL for `issuer`, building one on first use. */
export async function crlDer(s: Storage, issuer: Issuer): Promise<Buffer> {
  const rec = await getJSON<CrlRecord>(s, crlPath(issuer.id));
  return rec ? Buffer.from(rec.der, 'base64') : rebuildCrl(s, issuer);
}

/**
 * Revokes a stored certificate and re-signs its issuer's CRL. Revoking again returns
 * the original time. A CA's own certificate cannot be put on its own CRL.
 */
export async function revokeSerial(s: Storage, serialInput: string, now = Date.now()): Promise<{ revocationTime: number; warnings: string[] }> {
  const key = serialKey(serialInput);
  const already = await getJSON<RevokedRecord>(s, revokedPath(key));
  if (already) return { revocationTime: already.revocationTime, warnings: [] };
  const rec = await getJSON<CertRecord>(s, certPath(key));
  if (!rec) throw badRequest(`certificate with serial ${keyToColon(key)} not found.`);
  const issuers = await listIssuers(s);
  const own = issuers.find((i) => i.serial === rec.serial);
  if (own) throw badRequest(`adding issuer (id: ${own.id}) to its own CRL is not allowed`);
  const issuer = issuers.find((i) => i.id === rec.issuerId);
  const warnings: string[] = [];
  if (rec.notAfter <= now) warnings.push('certificate has already expired; it was still added to the CRL');
  const revocationTime = unix(now);
  await putJSON(s, revokedPath(key), { ...rec, revocationTime } satisfies RevokedRecord);
  if (issuer) await rebuildCrl(s, issuer, now);
  return { revocationTime, warnings };
}
