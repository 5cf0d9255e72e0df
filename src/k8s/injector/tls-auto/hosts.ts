/**
 * The -tls-auto-hosts flag (as vault-k8s: a comma-separated list, usually the Service's
 * short and qualified names): DNS names (a leading `*.` wildcard allowed) and IP addresses,
 * checked up front so a typo fails at startup, not as an unverifiable certificate.
 */
import { isIP } from 'node:net';

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function isDnsName(h: string): boolean {
  if (h.length > 253) return false;
  const labels = h.split('.');
  return labels.every((l, i) => (i === 0 && l === '*' && labels.length > 1) || LABEL.test(l));
}

export function parseTlsAutoHosts(value: string): string[] {
  const parts = value.split(',').map((h) => h.trim());
  if (parts.every((h) => h === '')) throw new Error('-tls-auto-hosts: at least one host name is needed for the serving certificate');
  const out: string[] = [];
  for (const raw of parts) {
    if (raw === '') throw new Error(`-tls-auto-hosts: empty entry in "${value}"`);
    const h = isIP(raw) ? raw : raw.toLowerCase(); // DNS names are case-insensitive; certificates carry them lower-case
    if (!isIP(h) && !isDnsName(h)) throw new Error(`-tls-auto-hosts: "${raw}" is not a DNS name or IP address`);
    if (!out.includes(h)) out.push(h);
  }
  return out;
}
