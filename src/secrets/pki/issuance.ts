/**
 * Shared issuing steps: lifetime arithmetic, signing with a stored issuer, recording the
 * certificate, and shaping the response in the requested format.
 */
import { formatDuration } from '../../lib/duration.js';
import { badRequest } from '../../sdk/errors.js';
import type { Logger, SystemView } from '../../sdk/logical.js';
import { putJSON, type Storage } from '../../sdk/storage.js';
import { buildCertificate, type CertTemplate } from './cert-builder.js';
import { pemBlocks, serialKey, unix } from './format.js';
import { exportPrivateKey } from './keys.js';
import { certPath, readUrls, requireKey, type CertRecord, type Issuer } from './store.js';

/** What every PKI path handler may reach besides the request. */
export interface PkiContext {
  system: SystemView;
  logger: Logger;
}

export interface LifetimeInput {
  now: number; // epoch ms
  requestedTtl: number; // seconds, 0 = not given
  defaultTtl: number;
  maxTtl: number; // 0 = unlimited
  /** The signing CA's notAfter (epoch ms); a child never outlives its issuer. */
  issuerNotAfter?: number;
}

/** notAfter for a new certificate, with a warning for every cap applied. */
export function resolveNotAfter(i: LifetimeInput): { notAfter: number; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = i.requestedTtl > 0 ? i.requestedTtl : i.defaultTtl;
  if (i.maxTtl > 0 && (ttl <= 0 || ttl > i.maxTtl)) {
    if (ttl > i.maxTtl) warnings.push(`TTL "${formatDuration(ttl)}" is longer than permitted maxTTL "${formatDuration(i.maxTtl)}", so it is being truncated`);
    ttl = i.maxTtl;
  }
  if (ttl <= 0) throw badRequest('unable to determine a TTL: set ttl on the request or the role, or a max_lease_ttl on the mount');
  let notAfter = i.now + ttl * 1000;
  if (i.issuerNotAfter !== undefined && notAfter > i.issuerNotAfter) {
    notAfter = i.issuerNotAfter;
    warnings.push('the requested lifetime extends past the issuing CA certificate; notAfter was capped to the CA expiry');
  }
  if (notAfter <= i.now) throw badRequest('the issuing CA certificate has expired');
  return { notAfter, warnings };
}

/** The issuer's certificate followed by its parents: `ca_chain` in responses. */
export const chainOf = (issuer: Issuer): string[] => [issuer.certificate, ...issuer.parents];

/** Signs `t` with `issuer`'s stored key, embedding the mount's URLs, and records the result. */
export async function signWithIssuer(
  s: Storage,
  issuer: Issuer,
  t: Omit<CertTemplate, 'urls'>,
  opts: { noStore?: boolean } = {},
): Promise<{ pem: string; serial: string }> {
  const key = await requireKey(s, issuer.keyId);
  // An issuer's own AIA URLs replace the mount's config/urls, as in Vault.
  const out = await buildCertificate({ ...t, urls: issuer.urls ?? (await readUrls(s)), deltaCrlUrls: issuer.deltaCrlDistributionPoints ?? [] }, { privateKeyPem: key.privateKeyPem, issuerCert: issuer.certificate });
  if (!opts.noStore) await recordCert(s, { serial: out.serial, certificate: out.pem, issuerId: issuer.id, notAfter: t.notAfter.getTime() });
  return out;
}

export async function recordCert(s: Storage, r: CertRecord): Promise<void> {
  await putJSON(s, certPath(serialKey(r.serial)), r);
}

export type CertFormat = 'pem' | 'der' | 'pem_bundle';
export const CERT_FORMATS: readonly string[] = ['pem', 'der', 'pem_bundle'];

const derB64 = (pem: string): string => {
  const body = pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64').toString('base64');
};

export interface IssuedParts {
  certificate: string;
  serial: string;
  notAfter: number; // epoch ms
  issuer: Issuer;
  /** Stored-form (PKCS#8) private key, when this request generated one. */
  privateKeyPem?: string;
  privateKeyType?: string;
  pkcs8?: boolean;
}

/** The `data` of issue/sign/sign-intermediate responses in the requested format. */
export function issuedData(format: CertFormat, p: IssuedParts): Record<string, unknown> {
  const chain = chainOf(p.issuer);
  const key = p.privateKeyPem ? exportPrivateKey(p.privateKeyPem, p.pkcs8 ?? false) : undefined;
  const data: Record<string, unknown> = { serial_number: p.serial, expiration: unix(p.notAfter) };
  if (format === 'der') {
    data.certificate = derB64(p.certificate);
    data.issuing_ca = derB64(p.issuer.certificate);
    data.ca_chain = chain.map(derB64);
    if (key) data.private_key = derB64(key);
  } else {
    data.certificate = format === 'pem_bundle' ? [key, p.certificate, ...chain].filter((x) => x !== undefined).join('\n') : p.certificate;
    data.issuing_ca = p.issuer.certificate;
    data.ca_chain = chain;
    if (key) data.private_key = key;
  }
  if (key) data.private_key_type = p.privateKeyType;
  return data;
}

/** The first certificate of a PEM text, or a 400 naming the field. */
export function firstCert(pem: string, fieldName: string): string {
  const [first] = pemBlocks(pem);
  if (!first) throw badRequest(`no certificate found in "${fieldName}"`);
  return first;
}
