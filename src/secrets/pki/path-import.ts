/**
 * `config/ca` and `issuers/import/(cert|bundle)`: import CA certificates, with or without
 * their keys. Answers imported_issuers / imported_keys (null when nothing was new, as
 * Vault's nil slices), existing_issuers / existing_keys, and mapping (issuer id → key id).
 */
import { badRequest, WardError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { ensureCrls } from './crl.js';
import { assertLongEnough, importIssuerCert, importKey, splitBundle } from './import.js';
import { locked, readIssuersConfig, writeIssuersConfig } from './registry.js';
import { issuerPath, readUrls, type Issuer } from './store.js';
import { getJSON } from '../../sdk/storage.js';

const orNull = (xs: string[]): string[] | null => (xs.length > 0 ? xs : null);

const prefixed = (prefix: string, e: unknown): Error => {
  if (WardError.is(e) && e.status === 400) return badRequest(`${prefix}: ${e.messages.join('; ')}`);
  return e instanceof Error ? e : new Error(String(e));
};

async function importBundle(s: Storage, pem: string, keysAllowed: boolean): Promise<LogicalResponse> {
  assertLongEnough(pem, 75);
  const { certs, keys } = splitBundle(pem);
  if (keys.length > 0 && !keysAllowed) throw badRequest('private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle');
  const importedKeys: string[] = [];
  const existingKeys: string[] = [];
  for (const [index, k] of keys.entries()) {
    let r;
    try {
      r = await importKey(s, k, '');
    } catch (e) {
      throw prefixed(`Error parsing key ${index}`, e);
    }
    (r.existed ? existingKeys : importedKeys).push(r.key.id);
  }
  const importedIssuers: string[] = [];
  const existingIssuers: string[] = [];
  const mapping: Record<string, string> = {};
  for (const [index, c] of certs.entries()) {
    let r;
    try {
      r = await importIssuerCert(s, c);
    } catch (e) {
      throw prefixed(`Error parsing issuer ${index}`, e);
    }
    (r.existed ? existingIssuers : importedIssuers).push(r.issuer.id);
  }
  // Keys imported alongside may have been linked after their certificates were stored.
  for (const id of [...importedIssuers, ...existingIssuers]) mapping[id] = (await getJSON<Issuer>(s, issuerPath(id)))?.keyId ?? '';

  const warnings = await settleDefault(s, importedIssuers, mapping);
  // New issuers with keys, and existing ones a key in the bundle was linked to, sign their first CRL.
  await ensureCrls(s);
  const urls = await readUrls(s);
  if (urls.issuing_certificates.length + urls.crl_distribution_points.length + urls.ocsp_servers.length === 0) {
    warnings.push(
      "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.",
    );
  }
  const res: LogicalResponse = {
    data: {
      mapping,
      imported_keys: orNull(importedKeys),
      imported_issuers: orNull(importedIssuers),
      existing_keys: orNull(existingKeys),
      existing_issuers: orNull(existingIssuers),
    },
  };
  if (warnings.length > 0) res.warnings = warnings;
  return res;
}

/** Vault's rules: no default yet → the new issuer with a key; following latest → the only new one with a key. */
async function settleDefault(s: Storage, imported: string[], mapping: Record<string, string>): Promise<string[]> {
  const warnings: string[] = [];
  const withKeys = imported.filter((id) => mapping[id]);
  const c = await readIssuersConfig(s);
  const current = c.default ? await getJSON<Issuer>(s, issuerPath(c.default)) : null;
  if (!current && withKeys[0]) {
    await writeIssuersConfig(s, { ...c, default: withKeys[0] });
    if (withKeys.length > 1) {
      warnings.push('The imported bundle contained multiple certs matching keys, the default issuer that was selected should be verified and manually changed if incorrect.');
    }
  } else if (current && c.default_follows_latest_issuer) {
    if (withKeys.length === 1 && withKeys[0]) await writeIssuersConfig(s, { ...c, default: withKeys[0] });
    else if (withKeys.length > 1) warnings.push('Default issuer left unchanged: could not select new issuer automatically as multiple imported issuers had key material in Vault.');
  }
  const after = await readIssuersConfig(s);
  if (after.default && after.default in mapping && mapping[after.default] === '') {
    warnings.push(
      'The default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.',
    );
  }
  return warnings;
}

const bundleField = { pem_bundle: field.string({ required: true, sensitive: true, description: 'PEM certificates and (where allowed) unencrypted private keys.' }) };

export function importPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'config/ca',
      fields: bundleField,
      synopsis: 'Import CA certificates and their keys.',
      operations: { update: locked(async (req, d) => importBundle(req.storage, d.get('pem_bundle'), true)) },
    }),
    definePath({
      pattern: 'issuers/import/(?<type>cert|bundle)',
      fields: { ...bundleField, type: field.string({ description: 'cert (certificates only) or bundle (keys too).' }) },
      synopsis: 'Import CA certificates; "bundle" also accepts their keys.',
      operations: { update: locked(async (req, d) => importBundle(req.storage, d.get('pem_bundle'), d.get('type') === 'bundle')) },
    }),
  ];
}
