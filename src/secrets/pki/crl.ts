/**
 * Certificate revocation: the revoked-record store and the per-issuer complete and delta
 * CRLs. A CRL is signed when its issuer appears (generated, imported, given its key,
 * given crl-signing back), when the revoked set changes (or on rotation, with
 * auto_rebuild), so fetches only read: a performance standby cannot write, and a read
 * should not pay for a signature. Only issuers with a key here and the crl-signing usage
 * sign CRLs (Vault's buildCRLs); one that loses the usage keeps serving its last CRL.
 */
import * as x509 from '@peculiar/x509';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { keyToColon, serialKey, unix } from './format.js';
import { usageOf } from './registry.js';
import { importSigner } from './keys.js';
import { crlTimes, readCrlConfig } from './crl-config.js';
import { certPath, crlPath, defaultIssuerId, deltaCrlPath, keyPath, listIssuers, requireKey, revokedPath, type CertRecord, type CrlRecord, type Issuer, type RevokedRecord } from './store.js';

/** DER INTEGER for the CRL Number and Delta CRL Indicator extensions (RFC 5280 §5.2.3, §5.2.4). */
function derInteger(n: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, 'hex');
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

const CRL_NUMBER = '2.5.29.20';
const DELTA_CRL_INDICATOR = '2.5.29.27';

/**
 * The revocations `issuer`'s CRL lists: those of the certificates it signed and, on the
 * default issuer's CRL, those whose issuer signs no CRL here (deleted, keyless, or
 * without crl-signing), as Vault's "unassigned" certificates.
 */
export async function revokedFor(s: Storage, issuer: Issuer): Promise<RevokedRecord[]> {
  const orphansToo = (await defaultIssuerId(s)) === issuer.id;
  const signers = orphansToo ? new Set((await crlSigningIssuers(s)).map((i) => i.id)) : new Set<string>();
  const out: RevokedRecord[] = [];
  for (const k of await s.list('revoked/')) {
    const r = await getJSON<RevokedRecord>(s, revokedPath(k));
    // A CA is never put on its own CRL (as revokeSerial refuses), even as an orphan.
    if (r && (r.issuerId === issuer.id || (orphansToo && !signers.has(r.issuerId) && r.serial !== issuer.serial))) out.push(r);
  }
  return out;
}

/**
 * Complete and delta CRLs of one issuer share one number sequence (RFC 5280 §5.2.3), so
 * every CRL this issuer signs has a number larger than any before it.
 */
async function nextNumber(s: Storage, issuerId: string): Promise<number> {
  const complete = await getJSON<CrlRecord>(s, crlPath(issuerId));
  const delta = await getJSON<CrlRecord>(s, deltaCrlPath(issuerId));
  return Math.max(complete?.number ?? 0, delta?.number ?? 0) + 1;
}

async function signCrl(s: Storage, issuer: Issuer, entries: RevokedRecord[], number: number, now: number, expirySec: number, base?: number): Promise<Buffer> {
  const signer = await importSigner((await requireKey(s, issuer.keyId)).privateKeyPem);
  const cert = new x509.X509Certificate(issuer.certificate);
  const extensions = [await x509.AuthorityKeyIdentifierExtension.create(cert.publicKey), new x509.Extension(CRL_NUMBER, false, derInteger(number))];
  if (base !== undefined) extensions.push(new x509.Extension(DELTA_CRL_INDICATOR, true, derInteger(base)));
  const crl = await x509.X509CrlGenerator.create({
    issuer: cert.subjectName,
    thisUpdate: new Date(now),
    nextUpdate: new Date(now + expirySec * 1000),
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    entries: entries.map((r) => ({ serialNumber: r.serial.replace(/:/g, ''), revocationDate: new Date(r.revocationTime * 1000) })),
    extensions,
  });
  return Buffer.from(crl.rawData);
}

/**
 * One issuer's CRLs are signed one at a time (requests, the periodic work and the load-time
 * check all sign): each reads the last number and stores the next, so two at once would
 * sign different CRLs under one number. Issuer ids are UUIDs, unique across mounts.
 */
const signing = new KeyedMutex();

/**
 * Signs a fresh complete CRL for `issuer` and stores it: its revoked certificates, or none
 * while `disable` is set (Vault then serves a signed, empty CRL). With delta CRLs enabled,
 * the delta restarts empty against the new complete CRL.
 */
export function rebuildCrl(s: Storage, issuer: Issuer, now = Date.now()): Promise<Buffer> {
  return signing.run(issuer.id, () => signComplete(s, issuer, now));
}

async function signComplete(s: Storage, issuer: Issuer, now: number): Promise<Buffer> {
  const config = await readCrlConfig(s);
  const { expiry } = crlTimes(config);
  const number = await nextNumber(s, issuer.id);
  const der = await signCrl(s, issuer, config.disable ? [] : await revokedFor(s, issuer), number, now, expiry);
  await putJSON(s, crlPath(issuer.id), { der: der.toString('base64'), number, thisUpdate: now, nextUpdate: now + expiry * 1000 } satisfies CrlRecord);
  if (config.enable_delta) await signDelta(s, issuer, now);
  return der;
}

/** Serials (lower-case hex, no leading zeros) a stored CRL lists. */
function listed(der: Buffer): Set<string> {
  return new Set(new x509.X509Crl(new Uint8Array(der)).entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, '')));
}

/**
 * Signs a delta CRL: the revocations the current complete CRL does not list yet, with a
 * critical Delta CRL Indicator naming that complete CRL's number.
 */
export function rebuildDeltaCrl(s: Storage, issuer: Issuer, now = Date.now()): Promise<Buffer> {
  return signing.run(issuer.id, () => signDelta(s, issuer, now));
}

async function signDelta(s: Storage, issuer: Issuer, now: number): Promise<Buffer> {
  const config = await readCrlConfig(s);
  const { expiry } = crlTimes(config);
  const complete = await getJSON<CrlRecord>(s, crlPath(issuer.id));
  if (!complete) {
    await signComplete(s, issuer, now);
    return deltaOrThrow(s, issuer);
  }
  const inComplete = listed(Buffer.from(complete.der, 'base64'));
  const fresh = config.disable ? [] : (await revokedFor(s, issuer)).filter((r) => !inComplete.has(r.serial.replace(/:/g, '').replace(/^0+/, '')));
  const number = await nextNumber(s, issuer.id);
  const der = await signCrl(s, issuer, fresh, number, now, expiry, complete.number);
  await putJSON(s, deltaCrlPath(issuer.id), { der: der.toString('base64'), number, thisUpdate: now, nextUpdate: now + expiry * 1000, base: complete.number } satisfies CrlRecord);
  return der;
}

async function deltaOrThrow(s: Storage, issuer: Issuer): Promise<Buffer> {
  const rec = await getJSON<CrlRecord>(s, deltaCrlPath(issuer.id));
  if (!rec) throw new Error(`delta CRL of issuer ${issuer.id} was not built`);
  return Buffer.from(rec.der, 'base64');
}

/** Issuers whose key is held here: an imported CA certificate without its key can sign nothing. */
export async function signingIssuers(s: Storage): Promise<Issuer[]> {
  const out: Issuer[] = [];
  for (const i of await listIssuers(s)) if (i.keyId && (await s.get(keyPath(i.keyId))) !== null) out.push(i);
  return out;
}

/** Issuers that sign CRLs: a key here and the crl-signing usage. */
export async function crlSigningIssuers(s: Storage): Promise<Issuer[]> {
  return (await signingIssuers(s)).filter((i) => usageOf(i).includes('crl-signing'));
}

export async function rebuildAllCrls(s: Storage, now = Date.now()): Promise<void> {
  for (const i of await crlSigningIssuers(s)) await rebuildCrl(s, i, now);
}

export async function rebuildAllDeltaCrls(s: Storage, now = Date.now()): Promise<void> {
  for (const i of await crlSigningIssuers(s)) await rebuildDeltaCrl(s, i, now);
}

/**
 * Signs a CRL for every CRL-signing issuer that has none yet (and its delta CRL while
 * those are on): after anything that can make an issuer able to sign one, and when a
 * mount loads, so that no fetch ever has to.
 */
export async function ensureCrls(s: Storage, now = Date.now()): Promise<void> {
  const delta = (await readCrlConfig(s)).enable_delta;
  for (const i of await crlSigningIssuers(s)) {
    // Checked while holding the issuer's turn, so a request and the periodic work never both sign a first CRL.
    await signing.run(i.id, async () => {
      if ((await s.get(crlPath(i.id))) === null) await signComplete(s, i, now);
      else if (delta && (await s.get(deltaCrlPath(i.id))) === null) await signDelta(s, i, now);
    });
  }
}

/** Vault's text (and reference) when an issuer has no CRL: keyless, or never allowed to sign one. */
const noCrl = (issuer: Issuer, ref: string) => badRequest(`unable to find CRL for issuer: id:${issuer.id}/ref:${ref}`);

/** The stored CRL for `issuer` (named by `ref` in the request); read only, never built here. */
export async function crlDer(s: Storage, issuer: Issuer, ref: string): Promise<Buffer> {
  const rec = await getJSON<CrlRecord>(s, crlPath(issuer.id));
  if (!rec) throw noCrl(issuer, ref);
  return Buffer.from(rec.der, 'base64');
}

/** The stored delta CRL for `issuer`, or null when there is none (delta CRLs off); read only. */
export async function deltaCrlDer(s: Storage, issuer: Issuer, ref: string): Promise<Buffer | null> {
  const rec = await getJSON<CrlRecord>(s, deltaCrlPath(issuer.id));
  if (rec) return Buffer.from(rec.der, 'base64');
  if ((await s.get(crlPath(issuer.id))) === null) throw noCrl(issuer, ref);
  return null;
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
  await crlAfterRevocation(s, issuer, now);
  return { revocationTime, warnings };
}

/**
 * After a revocation signed by `issuer`: re-sign the CRL that lists it now (its own, or
 * the default issuer's when `issuer` signs no CRL here or is gone), or, with
 * auto_rebuild, leave it to the periodic rebuild (and the delta CRL to its interval), as
 * Vault: a burst of revocations then costs one signature.
 */
export async function crlAfterRevocation(s: Storage, issuer: Issuer | undefined, now = Date.now()): Promise<void> {
  if ((await readCrlConfig(s)).auto_rebuild) return;
  const signers = await crlSigningIssuers(s);
  const own = issuer && signers.find((i) => i.id === issuer.id);
  const defaultId = await defaultIssuerId(s);
  const target = own ?? signers.find((i) => i.id === defaultId);
  if (target) await rebuildCrl(s, target, now);
}
