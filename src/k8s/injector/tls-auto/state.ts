/**
 * The shared certificate state that the leader writes to one Secret and every replica reads:
 * the current CA (cert and key), the previous CA's certificate (still trusted in the
 * caBundle during a rotation), the serving certificate and key, the hosts it was issued for,
 * and when the CA last rotated. Pure: encoding, decoding and the facts read from the
 * certificates (validity, issuer), so planning can be tested at every `now`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { SKEW_MS, type KeyPairPem } from './pki.js';

export interface CertState {
  ca: KeyPairPem;
  previousCaPem?: string;
  /** Epoch ms when `ca` replaced the previous CA. */
  caRotatedAt?: number;
  serving: KeyPairPem;
  hosts: string[];
}

/** Secret data keys (values base64, as in every Secret). tls.crt / tls.key as in kubernetes.io/tls. */
export const KEYS = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  previousCa: 'ca-previous.crt',
  caRotatedAt: 'ca-rotated-at',
  cert: 'tls.crt',
  key: 'tls.key',
  hosts: 'hosts',
} as const;

export function encodeState(s: CertState): Record<string, string> {
  const b64 = (v: string): string => Buffer.from(v, 'utf8').toString('base64');
  const data: Record<string, string> = {
    [KEYS.caCert]: b64(s.ca.certPem),
    [KEYS.caKey]: b64(s.ca.keyPem),
    [KEYS.cert]: b64(s.serving.certPem),
    [KEYS.key]: b64(s.serving.keyPem),
    [KEYS.hosts]: b64(s.hosts.join(',')),
  };
  if (s.previousCaPem) data[KEYS.previousCa] = b64(s.previousCaPem);
  if (s.caRotatedAt !== undefined) data[KEYS.caRotatedAt] = b64(new Date(s.caRotatedAt).toISOString());
  return data;
}

/** The state in a Secret's data, or undefined when it is empty (pre-created by a chart) or incomplete. */
export function decodeState(data: Record<string, string> | undefined): CertState | undefined {
  const get = (k: string): string | undefined => {
    const v = data?.[k];
    return v ? Buffer.from(v, 'base64').toString('utf8') : undefined;
  };
  const caCert = get(KEYS.caCert);
  const caKey = get(KEYS.caKey);
  const cert = get(KEYS.cert);
  const key = get(KEYS.key);
  if (!caCert || !caKey || !cert || !key) return undefined;
  const rotated = get(KEYS.caRotatedAt);
  const rotatedMs = rotated ? Date.parse(rotated) : NaN;
  const previous = get(KEYS.previousCa);
  return {
    ca: { certPem: caCert, keyPem: caKey },
    serving: { certPem: cert, keyPem: key },
    hosts: (get(KEYS.hosts) ?? '').split(',').filter(Boolean),
    ...(previous ? { previousCaPem: previous } : {}),
    ...(Number.isFinite(rotatedMs) ? { caRotatedAt: rotatedMs } : {}),
  };
}

/** The PEM bundle the API server must trust: the current CA, then the previous one while it is kept. */
export function caBundle(s: CertState): string {
  return [s.ca.certPem, s.previousCaPem].filter((p): p is string => !!p).map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}

export interface Validity {
  /** When it was issued: notBefore without the clock-skew backdating, so renewal points follow the intended lifetime. */
  issuedAt: number;
  notAfter: number;
}

export function validity(pem: string): Validity | undefined {
  try {
    const c = new X509Certificate(pem);
    const notAfter = Date.parse(c.validTo);
    return { issuedAt: Math.min(Date.parse(c.validFrom) + SKEW_MS, notAfter), notAfter };
  } catch {
    return undefined;
  }
}

/** True when `certPem` was signed by the CA in `caPem`. */
export function issuedBy(certPem: string, caPem: string | undefined): boolean {
  if (!caPem) return false;
  try {
    const leaf = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** The certificate parses and the key is its own. */
export function keyMatches(p: { certPem: string; keyPem: string }): boolean {
  try {
    return new X509Certificate(p.certPem).checkPrivateKey(createPrivateKey(p.keyPem));
  } catch {
    return false;
  }
}

/** Safe to hand to a TLS server (a hand-edited Secret must not crash replicas). */
export const usableServing = (s: CertState): boolean => keyMatches(s.serving);
