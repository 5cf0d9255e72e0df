/**
 * The login request of each VaultAuth method, as VSO sends it to `auth/<mount>/login`:
 * kubernetes {role, jwt} with a TokenRequest-minted token of the service account; appRole
 * {role_id, secret_id} with the secret ID from the Secret named by `secretRef` (key `id`);
 * jwt {role, jwt} with the Secret's `jwt` or a TokenRequest. Service accounts and Secrets live
 * in the consuming resource's namespace (VSO: no cross-namespace credentials). The VaultAuth's
 * `params` go into every body. Never puts a credential into an error message.
 */
import type { JsonValue } from '../../api/index.js';
import type { LoginTarget, TokenRequestParams } from './clients.js';

export interface CredentialSources {
  mintToken: (r: TokenRequestParams) => Promise<string>;
  /** The Secret's data, decoded; undefined when there is no such Secret. */
  readSecret?: (namespace: string, name: string) => Promise<Record<string, string> | undefined>;
}

export interface LoginRequest {
  path: string;
  body: { [k: string]: JsonValue };
  /** For error messages: who logs in, never with what. */
  who: string;
}

/** The part of the cache key that says which credential the login uses. */
export function loginIdentity(t: LoginTarget): string {
  const a = t.auth;
  if (a.appRole) return `approle:${a.appRole.roleId}:secret:${a.appRole.secretRef}`;
  if (a.jwt) return a.jwt.secretRef ? `jwt:secret:${a.jwt.secretRef}` : `jwt:sa:${a.jwt.serviceAccount}`;
  return `sa:${a.kubernetes?.serviceAccount ?? ''}`;
}

async function secretKey(c: CredentialSources, what: string, namespace: string, name: string, key: string): Promise<string> {
  if (!c.readSecret) throw new Error(`${what}: reading Secrets is not configured`);
  const data = await c.readSecret(namespace, name);
  if (!data) throw new Error(`${what}: Secret ${namespace}/${name} not found`);
  const v = data[key];
  if (!v) throw new Error(`${what}: Secret ${namespace}/${name} has no key "${key}"`);
  return v;
}

export async function loginRequest(t: LoginTarget, c: CredentialSources): Promise<LoginRequest> {
  const a = t.auth;
  const path = `auth/${a.mount}/login`;
  if (a.appRole) {
    const secretId = await secretKey(c, 'appRole secretRef', t.namespace, a.appRole.secretRef, 'id');
    return { path, body: { ...a.params, role_id: a.appRole.roleId, secret_id: secretId }, who: `with AppRole secretRef ${t.namespace}/${a.appRole.secretRef}` };
  }
  if (a.jwt) {
    const j = a.jwt;
    if (j.secretRef) {
      const jwt = await secretKey(c, 'jwt secretRef', t.namespace, j.secretRef, 'jwt');
      return { path, body: { ...a.params, role: j.role, jwt }, who: `with role "${j.role}" and the JWT of Secret ${t.namespace}/${j.secretRef}` };
    }
    const sa = j.serviceAccount ?? '';
    const jwt = await c.mintToken({ namespace: t.namespace, serviceAccount: sa, audiences: j.audiences, expirationSeconds: j.tokenExpirationSeconds });
    return { path, body: { ...a.params, role: j.role, jwt }, who: `with role "${j.role}" as service account ${t.namespace}/${sa}` };
  }
  const k = a.kubernetes;
  if (!k) throw new Error(`VaultAuth method ${a.method} has no ${a.method} settings`);
  const jwt = await c.mintToken({ namespace: t.namespace, serviceAccount: k.serviceAccount, audiences: k.audiences, expirationSeconds: k.tokenExpirationSeconds });
  return { path, body: { ...a.params, role: k.role, jwt }, who: `with role "${k.role}" as service account ${t.namespace}/${k.serviceAccount}` };
}
