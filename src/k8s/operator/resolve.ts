/**
 * From a syncable resource to the Ward login it uses: its VaultAuth (`vaultAuthRef`, default
 * `default` in the operator's namespace), that auth's VaultConnection, and the connection's CA
 * Secret. A missing object is retryable (it may be created next); a bad spec or a namespace
 * the VaultAuth does not allow is a SpecError.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import type { LoginTarget } from './clients.js';
import { VAULT_AUTHS, VAULT_CONNECTIONS } from './kinds.js';
import { parseAuth } from './auth-spec.js';
import { parseConnection, parseRef, SpecError, type CustomObject, type Ref } from './spec.js';

/** Informer caches of VaultAuths and VaultConnections (keys `namespace/name`); without them each lookup is a GET. */
export interface RefCaches {
  auths: { get(key: string): CustomObject | undefined };
  connections: { get(key: string): CustomObject | undefined };
}

async function getCr(kube: KubeClient, r: typeof VAULT_AUTHS, ref: Ref, kind: string, cache?: RefCaches['auths']): Promise<CustomObject> {
  if (cache) {
    const hit = cache.get(`${ref.namespace}/${ref.name}`);
    if (!hit) throw new Error(`${kind} ${ref.namespace}/${ref.name} not found`);
    return hit;
  }
  try {
    return (await kube.custom.getNamespacedCustomObject({ ...r, namespace: ref.namespace, name: ref.name })) as CustomObject;
  } catch (e) {
    if (isNotFound(e)) throw new Error(`${kind} ${ref.namespace}/${ref.name} not found`, { cause: e });
    throw e;
  }
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
  const auth = within(authName, () => parseAuth(authCr));
  // VSO: unset allowedNamespaces means only the VaultAuth's own namespace; the operator's default is shared.
  const allowed = auth.allowedNamespaces ?? (authRef.namespace === operatorNamespace && authRef.name === 'default' ? ['*'] : [authRef.namespace]);
  if (!allowed.includes('*') && !allowed.includes(crNamespace)) throw new SpecError(`${authName} does not allow namespace ${crNamespace} (allowedNamespaces)`);
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
    authKey: `${authRef.namespace}/${authRef.name}@${authCr.metadata?.generation ?? 0}|${connRef.namespace}/${connRef.name}@${connCr.metadata?.generation ?? 0}`,
    namespace: crNamespace,
  };
}
