/**
 * The per-entry constraints a client certificate must meet, as Vault's cert method
 * checks them: each configured list of globs needs at least one match (an empty list
 * allows all), and every required extension must be present with a matching value.
 * Pure: table-tested in constraints.test.ts.
 */
import { globMatch } from '../../lib/glob.js';
import type { ParsedCert } from './parsed-cert.js';
import type { CertEntry } from './store.js';

type Constraints = Pick<
  CertEntry,
  'allowedNames' | 'allowedCommonNames' | 'allowedDnsSans' | 'allowedEmailSans' | 'allowedUriSans' | 'allowedOrganizationalUnits' | 'requiredExtensions'
>;
type Subject = Pick<ParsedCert, 'commonName' | 'dnsNames' | 'emails' | 'uris' | 'organizationalUnits' | 'extensionStrings'>;

/** True when `globs` is empty or one glob matches one of `values`. */
function anyMatch(globs: readonly string[], values: readonly string[]): boolean {
  return globs.length === 0 || globs.some((g) => values.some((v) => globMatch(g, v)));
}

function hasExtensions(required: readonly string[], c: Subject): boolean {
  if (required.length === 0) return true;
  return required.every((r) => {
    const at = r.indexOf(':');
    const oid = at < 0 ? r : r.slice(0, at);
    const value = c.extensionStrings.get(oid);
    return value !== undefined && globMatch(at < 0 ? '' : r.slice(at + 1), value);
  });
}

export function matchesConstraints(e: Constraints, c: Subject): boolean {
  return (
    anyMatch(e.allowedNames, [c.commonName, ...c.dnsNames, ...c.emails]) &&
    anyMatch(e.allowedCommonNames, [c.commonName]) &&
    anyMatch(e.allowedDnsSans, c.dnsNames) &&
    anyMatch(e.allowedEmailSans, c.emails) &&
    anyMatch(e.allowedUriSans, c.uris) &&
    anyMatch(e.allowedOrganizationalUnits, c.organizationalUnits) &&
    hasExtensions(e.requiredExtensions, c)
  );
}

/** Metadata from `allowed_metadata_extensions`: OID with dots as dashes → the extension's string value. */
export function extensionMetadata(allowed: readonly string[], c: Pick<ParsedCert, 'extensionStrings'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const oid of allowed) {
    const v = c.extensionStrings.get(oid);
    if (v !== undefined) out[oid.replaceAll('.', '-')] = v;
  }
  return out;
}
