import type { ClientOptions } from '../../api/index.js';
import { InvalidArgument } from './errors.js';
import { parseObjects, type CsiObject } from './objects.js';

/** What the provider's flags supply when a SecretProviderClass leaves a parameter out. */
export type ProviderDefaults = { vaultAddr: string; vaultMount: string; vaultNamespace: string };

export type PodIdentity = { name: string; namespace: string; uid: string; serviceAccount: string };

export type TlsParams = Pick<ClientOptions, 'caCert' | 'caPath' | 'tlsServerName' | 'clientCert' | 'clientKey'> & { tlsSkipVerify: boolean };

/** One Mount call, validated: nothing is fetched or written before this succeeds. */
export type MountParams = {
  roleName: string;
  address: string;
  namespace: string;
  /** Auth mount without `auth/` and slashes (`kubernetes`). */
  authMount: string;
  audience: string;
  tls: TlsParams;
  objects: CsiObject[];
  pod: PodIdentity;
  /** Tokens the driver minted for the pod, by audience (`serviceAccount.tokens`). */
  saTokens: Record<string, string>;
  /** Default file mode (the request's `permission`). */
  permission: number;
};

const TOKENS = 'csi.storage.k8s.io/serviceAccount.tokens';

function stringMap(text: string, what: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text === '' ? '{}' : text);
  } catch {
    throw new InvalidArgument(`failed to unmarshal ${what}: not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgument(`failed to unmarshal ${what}: want a JSON object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new InvalidArgument(`failed to unmarshal ${what}: value of "${k}" is not a string`);
    out[k] = x;
  }
  return out;
}

/** `{"<audience>": {"token": "...", "expirationTimestamp": "..."}}` → audience → token. */
function parseTokens(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidArgument(`attribute "${TOKENS}" is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgument(`attribute "${TOKENS}" must be a JSON object keyed by audience`);
  const out: Record<string, string> = {};
  for (const [aud, entry] of Object.entries(v as Record<string, unknown>)) {
    const token = typeof entry === 'object' && entry !== null ? (entry as { token?: unknown }).token : undefined;
    if (typeof token !== 'string' || token === '') throw new InvalidArgument(`attribute "${TOKENS}": entry for audience "${aud}" has no token`);
    out[aud] = token;
  }
  return out;
}

/** Go's strconv.ParseBool, which vault-csi-provider uses for vaultSkipTLSVerify. */
function parseBool(name: string, v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (/^(1|t|T|TRUE|true|True)$/.test(v)) return true;
  if (/^(0|f|F|FALSE|false|False)$/.test(v)) return false;
  throw new InvalidArgument(`parameter "${name}": invalid boolean "${v}"`);
}

function permission(text: string): number {
  let v: unknown;
  try {
    v = JSON.parse(text === '' ? '"420"' : text);
  } catch {
    throw new InvalidArgument('failed to unmarshal file permission: not JSON');
  }
  // The driver sends the decimal mode as a JSON string ("420"); a bare number is accepted too.
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0o777) throw new InvalidArgument(`failed to unmarshal file permission: ${JSON.stringify(text)} is not a mode between 0 and 511`);
  return n;
}

function address(value: string, from: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgument(`${from}: "${value}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InvalidArgument(`${from}: "${value}" must be an http or https URL`);
  return value.replace(/\/+$/, '');
}

/** Parses the Mount request's attributes, CSI secrets and permission into {@link MountParams}. */
export function parseMountRequest(r: { attributes: string; secrets: string; permission: string }, d: ProviderDefaults): MountParams {
  const a = stringMap(r.attributes, 'attributes');
  const secrets = stringMap(r.secrets, 'secrets');
  const roleName = a['roleName'] ?? '';
  if (roleName === '') throw new InvalidArgument('missing parameter "roleName"');
  if (a['objects'] === undefined || a['objects'].trim() === '') throw new InvalidArgument('missing parameter "objects"');
  const objects = parseObjects(a['objects']);
  if (objects.length === 0) throw new InvalidArgument('parameter "objects" lists no objects');
  const k8sMount = a['vaultKubernetesMountPath'] ?? '';
  const authMount = a['vaultAuthMountPath'] ?? '';
  if (k8sMount !== '' && authMount !== '') throw new InvalidArgument('parameters "vaultKubernetesMountPath" and "vaultAuthMountPath" are both set; use one');
  const mount = (k8sMount || authMount || d.vaultMount).replace(/^\/+|\/+$/g, '').replace(/^auth\//, '');
  const addr = a['vaultAddress'] ? address(a['vaultAddress'], 'parameter "vaultAddress"') : d.vaultAddr;
  const tls: TlsParams = { tlsSkipVerify: parseBool('vaultSkipTLSVerify', a['vaultSkipTLSVerify']) };
  const set = (k: keyof Omit<TlsParams, 'tlsSkipVerify'>, param: string): void => {
    const v = a[param];
    if (v !== undefined && v !== '') tls[k] = v;
  };
  set('caCert', 'vaultCACertPath');
  set('caPath', 'vaultCADirectory');
  set('tlsServerName', 'vaultTLSServerName');
  set('clientCert', 'vaultTLSClientCertPath');
  set('clientKey', 'vaultTLSClientKeyPath');
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    throw new InvalidArgument('parameters "vaultTLSClientCertPath" and "vaultTLSClientKeyPath" must be set together');
  }
  return {
    roleName,
    address: addr,
    namespace: a['vaultNamespace'] ?? d.vaultNamespace,
    authMount: mount,
    audience: a['audience'] ?? '',
    tls,
    objects,
    pod: {
      name: a['csi.storage.k8s.io/pod.name'] ?? '',
      namespace: a['csi.storage.k8s.io/pod.namespace'] ?? '',
      uid: a['csi.storage.k8s.io/pod.uid'] ?? '',
      serviceAccount: a['csi.storage.k8s.io/serviceAccount.name'] ?? '',
    },
    saTokens: parseTokens(a[TOKENS] ?? secrets[TOKENS]),
    permission: permission(r.permission),
  };
}
