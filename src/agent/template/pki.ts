/**
 * `pkiCert`: issues a certificate, but first looks in the template's destination file;
 * a certificate there that is not yet near its end is reused, so a restarted agent does
 * not issue a new one each time.
 */
import { X509Certificate } from 'node:crypto';
import type { JsonObject } from '../../api/index.js';
import { readIfExists } from '../files.js';
import type { Value } from './format.js';

const BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

/** The object a template sees: `.Cert`, `.Key`, `.CA`, `.CAChain`. */
export function pkiValue(cert: string, key: string, ca: string, chain: string[]): Value {
  return { Cert: cert, Key: key, CA: ca, CAChain: chain };
}

/** From an issue response's data. */
export function pkiFromData(d: JsonObject): Value {
  const chain = Array.isArray(d['ca_chain']) ? d['ca_chain'].map(String) : [];
  return pkiValue(String(d['certificate'] ?? ''), String(d['private_key'] ?? ''), String(d['issuing_ca'] ?? ''), chain);
}

/** Milliseconds until the certificate should be replaced: NotBefore + lifetime × (0.9 ± 0.03), from now. */
export function certRefreshDelayMs(certPem: string, nowMs: number, random: () => number): number {
  const c = new X509Certificate(certPem);
  const from = Date.parse(c.validFrom);
  const to = Date.parse(c.validTo);
  const at = from + (to - from) * (0.87 + random() * 0.06);
  return Math.max(0, at - nowMs);
}

/** A still-fresh certificate (and its key) found in `destination`, if any. */
export function cachedCert(destination: string, nowMs: number): { value: Value; certPem: string } | undefined {
  const text = readIfExists(destination);
  if (!text) return undefined;
  const blocks = [...text.matchAll(BLOCK)].map((m) => ({ kind: m[1] ?? '', pem: m[0] }));
  const certs = blocks.filter((b) => b.kind === 'CERTIFICATE').map((b) => b.pem);
  const key = blocks.find((b) => b.kind.endsWith('PRIVATE KEY'))?.pem;
  const leaf = certs[0];
  if (!leaf || !key) return undefined;
  try {
    if (certRefreshDelayMs(leaf, nowMs, () => 0.5) <= 0) return undefined;
  } catch {
    return undefined;
  }
  return { value: pkiValue(leaf, key, certs[1] ?? '', certs.slice(1)), certPem: leaf };
}
