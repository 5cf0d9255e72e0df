/**
 * Vault's verifyCredentials for the cert method: the presented chain must verify against
 * the trusted certificates of the `certs/` entries (one, when a name is given), and some
 * entry whose certificate is in a verified chain must accept the client certificate: no
 * certificate of the chain on a CRL, every name constraint met, OCSP (when enabled) good.
 * A non-CA entry trusts exactly one client certificate (same serial and authority key).
 */
import { badRequest } from '../../sdk/errors.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { ChainError, verifyChains } from './chain.js';
import { matchesConstraints } from './constraints.js';
import { parseCert, parsePemBundle, type ParsedCert } from './parsed-cert.js';
import { isRevoked, listCerts, readCert, type CertEntry } from './store.js';

export const INVALID_CERT = 'invalid certificate or no client certificate supplied';
export const NO_MATCHING_CHAIN = 'no chain matching all constraints could be found for this login certificate';

interface Trusted {
  entry: CertEntry;
  certs: ParsedCert[];
}

export interface Verified {
  entry: CertEntry;
  leaf: ParsedCert;
}

async function loadTrusted(req: LogicalRequest, certName: string): Promise<{ cas: Trusted[]; nonCas: Trusted[] }> {
  const names = certName !== '' ? [certName] : await listCerts(req.storage);
  const cas: Trusted[] = [];
  const nonCas: Trusted[] = [];
  for (const name of names) {
    const entry = await readCert(req.storage, name);
    if (!entry) continue;
    const certs = parsePemBundle(entry.certificate);
    if (certs.length === 0) continue;
    certs.push(...parsePemBundle(entry.ocspCaCertificates));
    (certs[0]!.isCa ? cas : nonCas).push({ entry, certs });
  }
  return { cas, nonCas };
}

async function chainRevoked(req: LogicalRequest, chain: readonly ParsedCert[]): Promise<boolean> {
  for (const c of chain) if (await isRevoked(req.storage, c.serialDecimal)) return true;
  return false;
}

/**
 * OCSP is not queried yet: an entry with `ocsp_enabled` is treated as if no responder
 * answered, so it admits only with `ocsp_fail_open` (Vault's behaviour when responders
 * are unreachable). A chain of the leaf alone has no issuer to ask about, as in Vault.
 */
function ocspAllows(entry: CertEntry, chain: readonly ParsedCert[]): boolean {
  if (!entry.ocspEnabled || chain.length < 2) return true;
  return entry.ocspFailOpen;
}

async function accepts(req: LogicalRequest, t: Trusted, leaf: ParsedCert, chain: readonly ParsedCert[]): Promise<boolean> {
  return !(await chainRevoked(req, chain)) && matchesConstraints(t.entry, leaf) && ocspAllows(t.entry, chain);
}

/** The entry a login (or renewal) certificate matches; throws Vault's 400 otherwise. */
export async function verifyCredentials(req: LogicalRequest, certName: string, now: Date): Promise<Verified> {
  const tls = req.connection.tls;
  if (!tls) throw badRequest('tls connection required');
  const presented = tls.peerCertificates;
  if (presented.length === 0) throw badRequest('client certificate must be supplied');
  let leaf: ParsedCert;
  let intermediates: ParsedCert[];
  try {
    leaf = parseCert(presented[0]!);
    intermediates = presented.slice(1).map(parseCert);
  } catch {
    throw badRequest(INVALID_CERT);
  }
  const { cas, nonCas } = await loadTrusted(req, certName);
  let chains: ParsedCert[][];
  try {
    chains = verifyChains(leaf, intermediates, cas.flatMap((t) => t.certs), now);
  } catch (e) {
    if (e instanceof ChainError) throw badRequest(`failed to verify client's certificate: ${e.message}`);
    throw e;
  }
  for (const t of nonCas) {
    const only = t.certs[0]!;
    if (only.serialDecimal === leaf.serialDecimal && only.authorityKeyId.equals(leaf.authorityKeyId) && (await accepts(req, t, leaf, t.certs))) {
      return { entry: t.entry, leaf };
    }
  }
  if (chains.length === 0) throw badRequest(INVALID_CERT);
  for (const t of cas) {
    for (const chain of chains) {
      if (!t.certs.some((tc) => chain.some((cc) => cc.der.equals(tc.der)))) continue;
      if (await accepts(req, t, leaf, chain)) return { entry: t.entry, leaf };
    }
  }
  throw badRequest(NO_MATCHING_CHAIN);
}
