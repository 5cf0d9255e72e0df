/**
 * VaultPKISecret as a typed value: VSO's field names, and the issue request VSO sends
 * (`<mount>/issue/<role>`, or `<mount>/issuer/<issuerRef>/<role>`, lists comma-joined,
 * `remove_roots_from_chain` always on). A bad field is a SpecError naming it.
 */
import { bool, obj, parseDestination, parseRolloutTargets, required, SpecError, str, type CustomObject, type Destination, type Obj, type RolloutKind } from './spec.js';

export interface PkiSecretSpec {
  vaultAuthRef: string | undefined;
  namespace: string | undefined;
  mount: string;
  role: string;
  issuerRef: string | undefined;
  commonName: string;
  altNames: string[];
  ipSans: string[];
  uriSans: string[];
  otherSans: string[];
  userIDs: string[];
  /** As written (Vault parses it: `30s`, `1h`, `7d`); empty when unset. */
  ttl: string;
  notAfter: string;
  excludeCNFromSans: boolean;
  format: 'pem' | 'der' | 'pem_bundle' | undefined;
  privateKeyFormat: string | undefined;
  /** Re-issue this long before the certificate expires (0: never renew). */
  expiryOffsetMs: number;
  revoke: boolean;
  clear: boolean;
  rolloutRestartTargets: { kind: RolloutKind; name: string }[];
  destination: Destination;
}

// VSO's patterns: expiryOffset `^([0-9]+(\.[0-9]+)?(s|m|h))$`; ttl also allows days.
const OFFSET = /^([0-9]+(\.[0-9]+)?)(s|m|h)$/;
const TTL = /^([0-9]+(\.[0-9]+)?)(s|m|h|d)$/;
const MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function list(o: Obj, key: string, field: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new SpecError(`${field}: must be a list of strings`);
  return v as string[];
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');

export function parsePkiSecret(cr: CustomObject): PkiSecretSpec {
  const s = obj(cr.spec);
  const offset = str(s, 'expiryOffset', 'spec.expiryOffset') || '';
  let expiryOffsetMs = 0;
  if (offset) {
    const m = OFFSET.exec(offset);
    if (!m) throw new SpecError(`spec.expiryOffset: invalid duration ${JSON.stringify(offset)} (want e.g. 30s, 5m, 1h)`);
    expiryOffsetMs = Math.round(Number(m[1]) * MS[m[3] as 's' | 'm' | 'h']);
  }
  const ttl = str(s, 'ttl', 'spec.ttl') || '';
  if (ttl && !TTL.test(ttl)) throw new SpecError(`spec.ttl: invalid duration ${JSON.stringify(ttl)} (want e.g. 30s, 5m, 1h, 7d)`);
  const notAfter = str(s, 'notAfter', 'spec.notAfter') || '';
  if (notAfter && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(notAfter)) throw new SpecError(`spec.notAfter: invalid time ${JSON.stringify(notAfter)} (want UTC YYYY-MM-ddTHH:MM:SSZ)`);
  const format = str(s, 'format', 'spec.format') || undefined;
  if (format !== undefined && !['pem', 'der', 'pem_bundle'].includes(format)) throw new SpecError(`spec.format: unsupported value ${JSON.stringify(format)}: supported values: "pem", "der", "pem_bundle"`);
  const destination = parseDestination(s);
  return {
    vaultAuthRef: str(s, 'vaultAuthRef', 'spec.vaultAuthRef'),
    namespace: str(s, 'namespace', 'spec.namespace'),
    mount: trimSlashes(required(s, 'mount', 'spec.mount')),
    role: required(s, 'role', 'spec.role'),
    issuerRef: str(s, 'issuerRef', 'spec.issuerRef') || undefined,
    commonName: str(s, 'commonName', 'spec.commonName') ?? '',
    altNames: list(s, 'altNames', 'spec.altNames'),
    ipSans: list(s, 'ipSans', 'spec.ipSans'),
    uriSans: list(s, 'uriSans', 'spec.uriSans'),
    otherSans: list(s, 'otherSans', 'spec.otherSans'),
    userIDs: list(s, 'userIDs', 'spec.userIDs'),
    ttl,
    notAfter,
    excludeCNFromSans: bool(s, 'excludeCNFromSans', 'spec.excludeCNFromSans', false),
    format: format as PkiSecretSpec['format'],
    privateKeyFormat: str(s, 'privateKeyFormat', 'spec.privateKeyFormat') || undefined,
    expiryOffsetMs,
    revoke: bool(s, 'revoke', 'spec.revoke', false),
    clear: bool(s, 'clear', 'spec.clear', false),
    rolloutRestartTargets: parseRolloutTargets(s),
    destination,
  };
}

/** The request path: `<mount>/issue/<role>`, or `<mount>/issuer/<ref>/<role>` with issuerRef. */
export function pkiIssuePath(s: PkiSecretSpec): string {
  return s.issuerRef ? `${s.mount}/issuer/${s.issuerRef}/${s.role}` : `${s.mount}/issue/${s.role}`;
}

/** The issue request body as VSO sends it (empty values included; Vault treats them as unset). */
export function pkiIssueBody(s: PkiSecretSpec): Record<string, string | boolean> {
  return {
    common_name: s.commonName,
    alt_names: s.altNames.join(','),
    ip_sans: s.ipSans.join(','),
    uri_sans: s.uriSans.join(','),
    other_sans: s.otherSans.join(','),
    ...(s.userIDs.length > 0 ? { user_ids: s.userIDs.join(',') } : {}),
    ttl: s.ttl,
    not_after: s.notAfter,
    exclude_cn_from_sans: s.excludeCNFromSans,
    remove_roots_from_chain: true,
    ...(s.format ? { format: s.format } : {}),
    ...(s.privateKeyFormat ? { private_key_format: s.privateKeyFormat } : {}),
  };
}
