/**
 * An issuer's `ca_chain`: its own certificate, then its parents. With a manual_chain the
 * operator's order is used; otherwise the chain is found among the mount's issuers (the
 * certificate whose subject and key issued the current one), falling back to the parents
 * stored with the issuer (intermediate/set-signed keeps the chain it was given).
 */
import { X509Certificate } from 'node:crypto';
import type { Storage } from '../../sdk/storage.js';
import { issuerPath, listIssuers, type Issuer } from './store.js';
import { getJSON } from '../../sdk/storage.js';

/** True when `parent` issued `child`: names match and the signature verifies. */
export function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** The parents of `issuer` among `all` (nearest first), without loops. */
export function computedParents(issuer: Issuer, all: Issuer[]): string[] {
  const parsed = all.map((i) => ({ i, cert: new X509Certificate(i.certificate) }));
  let current = new X509Certificate(issuer.certificate);
  const seen = new Set<string>([current.fingerprint256]);
  const out: string[] = [];
  for (;;) {
    if (issuedBy(current, current)) return out; // self-signed: a root ends the chain
    const parent = parsed.find((p) => !seen.has(p.cert.fingerprint256) && issuedBy(current, p.cert));
    if (!parent) return out.length === 0 ? issuer.parents : out;
    out.push(parent.i.certificate);
    seen.add(parent.cert.fingerprint256);
    current = parent.cert;
  }
}

/** The issuer with `parents` replaced by its current chain (manual or computed). */
export async function withChain(s: Storage, issuer: Issuer): Promise<Issuer> {
  if (issuer.manualChain && issuer.manualChain.length > 0) {
    const parents: string[] = [];
    for (const id of issuer.manualChain.slice(1)) {
      const p = await getJSON<Issuer>(s, issuerPath(id));
      if (p) parents.push(p.certificate);
    }
    return { ...issuer, parents };
  }
  return { ...issuer, parents: computedParents(issuer, await listIssuers(s)) };
}
