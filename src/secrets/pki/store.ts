/**
 * The PKI mount's storage layout. Everything sits in the mount's barrier view, so keys
 * are encrypted at rest; none of these records is returned to clients whole.
 *
 *   config/key/<id>       StoredKey (private key PEM)
 *   config/issuer/<id>    Issuer (CA certificate, chain, key reference)
 *   config/issuers        { default: issuer id, default_follows_latest_issuer? }
 *   config/keys           { default: key id }
 *   config/urls           UrlConfig
 *   certs/<aa-bb-…>       CertRecord for every stored certificate
 *   revoked/<aa-bb-…>     RevokedRecord
 *   crls/<issuer id>      CrlRecord (the current signed CRL)
 *   delta-crls/<id>       CrlRecord (the current delta CRL, when enabled)
 *   config/crl            CrlConfig
 *   role/<name>           Role
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { KeyType } from './keys.js';

export interface StoredKey {
  id: string;
  name: string;
  type: KeyType;
  bits: number;
  privateKeyPem: string;
}

export interface Issuer {
  id: string;
  name: string;
  keyId: string;
  /** This CA's certificate, PEM. */
  certificate: string;
  /** The certificates above this one, nearest first (empty for a root). */
  parents: string[];
  serial: string;
  notAfter: number; // epoch ms
  /** Multi-issuer settings (issuer/:ref update); absent on records written before them. */
  leafNotAfterBehavior?: LeafNotAfterBehavior;
  /** Usage names; absent means all of them. */
  usage?: string[];
  /** Issuer ids for ca_chain, this issuer first; empty or absent means computed. */
  manualChain?: string[];
  /** Per-issuer AIA URLs; when set they replace config/urls for certificates it signs. */
  urls?: UrlConfig;
  /** Delta CRL URLs (the Freshest CRL extension) for certificates it signs. */
  deltaCrlDistributionPoints?: string[];
  revoked?: boolean;
  revocationTime?: number; // unix seconds
}

export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export interface CertRecord {
  serial: string; // colon form
  certificate: string;
  issuerId: string;
  notAfter: number; // epoch ms
}

export interface RevokedRecord {
  serial: string;
  certificate: string;
  issuerId: string;
  notAfter: number;
  revocationTime: number; // unix seconds
}

export interface UrlConfig {
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
}

export interface CrlRecord {
  der: string; // base64
  number: number;
  /** Epoch ms; absent on CRLs stored before these were recorded. */
  thisUpdate?: number;
  nextUpdate?: number;
  /** Delta CRLs: the number of the complete CRL they extend. */
  base?: number;
}

export const EMPTY_URLS: UrlConfig = { issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [] };

export const keyPath = (id: string) => `config/key/${id}`;
export const issuerPath = (id: string) => `config/issuer/${id}`;
export const certPath = (serialKey: string) => `certs/${serialKey}`;
export const revokedPath = (serialKey: string) => `revoked/${serialKey}`;
export const crlPath = (issuerId: string) => `crls/${issuerId}`;
export const deltaCrlPath = (issuerId: string) => `delta-crls/${issuerId}`;

export async function listIssuers(s: Storage): Promise<Issuer[]> {
  const out: Issuer[] = [];
  for (const id of await s.list('config/issuer/')) {
    const i = await getJSON<Issuer>(s, issuerPath(id));
    if (i) out.push(i);
  }
  return out;
}

export async function defaultIssuerId(s: Storage): Promise<string | null> {
  return (await getJSON<{ default: string }>(s, 'config/issuers'))?.default ?? null;
}

export async function setDefaultIssuer(s: Storage, id: string): Promise<void> {
  await putJSON(s, 'config/issuers', { default: id });
}

/**
 * Resolves an issuer reference: "default", an issuer id, or an issuer name. Returns
 * null when nothing matches so callers choose between 400 and "no CA yet".
 */
export async function findIssuer(s: Storage, ref = 'default'): Promise<Issuer | null> {
  if (ref === '' || ref === 'default') {
    const id = await defaultIssuerId(s);
    return id ? getJSON<Issuer>(s, issuerPath(id)) : null;
  }
  const byId = await getJSON<Issuer>(s, issuerPath(ref));
  if (byId) return byId;
  return (await listIssuers(s)).find((i) => i.name === ref) ?? null;
}

/** Like findIssuer but a missing issuer is the caller's mistake. */
export async function requireIssuer(s: Storage, ref = 'default'): Promise<Issuer> {
  const i = await findIssuer(s, ref);
  if (i) return i;
  if (ref === '' || ref === 'default') throw badRequest('no default issuer currently configured; generate or import a CA first');
  throw badRequest(`unable to find PKI issuer for reference: ${ref}`);
}

export async function requireKey(s: Storage, id: string): Promise<StoredKey> {
  const k = await getJSON<StoredKey>(s, keyPath(id));
  if (!k) throw badRequest(`unable to find PKI key for reference: ${id}`);
  return k;
}

/** Refuses a name already used by another issuer or key: names must resolve uniquely. */
export async function assertNameFree(s: Storage, kind: 'issuer' | 'key', name: string): Promise<void> {
  if (name === '') return;
  if (name === 'default') throw badRequest(`reserved ${kind} name "default"`);
  if (kind === 'issuer') {
    if ((await listIssuers(s)).some((i) => i.name === name)) throw badRequest(`issuer name "${name}" is already in use`);
    return;
  }
  for (const id of await s.list('config/key/')) {
    if ((await getJSON<StoredKey>(s, keyPath(id)))?.name === name) throw badRequest(`key name "${name}" is already in use`);
  }
}

export async function readUrls(s: Storage): Promise<UrlConfig> {
  return { ...EMPTY_URLS, ...((await getJSON<UrlConfig>(s, 'config/urls')) ?? {}) };
}
