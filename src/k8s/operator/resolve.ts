/**
 * From a syncable resource to the Ward login it uses: its VaultAuth (`vaultAuthRef`, default
 * `default` in the operator's namespace) merged with its VaultAuthGlobal if it has one
 * (auth-global.ts), that auth's VaultConnection, and the connection's CA Secret. A missing object is retryable (it may be created next); a bad spec or a namespace
 * the VaultAuth does not allow is a SpecError.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import type { LoginTarget } from './clients.js';
import { VAULT_AUTH_GLOBALS, VAULT_AUTHS, VAULT_CONNECTIONS } from './kinds.js';
import { globalCandidates, isAllowedNamespace, mergeAuthGlobal } from './auth-global.js';
import { parseAuthSpec, parseGlobalRef, type AuthSpec } from './auth-spec.js';
import { obj, parseConnection, parseRef, SpecError, type CustomObject, type Ref } from './spec.js';

/** Informer caches of VaultAuths, VaultConnections and VaultAuthGlobals (keys `namespace/name`); without them each lookup is a GET. */
export interface RefCaches {
  auths: { get(key: string): CustomObject | undefined };
  connections: { get(key: string): CustomObject | undefined };
  globals?: { get(key: string): CustomObject | undefined };
}

async function findCr(kube: KubeClient, r: typeof VAULT_AUTHS, ref: Ref, cache?: RefCaches['auths']): Promise<CustomObject | undefined> {
  if (cache) return cache.get(`${ref.namespace}/${ref.name}`);
  try {
    return (await kube.custom.getNamespacedCustomObject({ ...r, namespace: ref.namespace, name: ref.name })) as CustomObject;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function getCr(kube: KubeClient, r: typeof VAULT_AUTHS, ref: Ref, kind: string, cache?: RefCaches['auths']): Promise<CustomObject> {
  const found = await findCr(kube, r, ref, cache);
  if (!found) throw new Error(`${kind} ${ref.namespace}/${ref.name} not found`);
  return found;
}

/** `uid@generation` (a re-created object is another object), else `namespace/name@generation`. */
const version = (o: CustomObject, ref: Ref) => `${o.metadata?.uid || `${ref.namespace}/${ref.name}`}@${o.metadata?.generation ?? 0}`;

/** The VaultAuth's spec, with its VaultAuthGlobal merged in when it references one. */
async function authSpec(kube: KubeClient, authCr: CustomObject, authRef: Ref, operatorNamespace: string, caches?: RefCaches): Promise<{ spec: AuthSpec; globalVersion: string }> {
  const raw = obj(authCr.spec);
  const authName = `VaultAuth ${authRef.namespace}/${authRef.name}`;
  const gref = within(authName, () => parseGlobalRef(raw));
  if (!gref) return { spec: within(authName, () => parseAuthSpec(raw)), globalVersion: '' };
  const candidates = globalCandidates(gref, authRef.namespace, operatorNamespace);
  let found: { cr: CustomObject; ref: Ref } | undefined;
  for (const c of candidates) {
    const cr = await findCr(kube, VAULT_AUTH_GLOBALS, c, caches?.globals);
    if (cr) {
      found = { cr, ref: c };
      break;
    }
  }
  if (!found) throw new Error(`${authName}: VaultAuthGlobal ${candidates.map((c) => `${c.namespace}/${c.name}`).join(' or ')} not found`);
  const g = obj(found.cr.spec);
  const globalName = `VaultAuthGlobal ${found.ref.namespace}/${found.ref.name}`;
  const allowed = Array.isArray(g['allowedNamespaces']) ? (g['allowedNamespaces'] as unknown[]).filter((x): x is string => typeof x === 'string') : undefined;
  if (!isAllowedNamespace(found.ref, authRef.namespace, allowed, operatorNamespace)) throw new SpecError(`${globalName} does not allow namespace ${authRef.namespace} (allowedNamespaces)`);
  const merged = within(authName, () => mergeAuthGlobal({ ...authRef, spec: raw }, gref, { ...found.ref, spec: g }));
  return { spec: within(`${authName} merged with ${globalName}`, () => parseAuthSpec(merged)), globalVersion: version(found.cr, found.ref) };
}

/** A SpecError in a referenced object, prefixed with that object's name. */
function within<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(`${what}: ${e.message}`);
    throw e;
  }
}

export async function resolveLogin(kube: KubeClient, crNamespace: string, vaultAuthRef: string | undefined, operatorNamespace: string, caches?: RefCaches): Promise<LoginTarget> {
  const authRef = parseRef(vaultAuthRef, crNamespace, operatorNamespace);
  const authCr = await getCr(kube, VAULT_AUTHS, authRef, 'VaultAuth', caches?.auths);
  const authName = `VaultAuth ${authRef.namespace}/${authRef.name}`;
  const { spec: auth, globalVersion } = await authSpec(kube, authCr, authRef, operatorNamespace, caches);
  // VSO: its own namespace and the operator's default are always allowed; otherwise allowedNamespaces.
  if (!isAllowedNamespace(authRef, crNamespace, auth.allowedNamespaces, operatorNamespace)) throw new SpecError(`${authName} does not allow namespace ${crNamespace} (allowedNamespaces)`);
  const connRef = parseRef(auth.vaultConnectionRef, authRef.namespace, operatorNamespace);
  const connCr = await getCr(kube, VAULT_CONNECTIONS, connRef, 'VaultConnection', caches?.connections);
  const connection = within(`VaultConnection ${connRef.namespace}/${connRef.name}`, () => parseConnection(connCr));
  let caPem: string | undefined;
  if (connection.caCertSecretRef) {
    let s: V1Secret;
    try {
      s = await kube.core.readNamespacedSecret({ namespace: connRef.namespace, name: connection.caCertSecretRef });
    } catch (e) {
      if (isNotFound(e)) throw new Error(`CA Secret ${connRef.namespace}/${connection.caCertSecretRef} not found`, { cause: e });
      throw e;
    }
    const ca = s.data?.['ca.crt'];
    if (!ca) throw new SpecError(`CA Secret ${connRef.namespace}/${connection.caCertSecretRef} has no ca.crt`);
    caPem = Buffer.from(ca, 'base64').toString('utf8');
  }
  return {
    connection,
    caPem,
    auth,
    authKey: `${version(authCr, authRef)}|${version(connCr, connRef)}${globalVersion ? `|${globalVersion}` : ''}`,
    namespace: crNamespace,
    authRef: { ...authRef, uid: authCr.metadata?.uid ?? '', generation: authCr.metadata?.generation ?? 0 },
  };
}
