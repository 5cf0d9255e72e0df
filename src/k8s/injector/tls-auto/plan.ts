/**
 * What the leader must do to the certificate state at time `now` (pure, table-tested):
 * - nothing usable yet: a new CA and a serving certificate;
 * - the CA is past `renewFraction` of its life: rotate it (the old one stays in the caBundle
 *   as "previous" until it expires), but keep serving the old leaf until the new bundle has
 *   had `propagationMs` to reach the API server: a leaf from the new CA served before the
 *   webhook configuration trusts it would fail every admission call;
 * - the serving certificate is past `renewFraction` of its life, was issued for other hosts,
 *   or is still from the previous CA once the bundle is published in the webhook configuration
 *   and has propagated: issue a new one (an expired leaf or changed hosts cannot wait);
 * - the previous CA has expired: drop it from the bundle.
 * `nextCheckAt` says when the plan changes next, for the reconcile's requeueAfter.
 */
import { issuedBy, keyMatches, usableServing, validity, type CertState, type Validity } from './state.js';

export interface PlanConfig {
  hosts: readonly string[];
  /** Fraction of a certificate's lifetime after which it is replaced (default 2/3). */
  renewFraction?: number;
  /** Time for a new caBundle to reach the API server before a leaf from the new CA is served. */
  propagationMs: number;
}

export interface Observed {
  /** Whether every webhook's caBundle already holds the current CA (default true). */
  caPublished?: boolean;
}

export interface Plan {
  ca: 'keep' | 'new' | 'rotate';
  serving: 'keep' | 'issue';
  dropPrevious: boolean;
  /** Why, for logs. */
  reasons: string[];
  /** When to look again if nothing happens in between. */
  nextCheckAt: number;
}

const renewAt = (v: Validity, f: number): number => v.issuedAt + (v.notAfter - v.issuedAt) * f;

export function plan(s: CertState | undefined, now: number, cfg: PlanConfig, seen: Observed = {}): Plan {
  const f = cfg.renewFraction ?? 2 / 3;
  const caV = s ? validity(s.ca.certPem) : undefined;
  if (!s || !caV || !issuedBy(s.ca.certPem, s.ca.certPem) || !keyMatches(s.ca)) {
    return { ca: 'new', serving: 'issue', dropPrevious: false, reasons: ['no usable CA'], nextCheckAt: now };
  }
  const reasons: string[] = [];
  // A damaged leaf (hand edit) under a good CA: reissue it, keeping the CA the webhooks already trust.
  const leafV = usableServing(s) ? validity(s.serving.certPem) : undefined;
  if (!leafV) {
    const rotate = now >= renewAt(caV, f);
    return { ca: rotate ? 'rotate' : 'keep', serving: 'issue', dropPrevious: false, reasons: ['serving certificate unusable'], nextCheckAt: now };
  }
  const rotate = now >= renewAt(caV, f);
  if (rotate) reasons.push('CA past its renewal point');
  const rotatedAt = rotate ? now : s.caRotatedAt;
  const propagatedAt = rotatedAt === undefined ? -Infinity : rotatedAt + cfg.propagationMs;
  const previousPem = rotate ? s.ca.certPem : s.previousCaPem;
  const byCurrent = !rotate && issuedBy(s.serving.certPem, s.ca.certPem);
  const byPrevious = issuedBy(s.serving.certPem, previousPem);
  // As sets: replicas started with the same hosts in another order must not make a new leader reissue.
  const want = new Set(cfg.hosts);
  const sameHosts = new Set(s.hosts).size === want.size && s.hosts.every((h) => want.has(h));

  // Urgent: serving this leaf is already wrong, whatever the bundle's propagation.
  const issuerV = byCurrent ? caV : byPrevious && previousPem ? validity(previousPem) : undefined;
  const issuerExpired = !!issuerV && now >= issuerV.notAfter;
  const urgent = now >= leafV.notAfter || issuerExpired || !sameHosts || (!byCurrent && !byPrevious);
  if (now >= leafV.notAfter) reasons.push('serving certificate expired');
  if (issuerExpired) reasons.push('issuing CA expired');
  if (!sameHosts) reasons.push('hosts changed');
  if (!byCurrent && !byPrevious) reasons.push('serving certificate not from a trusted CA');
  const due = now >= renewAt(leafV, f) || (!byCurrent && byPrevious);
  // Not before the webhook configuration trusts the current CA, and the API server had time to load it.
  const propagated = now >= propagatedAt && seen.caPublished !== false;
  const issue = urgent || (due && propagated);
  if (issue && !urgent) reasons.push(now >= renewAt(leafV, f) ? 'serving certificate past its renewal point' : 'switching to the new CA');

  const prevV = previousPem ? validity(previousPem) : undefined;
  const dropPrevious = !rotate && !!s.previousCaPem && (!prevV || now >= prevV.notAfter);
  if (dropPrevious) reasons.push('previous CA expired');

  const times = [renewAt(caV, f), renewAt(leafV, f)];
  if (due && !propagated && propagatedAt > now) times.push(propagatedAt);
  if (prevV && !dropPrevious) times.push(prevV.notAfter);
  const nextCheckAt = Math.max(now, Math.min(...times.filter((t) => t > now), Infinity));
  return { ca: rotate ? 'rotate' : 'keep', serving: issue ? 'issue' : 'keep', dropPrevious, reasons, nextCheckAt };
}
