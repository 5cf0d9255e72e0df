/**
 * What a VaultPKISecret writes, as VSO does: the issue response's fields (after the
 * destination's transformation), `ca_chain` as PEM lines rather than a JSON list, and for a
 * `kubernetes.io/tls` destination without templates `tls.crt` (certificate, then the CA chain,
 * else the issuing CA) and `tls.key`. Pure.
 */
import type { SecretData } from './secret-data.js';

export interface IssuedCert {
  serialNumber: string;
  /** Unix seconds. */
  expiration: number;
  certificate: string;
  privateKey: string;
  issuingCa: string;
  caChain: string[];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const strOr = (v: unknown): string => (typeof v === 'string' ? v : '');

export function parseIssueResponse(d: Record<string, unknown>): IssuedCert {
  const bad = (f: string) => new Error(`Ward's issue response has no valid ${f}`);
  if (typeof d['serial_number'] !== 'string' || d['serial_number'] === '') throw bad('serial_number');
  if (typeof d['expiration'] !== 'number' || !Number.isFinite(d['expiration'])) throw bad('expiration');
  if (typeof d['certificate'] !== 'string' || d['certificate'] === '') throw bad('certificate');
  const chain = Array.isArray(d['ca_chain']) ? d['ca_chain'].filter((x): x is string => typeof x === 'string') : [];
  return { serialNumber: d['serial_number'], expiration: d['expiration'], certificate: d['certificate'], privateKey: strOr(d['private_key']), issuingCa: strOr(d['issuing_ca']), caChain: chain };
}

export function pkiSecretData(c: IssuedCert, transformed: SecretData, o: { type: string; templated: boolean }): SecretData {
  const data = { ...transformed };
  if (data['ca_chain'] !== undefined) data['ca_chain'] = b64(c.caChain.join('\n'));
  if (o.type === 'kubernetes.io/tls' && !o.templated) {
    const chain = c.caChain.length > 0 ? c.caChain.join('\n') : c.issuingCa;
    data['tls.crt'] = b64(chain ? `${c.certificate}\n${chain}` : c.certificate);
    data['tls.key'] = b64(c.privateKey);
  }
  return data;
}

/**
 * When the certificate is due for renewal (ms since the epoch): `expiryOffset` before it
 * expires. An offset as long as the certificate's life (from `issuedAt`, Unix seconds) would
 * renew it the moment it is issued, and again, without end: then half its life instead.
 */
export function renewAtMs(expiration: number, expiryOffsetMs: number, issuedAt = 0): number {
  const at = expiration * 1000 - expiryOffsetMs;
  if (issuedAt <= 0 || at > issuedAt * 1000) return at;
  return (issuedAt * 1000 + expiration * 1000) / 2;
}
