/**
 * Role name policy: which common names and SANs a role may put in a certificate.
 * Pure functions so the rules are table-tested without a CA.
 */
import { globMatch } from '../../lib/glob.js';
import { badRequest } from '../../sdk/errors.js';
import { shorten } from '../../lib/unicode.js';
import type { SanList } from './cert-builder.js';
import { checkNameText, checkSanText } from './name-bounds.js';

export interface NamePolicy {
  allowed_domains: string[];
  allow_subdomains: boolean;
  allow_bare_domains: boolean;
  allow_glob_domains: boolean;
  allow_any_name: boolean;
  allow_localhost: boolean;
  allow_wildcard_certificates: boolean;
  allow_ip_sans: boolean;
  enforce_hostnames: boolean;
  /** Globs a URI SAN must match (`*` spans '/'); empty refuses every URI SAN. */
  allowed_uri_sans: string[];
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}\\.?$`, 'i');

/** A DNS name (optionally with a leading "*." wildcard label). */
export function isHostname(name: string, allowWildcard: boolean): boolean {
  const host = allowWildcard && name.startsWith('*.') ? name.slice(2) : name;
  return host.length <= 253 && HOSTNAME.test(host);
}

/** True when the role lets `name` (a DNS name or the domain of an email) into a certificate. */
export function hostAllowed(p: NamePolicy, name: string): boolean {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const wildcard = lower.startsWith('*.');
  if (wildcard && !p.allow_wildcard_certificates) return false;
  if (p.enforce_hostnames && !isHostname(lower, true)) return false;
  if (p.allow_any_name) return true;
  if (p.allow_localhost && (lower === 'localhost' || lower === 'localdomain' || lower === 'localhost.localdomain')) return true;
  for (const domain of p.allowed_domains) {
    const d = domain.toLowerCase();
    if (d === '') continue;
    if (p.allow_bare_domains && lower === d) return true;
    if (p.allow_subdomains && lower.endsWith(`.${d}`) && lower.length > d.length + 1) return true;
    if (p.allow_glob_domains && d.includes('*') && globMatch(d.toLowerCase(), lower)) return true;
  }
  return false;
}

function nameAllowed(p: NamePolicy, name: string): boolean {
  const at = name.lastIndexOf('@');
  if (at === -1) return hostAllowed(p, name);
  // An email is judged by its domain; an email with no usable domain never passes.
  return at > 0 && hostAllowed(p, name.slice(at + 1));
}

/**
 * Throws a 400 naming the first value the role refuses. `commonName` may be empty
 * (require_cn=false); emails in the CN are allowed as in Vault.
 */
export function checkNames(p: NamePolicy, commonName: string, sans: SanList, uriFrom: 'CSR' | 'the API' = 'the API'): void {
  // Encodable and bounded first, so the messages below never quote megabytes.
  checkNameText('common name', commonName);
  checkSanText(sans);
  if (commonName !== '' && !nameAllowed(p, commonName)) throw badRequest(`common name ${commonName} not allowed by this role`);
  for (const n of [...sans.dns, ...sans.email]) {
    if (!nameAllowed(p, n)) throw badRequest(`subject alternate name ${n} not allowed by this role`);
  }
  if (sans.ip.length > 0 && !p.allow_ip_sans) {
    throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided ${shorten(sans.ip.join(', '), 200)}`);
  }
  checkUris(p.allowed_uri_sans ?? [], sans.uri, uriFrom); // ?? []: roles stored before the field
}

/** Vault's texts, which name where the URIs came from and never echo them. */
function checkUris(allowed: string[], uris: string[], from: 'CSR' | 'the API'): void {
  if (uris.length === 0) return;
  if (allowed.length === 0) throw badRequest(`URI Subject Alternative Names are not allowed in this role, but were provided via ${from}`);
  for (const uri of uris) {
    if (!allowed.some((g) => globMatch(g, uri))) throw badRequest(`URI Subject Alternative Names were provided via ${from} which are not valid for this role`);
  }
}

/**
 * Splits `alt_names` into DNS names and emails, and adds the CN unless excluded: a
 * hostname CN becomes a DNS SAN and an email CN an email SAN, as browsers ignore the CN.
 */
export function collectSans(commonName: string, altNames: string[], ipSans: string[], uriSans: string[], excludeCn: boolean): SanList {
  const sans: SanList = { dns: [], ip: [...ipSans], email: [], uri: [...uriSans] };
  // A set, not list.includes: twenty thousand names took seconds to deduplicate.
  const seen = new Set<string>();
  const add = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    (n.includes('@') ? sans.email : sans.dns).push(n);
  };
  if (commonName !== '' && !excludeCn) {
    if (commonName.includes('@') || isHostname(commonName, true)) add(commonName);
  }
  for (const n of altNames) add(n);
  return sans;
}
