/**
 * The VaultAuth custom resource as a typed value: VSO's field names and defaults for the
 * methods Ward's operator logs in with (kubernetes, appRole, jwt), `headers`/`params` sent on
 * login, `storageEncryption` for the persisted client cache, and `vaultAuthGlobalRef` (merged
 * in by auth-global.ts before parsing). A bad field is a SpecError naming it.
 */
import { bool, obj, oneOf, required, SpecError, str, strMap, type CustomObject, type Obj } from './spec.js';

export type AuthMethod = 'kubernetes' | 'appRole' | 'jwt';
export type MergeStrategy = 'union' | 'replace' | 'none';

export interface KubernetesAuth { role: string; serviceAccount: string; audiences: string[]; tokenExpirationSeconds: number }
/** `secretRef`: a Secret in the consuming resource's namespace with key `id` (the secret ID), as VSO. */
export interface AppRoleAuth { roleId: string; secretRef: string }
/** Exactly one of `secretRef` (a Secret with key `jwt`) or `serviceAccount` (a TokenRequest). */
export interface JwtAuth { role: string; secretRef: string | undefined; serviceAccount: string | undefined; audiences: string[]; tokenExpirationSeconds: number }

export interface GlobalRef {
  name: string | undefined;
  namespace: string | undefined;
  allowDefault: boolean;
  mergeStrategy: { headers: MergeStrategy; params: MergeStrategy };
}

export interface AuthSpec {
  vaultConnectionRef: string | undefined;
  namespace: string | undefined;
  method: AuthMethod;
  mount: string;
  allowedNamespaces: string[] | undefined;
  params: Record<string, string>;
  headers: Record<string, string>;
  kubernetes?: KubernetesAuth;
  appRole?: AppRoleAuth;
  jwt?: JwtAuth;
  storageEncryption?: { mount: string; keyName: string };
}

const METHODS = ['kubernetes', 'jwt', 'appRole', 'aws', 'gcp'] as const;
const STRATEGIES = ['union', 'replace', 'none'] as const;

function strings(o: Obj, key: string, field: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((a) => typeof a === 'string')) throw new SpecError(`${field}: must be a list of strings`);
  return v as string[];
}

function expiration(o: Obj, field: string): number {
  const exp = o['tokenExpirationSeconds'] ?? 600;
  if (!Number.isInteger(exp)) throw new SpecError(`${field}.tokenExpirationSeconds: must be an integer`);
  if ((exp as number) < 600) throw new SpecError(`${field}.tokenExpirationSeconds: must be at least 600`);
  return exp as number;
}

/** `spec.vaultAuthGlobalRef`, or undefined when the VaultAuth has none. */
export function parseGlobalRef(spec: Obj): GlobalRef | undefined {
  const v = spec['vaultAuthGlobalRef'];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new SpecError('spec.vaultAuthGlobalRef: must be an object');
  const r = v as Obj;
  const f = 'spec.vaultAuthGlobalRef';
  const ms = obj(r['mergeStrategy']);
  const strategy = (k: 'headers' | 'params'): MergeStrategy => oneOf(str(ms, k, `${f}.mergeStrategy.${k}`) || 'none', STRATEGIES, `${f}.mergeStrategy.${k}`);
  const ref: GlobalRef = {
    name: str(r, 'name', `${f}.name`) || undefined,
    namespace: str(r, 'namespace', `${f}.namespace`) || undefined,
    allowDefault: bool(r, 'allowDefault', `${f}.allowDefault`, false),
    mergeStrategy: { headers: strategy('headers'), params: strategy('params') },
  };
  if (!ref.name && !ref.allowDefault) throw new SpecError(`${f}.name: required unless allowDefault is true`);
  return ref;
}

/** A complete VaultAuth spec (after any VaultAuthGlobal merge). */
export function parseAuthSpec(s: Obj): AuthSpec {
  const method = oneOf(required(s, 'method', 'spec.method'), METHODS, 'spec.method');
  if (method === 'aws' || method === 'gcp') throw new SpecError(`spec.method: ${JSON.stringify(method)} is not supported by Ward's operator yet (use kubernetes, appRole or jwt)`);
  const allowed = s['allowedNamespaces'];
  if (allowed !== undefined && allowed !== null && !(Array.isArray(allowed) && allowed.every((a) => typeof a === 'string'))) throw new SpecError('spec.allowedNamespaces: must be a list of strings');
  const out: AuthSpec = {
    vaultConnectionRef: str(s, 'vaultConnectionRef', 'spec.vaultConnectionRef'),
    namespace: str(s, 'namespace', 'spec.namespace'),
    method,
    mount: required(s, 'mount', 'spec.mount').replace(/^\/+|\/+$/g, ''),
    allowedNamespaces: (allowed ?? undefined) as string[] | undefined,
    params: strMap(s, 'params', 'spec.params'),
    headers: strMap(s, 'headers', 'spec.headers'),
  };
  if (method === 'kubernetes') {
    const k = obj(s['kubernetes']);
    out.kubernetes = {
      role: required(k, 'role', 'spec.kubernetes.role'),
      serviceAccount: required(k, 'serviceAccount', 'spec.kubernetes.serviceAccount'),
      audiences: strings(k, 'audiences', 'spec.kubernetes.audiences'),
      tokenExpirationSeconds: expiration(k, 'spec.kubernetes'),
    };
  } else if (method === 'appRole') {
    const a = obj(s['appRole']);
    const roleId = required(a, 'roleId', 'spec.appRole.roleId');
    if (str(a, 'secretIDPath', 'spec.appRole.secretIDPath')) throw new SpecError("spec.appRole.secretIDPath: not supported by Ward's operator (use secretRef)");
    out.appRole = { roleId, secretRef: required(a, 'secretRef', 'spec.appRole.secretRef') };
  } else {
    const j = obj(s['jwt']);
    const role = required(j, 'role', 'spec.jwt.role');
    const secretRef = str(j, 'secretRef', 'spec.jwt.secretRef') || undefined;
    const serviceAccount = str(j, 'serviceAccount', 'spec.jwt.serviceAccount') || undefined;
    if (!secretRef && !serviceAccount) throw new SpecError('spec.jwt: one of secretRef or serviceAccount is required');
    if (secretRef && serviceAccount) throw new SpecError('spec.jwt.secretRef: exclusive with spec.jwt.serviceAccount');
    out.jwt = { role, secretRef, serviceAccount, audiences: strings(j, 'audiences', 'spec.jwt.audiences'), tokenExpirationSeconds: expiration(j, 'spec.jwt') };
  }
  if (s['storageEncryption'] !== undefined && s['storageEncryption'] !== null) {
    const e = obj(s['storageEncryption']);
    out.storageEncryption = { mount: required(e, 'mount', 'spec.storageEncryption.mount').replace(/^\/+|\/+$/g, ''), keyName: required(e, 'keyName', 'spec.storageEncryption.keyName') };
  }
  return out;
}

/** A VaultAuth that references no VaultAuthGlobal. */
export function parseAuth(cr: CustomObject): AuthSpec {
  return parseAuthSpec(obj(cr.spec));
}

/**
 * What can be checked of a VaultAuth on its own (its `valid` status): everything, unless it
 * references a VaultAuthGlobal, which may supply the method, mount and method fields.
 */
export function validateAuth(cr: CustomObject): void {
  const s = obj(cr.spec);
  if (!parseGlobalRef(s)) {
    parseAuthSpec(s);
    return;
  }
  const method = str(s, 'method', 'spec.method');
  if (method) oneOf(method, METHODS, 'spec.method');
  strMap(s, 'params', 'spec.params');
  strMap(s, 'headers', 'spec.headers');
}
