/**
 * LIST `issuers`, `issuer/:ref` (read, update, patch, delete) and the raw
 * `issuer/:ref/(pem|der|json)` fetches, with Vault's response shapes.
 */
import * as x509 from '@peculiar/x509';
import { badRequest, WardError } from '../../sdk/errors.js';
import { field, type Fields } from '../../sdk/framework/fields.js';
import type { FieldData } from '../../sdk/framework/field-data.js';
import { definePath, genericName, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse } from '../../sdk/logical.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { withChain } from './chain.js';
import { chainOf } from './issuance.js';
import { ensureCrls, rebuildAllCrls } from './crl.js';
import { checkNewName, leafBehaviorOf, locked, parseUsage, readIssuersConfig, resolveIssuer, usageOf, writeIssuersConfig, ALL_USAGES } from './registry.js';
import { crlPath, deltaCrlPath, issuerPath, listIssuers, type Issuer, type LeafNotAfterBehavior, type UrlConfig } from './store.js';

export const ISSUER_REF = genericName('issuer_ref');

/** The JSON body of an issuer read, as Vault's respondReadIssuer. */
export async function issuerData(s: Storage, issuer: Issuer): Promise<Record<string, unknown>> {
  const chained = await withChain(s, issuer);
  const urls = issuer.urls;
  const data: Record<string, unknown> = {
    issuer_id: issuer.id,
    issuer_name: issuer.name,
    key_id: issuer.keyId,
    certificate: issuer.certificate,
    manual_chain: issuer.manualChain && issuer.manualChain.length > 0 ? issuer.manualChain : null,
    ca_chain: chainOf(chained),
    leaf_not_after_behavior: leafBehaviorOf(issuer),
    usage: usageOf(issuer).join(','),
    revocation_signature_algorithm: '',
    revoked: issuer.revoked ?? false,
    issuing_certificates: urls?.issuing_certificates ?? [],
    crl_distribution_points: urls?.crl_distribution_points ?? [],
    delta_crl_distribution_points: issuer.deltaCrlDistributionPoints ?? [],
    ocsp_servers: urls?.ocsp_servers ?? [],
    enable_aia_url_templating: false,
  };
  if (issuer.revoked && issuer.revocationTime !== undefined) {
    data.revocation_time = issuer.revocationTime;
    data.revocation_time_rfc3339 = new Date(issuer.revocationTime * 1000).toISOString();
  }
  return data;
}

const updateFields = {
  issuer_ref: field.string({ required: true, description: 'Issuer id, name, or "default".' }),
  issuer_name: field.string({ description: 'New name for the issuer; empty removes it.' }),
  // Ward's default is truncate (see registry.leafBehaviorOf), so a POST that omits it keeps that.
  leaf_not_after_behavior: field.string({ default: 'truncate', description: 'err, truncate or permit: when a leaf would outlive this issuer.' }),
  usage: field.commaStringSlice({ default: [...ALL_USAGES], description: 'read-only, issuing-certificates, crl-signing, ocsp-signing.' }),
  manual_chain: field.commaStringSlice({ description: 'Issuer references for ca_chain, starting with "self".' }),
  revocation_signature_algorithm: field.string({ description: 'Only empty (the key\'s default algorithm) is supported.' }),
  issuing_certificates: field.commaStringSlice({ description: 'AIA caIssuers URLs for certificates this issuer signs.' }),
  crl_distribution_points: field.commaStringSlice({ description: 'CRL distribution point URLs.' }),
  ocsp_servers: field.commaStringSlice({ description: 'AIA OCSP URLs.' }),
  delta_crl_distribution_points: field.commaStringSlice({ description: 'Delta CRL URLs (Freshest CRL extension).' }),
  enable_aia_url_templating: field.bool({ description: 'Not supported by Ward: give complete URLs.' }),
};
type UpdateData = FieldData<typeof updateFields>;

const LEAF_BEHAVIORS = ['err', 'truncate', 'permit'];

function badUrl(urls: string[]): string | undefined {
  return urls.find((u) => !URL.canParse(u));
}

function hasCrlSign(pem: string): boolean {
  const ku = new x509.X509Certificate(pem).getExtension(x509.KeyUsagesExtension);
  return ku ? (ku.usages & x509.KeyUsageFlags.cRLSign) !== 0 : true;
}

/** POST replaces every field (defaults for those not given), PATCH only those given: as Vault. */
async function updateIssuer(s: Storage, d: UpdateData, partial: boolean): Promise<LogicalResponse> {
  const issuer = await resolveIssuer(s, d.get('issuer_ref'));
  const pick = <K extends keyof typeof updateFields & string>(k: K) => (partial ? d.opt(k) : d.get(k));
  const next: Issuer = { ...issuer };
  const name = pick('issuer_name');
  if (name !== undefined) next.name = await checkNewName(s, 'issuer', name, issuer.id);
  const leaf = pick('leaf_not_after_behavior');
  if (leaf !== undefined) {
    if (!LEAF_BEHAVIORS.includes(leaf)) throw badRequest('Unknown value for field `leaf_not_after_behavior`. Possible values are `err`, `truncate`, and `permit`.');
    next.leafNotAfterBehavior = leaf as LeafNotAfterBehavior;
  }
  const usage = pick('usage');
  if (usage !== undefined) {
    const parsed = parseUsage(usage);
    if (parsed.join(',') !== usageOf(issuer).join(',')) {
      if (issuer.revoked && parsed.includes('issuing-certificates')) {
        throw badRequest('This issuer was revoked; unable to modify its usage to include certificate signing again. Reissue this certificate (preferably with a new key) and modify that entry instead.');
      }
      if (parsed.includes('crl-signing') && !hasCrlSign(issuer.certificate)) {
        throw badRequest("This issuer's underlying certificate lacks the CRLSign KeyUsage value; unable to set CRLSigningUsage on this issuer as a result.");
      }
    }
    next.usage = parsed;
  }
  const urlKeys = ['issuing_certificates', 'crl_distribution_points', 'ocsp_servers'] as const;
  const urls: UrlConfig = { issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [], ...(issuer.urls ?? {}) };
  for (const k of urlKeys) {
    const v = pick(k);
    if (v === undefined) continue;
    const bad = badUrl(v);
    if (bad !== undefined) throw badRequest(`invalid URL found in Authority Information Access (AIA) parameter ${k}: ${bad}`);
    urls[k] = v;
  }
  const anyUrl = urlKeys.some((k) => urls[k].length > 0);
  if (anyUrl) next.urls = urls;
  else delete next.urls;
  const delta = pick('delta_crl_distribution_points');
  if (delta !== undefined) {
    const bad = badUrl(delta);
    if (bad !== undefined) throw badRequest(`invalid URL found in Authority Information Access (AIA) parameter delta_crl_distribution_points: ${bad}`);
    if (delta.length > 0) next.deltaCrlDistributionPoints = delta;
    else delete next.deltaCrlDistributionPoints;
  }
  if (pick('enable_aia_url_templating')) throw badRequest('enable_aia_url_templating is not supported by Ward; set complete URLs instead');
  if (pick('revocation_signature_algorithm')) {
    throw badRequest('revocation_signature_algorithm is not supported by Ward: CRLs are signed with the default algorithm of the issuer\'s key; leave it empty');
  }
  const chain = pick('manual_chain');
  if (chain !== undefined) next.manualChain = await resolveManualChain(s, issuer, chain);
  await putJSON(s, issuerPath(issuer.id), next);
  // Given crl-signing (back) without a CRL yet: sign one now, so fetching it only reads.
  if (usageOf(next).includes('crl-signing')) await ensureCrls(s);
  const warnings: string[] = [];
  // Roles that named the issuer by its old name no longer resolve: say so, as Vault does.
  const stranded = issuer.name && issuer.name !== next.name ? await rolesReferencing(s, issuer.name) : 0;
  if (stranded > 0) warnings.push(`${stranded} roles reference ${issuer.name}`);
  const deltas = next.deltaCrlDistributionPoints ?? [];
  if (deltas.length > 0 && (next.urls?.crl_distribution_points ?? []).length === 0) {
    warnings.push(`delta crl distribution points were set: ${deltas.join(', ')} but no base crl distribution point was set, consider setting base crl distribution point.`);
  }
  return { data: await issuerData(s, next), ...(warnings.length > 0 ? { warnings } : {}) };
}

async function resolveManualChain(s: Storage, issuer: Issuer, refs: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, raw] of refs.entries()) {
    const ref = index === 0 && raw === 'self' ? issuer.id : raw;
    const resolved = await resolveIssuer(s, ref);
    if (index === 0 && resolved.id !== issuer.id) throw badRequest(`expected first cert in chain to be a self-reference, but was: ${ref}/${resolved.id}`);
    ids.push(resolved.id);
  }
  return ids;
}

/** Roles that name `ref` as their issuer_ref: deleting or renaming it strands them. */
async function rolesReferencing(s: Storage, ref: string): Promise<number> {
  let n = 0;
  for (const name of await s.list('role/')) {
    if ((await getJSON<{ issuer_ref?: string }>(s, `role/${name}`))?.issuer_ref === ref) n++;
  }
  return n;
}

async function deleteIssuer(s: Storage, rawRef: string): Promise<LogicalResponse | null> {
  const ref = rawRef.trim();
  let issuer: Issuer;
  try {
    issuer = await resolveIssuer(s, ref);
  } catch (e) {
    if (WardError.is(e) && e.status === 400) return null; // Vault answers as if deleted
    throw e;
  }
  const warnings: string[] = [];
  for (const r of issuer.name ? [issuer.name, issuer.id] : [issuer.id]) {
    const n = await rolesReferencing(s, r);
    if (n > 0) warnings.push(`${n} roles reference ${r}`);
  }
  const c = await readIssuersConfig(s);
  await s.delete(issuerPath(issuer.id));
  await s.delete(crlPath(issuer.id));
  await s.delete(deltaCrlPath(issuer.id));
  if (c.default === issuer.id) {
    await writeIssuersConfig(s, { ...c, default: '' });
    warnings.push(
      `Deleted issuer ${issuer.id} (via issuer_ref ${ref}); this was configured as the default issuer. Operations without an explicit issuer will not work until a new default is configured.`,
    );
    const n = await rolesReferencing(s, 'default');
    if (n > 0) warnings.push(`${n} roles reference default`);
  }
  // What the deleted issuer had revoked stays revoked: on the default issuer's CRL from now (Vault rebuilds every CRL here).
  await rebuildAllCrls(s);
  return warnings.length > 0 ? { warnings } : null;
}

const pemToDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

export function issuerPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'issuers/?',
      fields: {},
      synopsis: 'List the issuers of this mount.',
      operations: {
        async list(req) {
          const c = await readIssuersConfig(req.storage);
          const issuers = (await listIssuers(req.storage)).sort((a, b) => (a.id < b.id ? -1 : 1));
          const key_info: Record<string, unknown> = {};
          for (const i of issuers) key_info[i.id] = { issuer_name: i.name, is_default: i.id === c.default, serial_number: i.serial, key_id: i.keyId };
          return { data: { keys: issuers.map((i) => i.id), key_info } };
        },
      },
    }),
    definePath({
      pattern: `issuer/${ISSUER_REF}`,
      fields: updateFields,
      synopsis: 'Read, update or delete one issuer.',
      operations: {
        read: async (req, d) => ({ data: await issuerData(req.storage, await resolveIssuer(req.storage, d.get('issuer_ref'))) }),
        update: locked(async (req, d) => updateIssuer(req.storage, d, false)),
        patch: locked(async (req, d) => updateIssuer(req.storage, d, true)),
        delete: locked(async (req, d) => deleteIssuer(req.storage, d.get('issuer_ref'))),
      },
    }),
    definePath({
      pattern: `issuer/${ISSUER_REF}/(?<format>json|der|pem)`,
      fields: { issuer_ref: field.string({ required: true, description: 'Issuer id, name, or "default".' }), format: field.string({ description: 'json, der or pem.' }) },
      synopsis: "Fetch an issuer's certificate (no token needed).",
      operations: {
        async read(req, d) {
          const issuer = await resolveIssuer(req.storage, d.get('issuer_ref'));
          const format = d.get('format');
          if (format === 'pem') return { raw: { status: 200, contentType: 'application/pem-certificate-chain', body: `${issuer.certificate}\n` } };
          if (format === 'der') return { raw: { status: 200, contentType: 'application/pkix-cert', body: pemToDer(issuer.certificate) } };
          const chained = await withChain(req.storage, issuer);
          return { data: { certificate: issuer.certificate, ca_chain: chainOf(chained), issuer_id: issuer.id, issuer_name: issuer.name } };
        },
      },
    }),
  ];
}

/** Vault serves these without a token: TLS clients and AIA fetchers have none. */
export const ISSUER_UNAUTHENTICATED_PATHS = ['issuers/', 'issuer/+/pem', 'issuer/+/der', 'issuer/+/json'];
