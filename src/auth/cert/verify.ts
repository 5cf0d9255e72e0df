/**
 * Vault's verifyCredentials for the cert method: the presented chain must verify against
 * the trusted certificates of the `certs/` entries (one, when a name is given), and some
 * entry whose certificate is in a verified chain must accept the client certificate: no
 * certificate of the chain on a CRL, every name constraint met, OCSP (when enabled) good.
 * A non-CA entry trusts exactly one client certificate (same serial, authority key id and public key).
 */
import { badRequest } from '../../sdk/errors.js';
import type { LogicalRequest } from '../../sdk/logical.js';
import { ChainError, verifyChains } from './chain.js';
import { matchesConstraints } from './constraints.js';
import { queryResponder } from './ocsp.js';
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
 * OCSP, when the entry enables it: `ocsp_servers_override` or else the certificate's own
 * responders are asked in turn (all of them with `ocsp_query_all_servers`). Revoked
 * refuses; good admits; no usable answer (unreachable, unsigned, stale, unknown) admits
 * only with `ocsp_fail_open`. A chain of the leaf alone has no issuer to ask about, as in Vault.
 */
async function ocspAllows(entry: CertEntry, leaf: ParsedCert, chain: readonly ParsedCert[], now: Date): Promise<boolean> {
  if (!entry.ocspEnabled || chain.length < 2) return true;
  const issuer = chain[1]!;
  const servers = entry.ocspServersOverride.length > 0 ? entry.ocspServersOverride : leaf.ocspServers;
  let good = false;
  for (const url of servers) {
    const status = await queryResponder(url, leaf, issuer, now);
    if (status === 'revoked') return false;
    if (status === 'good') {
      good = true;
      if (!entry.ocspQueryAllServers) break;
    }
  }
  return good || entry.ocspFailOpen;
}

async function accepts(req: LogicalRequest, t: Trusted, leaf: ParsedCert, chain: readonly ParsedCert[], now: Date): Promise<boolean> {
  return !(await chainRevoked(req, chain)) && matchesConstraints(t.entry, leaf) && (await ocspAllows(t.entry, leaf, chain, now));
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
    // The key too: serial and authority key id are public, anyone can copy them into a certificate of their own.
    const same = only.serialDecimal === leaf.serialDecimal && only.authorityKeyId.equals(leaf.authorityKeyId) && only.node.publicKey.equals(leaf.node.publicKey);
    if (same && (await accepts(req, t, leaf, t.certs, now))) {
      return { entry: t.entry, leaf };
    }
  }
  if (chains.length === 0) throw badRequest(INVALID_CERT);
  for (const t of cas) {
    for (const chain of chains) {
      if (!t.certs.some((tc) => chain.some((cc) => cc.der.equals(tc.der)))) continue;
      if (await accepts(req, t, leaf, chain, now)) return { entry: t.entry, leaf };
    }
  }
  throw badRequest(NO_MATCHING_CHAIN);
}
