/**
 * Storage of the cert method: trusted certificate entries at `cert/<name>` (Vault's
 * layout), CRLs at `crls/<name>` as the revoked serials they list, and `config`.
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { TokenParams } from '../token-fields.js';

/** One `certs/<name>` entry: what to trust, what to require of a client certificate, and its tokens. */
export interface CertEntry {
  name: string;
  certificate: string;
  displayName: string;
  allowedNames: string[];
  allowedCommonNames: string[];
  allowedDnsSans: string[];
  allowedEmailSans: string[];
  allowedUriSans: string[];
  allowedOrganizationalUnits: string[];
  requiredExtensions: string[];
  allowedMetadataExtensions: string[];
  ocspEnabled: boolean;
  ocspCaCertificates: string;
  ocspServersOverride: string[];
  ocspFailOpen: boolean;
  ocspQueryAllServers: boolean;
  token: TokenParams;
}

/** A CRL as Vault keeps it: the revoked serials, decimal. */
export interface CrlEntry {
  serials: Record<string, Record<string, never>>;
}

export interface CertConfig {
  disableBinding: boolean;
  enableIdentityAliasMetadata: boolean;
  enableMetadataOnFailures: boolean;
  ocspCacheSize: number;
  roleCacheSize: number;
}

export const DEFAULT_CONFIG: CertConfig = {
  disableBinding: false,
  enableIdentityAliasMetadata: false,
  enableMetadataOnFailures: false,
  ocspCacheSize: 100,
  roleCacheSize: 200,
};

const certKey = (name: string): string => `cert/${name.toLowerCase()}`;
const crlKey = (name: string): string => `crls/${name.toLowerCase()}`;

export const readCert = (s: Storage, name: string): Promise<CertEntry | null> => getJSON<CertEntry>(s, certKey(name));
export const writeCert = (s: Storage, e: CertEntry): Promise<void> => putJSON(s, certKey(e.name), e);
export const deleteCert = (s: Storage, name: string): Promise<void> => s.delete(certKey(name));
export const listCerts = async (s: Storage): Promise<string[]> => (await s.list('cert/')).filter((k) => !k.endsWith('/'));

export const readCrl = (s: Storage, name: string): Promise<CrlEntry | null> => getJSON<CrlEntry>(s, crlKey(name));
export const writeCrl = (s: Storage, name: string, c: CrlEntry): Promise<void> => putJSON(s, crlKey(name), c);
export const deleteCrl = (s: Storage, name: string): Promise<void> => s.delete(crlKey(name));
export const listCrls = async (s: Storage): Promise<string[]> => (await s.list('crls/')).filter((k) => !k.endsWith('/'));

export async function readConfig(s: Storage): Promise<CertConfig> {
  return { ...DEFAULT_CONFIG, ...((await getJSON<Partial<CertConfig>>(s, 'config')) ?? {}) };
}
export const writeConfig = (s: Storage, c: CertConfig): Promise<void> => putJSON(s, 'config', c);

/** True when any CRL lists `serialDecimal`. */
export async function isRevoked(s: Storage, serialDecimal: string): Promise<boolean> {
  for (const name of await listCrls(s)) {
    const crl = await readCrl(s, name);
    if (crl && Object.hasOwn(crl.serials, serialDecimal)) return true;
  }
  return false;
}
