/**
 * Verifying a client's certificate chain against trusted certificates, as Go's
 * x509.Certificate.Verify does for Vault's cert method: the leaf must be within its
 * validity, chain through the presented intermediates to a trusted certificate by
 * signature, with CA parents, and allow client authentication. No chain to a trusted
 * certificate is not an error (Vault then answers "invalid certificate ..."); an expired
 * leaf or a wrong key usage is.
 */
import type { ParsedCert } from './parsed-cert.js';

const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';
/** Go's limit on chain length while building. */
const MAX_DEPTH = 10;
/**
 * Go's maxChainSignatureChecks: client-sent intermediates that all sign each other would
 * otherwise make the search try every ordering of them.
 */
const MAX_SIGNATURE_CHECKS = 100;

/** A verification failure other than an unknown authority, worded as Go words it. */
export class ChainError extends Error {}

/** Go's time.RFC3339 for a UTC instant (seconds, `Z`). */
const rfc3339 = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

function checkValidity(c: ParsedCert, now: Date): void {
  const base = 'x509: certificate has expired or is not yet valid: ';
  if (now < c.notBefore) throw new ChainError(`${base}current time ${rfc3339(now)} is before ${rfc3339(c.notBefore)}`);
  if (now > c.notAfter) throw new ChainError(`${base}current time ${rfc3339(now)} is after ${rfc3339(c.notAfter)}`);
}

const inTime = (c: ParsedCert, now: Date): boolean => now >= c.notBefore && now <= c.notAfter;

function signedBy(child: ParsedCert, parent: ParsedCert): boolean {
  if (!parent.isCa) return false;
  try {
    return child.node.checkIssued(parent.node) && child.node.verify(parent.node.publicKey);
  } catch {
    return false;
  }
}

const allowsClientAuth = (c: ParsedCert): boolean => c.extKeyUsage === null || c.extKeyUsage.includes(EKU_CLIENT_AUTH) || c.extKeyUsage.includes(EKU_ANY);

/**
 * Every chain from `leaf` to one of `roots` (leaf first, trusted certificate last), built
 * through `intermediates`. Empty when none reaches a trusted certificate.
 */
export function verifyChains(leaf: ParsedCert, intermediates: readonly ParsedCert[], roots: readonly ParsedCert[], now: Date): ParsedCert[][] {
  checkValidity(leaf, now);
  const chains: ParsedCert[][] = [];
  let checks = 0;
  const signedWithinBudget = (child: ParsedCert, parent: ParsedCert): boolean => {
    if (!parent.isCa) return false;
    if (++checks > MAX_SIGNATURE_CHECKS) throw new ChainError('x509: signature check attempts limit reached while verifying certificate chain');
    return signedBy(child, parent);
  };
  const walk = (chain: ParsedCert[]): void => {
    const tip = chain[chain.length - 1]!;
    if (roots.some((r) => r.der.equals(tip.der))) {
      chains.push(chain);
      return;
    }
    if (chain.length > MAX_DEPTH) return;
    for (const root of roots) {
      if (inTime(root, now) && signedWithinBudget(tip, root)) chains.push([...chain, root]);
    }
    for (const mid of intermediates) {
      if (chain.some((c) => c.der.equals(mid.der))) continue;
      if (inTime(mid, now) && signedWithinBudget(tip, mid)) walk([...chain, mid]);
    }
  };
  walk([leaf]);
  // Go checks key usage over the chains it found: an unusable leaf is an error, not "unknown authority".
  const usable = chains.filter((ch) => ch.every(allowsClientAuth));
  if (chains.length > 0 && usable.length === 0) throw new ChainError('x509: certificate specifies an incompatible key usage');
  return usable;
}
