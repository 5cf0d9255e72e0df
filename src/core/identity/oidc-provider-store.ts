/**
 * Storage of the OIDC provider's resources (assignments, scopes, clients, providers,
 * access tokens) in the identity mount's barrier view, under Vault's `oidc_provider/`
 * prefix. The built-in `allow_all` assignment and `default` provider are virtual until
 * written (allow_all never is): reading them needs no write, so a standby serves them too.
 */
import { createHash } from 'node:crypto';
import { getJSON, listRecursive, putJSON, type Storage } from '../../sdk/storage.js';
import { entityGroups } from './membership.js';
import type { IdentityStore } from './store.js';

export interface Assignment {
  entityIds: string[];
  groupIds: string[];
}
export interface Scope {
  template: string;
  description: string;
}
export type ClientType = 'confidential' | 'public';
export interface Client {
  name: string;
  redirectUris: string[];
  assignments: string[];
  key: string;
  /** Seconds. */
  idTokenTtl: number;
  accessTokenTtl: number;
  type: ClientType;
  clientId: string;
  /** Empty for public clients. */
  clientSecret: string;
}
export interface Provider {
  issuer: string;
  allowedClientIds: string[];
  scopesSupported: string[];
}
/** An issued access token, stored under the SHA-256 of its value (the value itself is never stored). */
export interface AccessToken {
  provider: string;
  clientId: string;
  entityId: string;
  scopes: string[];
  /** Epoch ms. */
  expireAt: number;
}

export const ALLOW_ALL = 'allow_all';
export const DEFAULT_PROVIDER = 'default';
export const DEFAULT_KEY = 'default';
export const OPENID = 'openid';

const PREFIX = 'oidc_provider/';
const ASSIGNMENT = `${PREFIX}assignment/`;
const SCOPE = `${PREFIX}scope/`;
const CLIENT = `${PREFIX}client/`;
const PROVIDER = `${PREFIX}provider/`;
const ACCESS = `${PREFIX}access_token/`;

const BUILTIN_ASSIGNMENT: Assignment = { entityIds: ['*'], groupIds: ['*'] };
const BUILTIN_PROVIDER: Provider = { issuer: '', allowedClientIds: ['*'], scopesSupported: [] };

const names = async (s: Storage, prefix: string): Promise<string[]> => (await listRecursive(s, prefix)).map((k) => k.slice(prefix.length));
const withBuiltin = (list: string[], builtin: string): string[] => [...new Set([...list, builtin])].sort();

export const readAssignment = async (s: Storage, n: string): Promise<Assignment | null> => (n === ALLOW_ALL ? BUILTIN_ASSIGNMENT : getJSON<Assignment>(s, ASSIGNMENT + n));
export const writeAssignment = (s: Storage, n: string, a: Assignment): Promise<void> => putJSON(s, ASSIGNMENT + n, a);
export const deleteAssignment = (s: Storage, n: string): Promise<void> => s.delete(ASSIGNMENT + n);
export const listAssignments = async (s: Storage): Promise<string[]> => withBuiltin(await names(s, ASSIGNMENT), ALLOW_ALL);

export const readScope = (s: Storage, n: string): Promise<Scope | null> => getJSON<Scope>(s, SCOPE + n);
export const writeScope = (s: Storage, n: string, v: Scope): Promise<void> => putJSON(s, SCOPE + n, v);
export const deleteScope = (s: Storage, n: string): Promise<void> => s.delete(SCOPE + n);
export const listScopes = async (s: Storage): Promise<string[]> => (await names(s, SCOPE)).sort();

export const readClient = (s: Storage, n: string): Promise<Client | null> => getJSON<Client>(s, CLIENT + n);
/**
 * client_id → name, so that the unauthenticated token endpoint finds a client with one
 * read instead of decrypting every client (Vault scans them all). A client's id never
 * changes once made; the index is written after the client and removed before it, so a
 * crash between the two leaves at worst an entry that clientById ignores.
 */
const CLIENT_ID = `${PREFIX}client_id/`;
export async function writeClient(s: Storage, c: Client): Promise<void> {
  await putJSON(s, CLIENT + c.name, c);
  await putJSON(s, CLIENT_ID + c.clientId, { name: c.name });
}
export async function deleteClient(s: Storage, n: string): Promise<void> {
  const c = await readClient(s, n);
  if (c) await s.delete(CLIENT_ID + c.clientId);
  await s.delete(CLIENT + n);
}
export async function listClients(s: Storage): Promise<Client[]> {
  const all = await Promise.all((await names(s, CLIENT)).map((n) => readClient(s, n)));
  return all.filter((c): c is Client => c !== null).sort((a, b) => a.name.localeCompare(b.name));
}
export async function clientById(s: Storage, id: string): Promise<Client | null> {
  if (id === '') return null;
  const entry = await getJSON<{ name: string }>(s, CLIENT_ID + id);
  if (!entry) return null;
  const c = await readClient(s, entry.name);
  return c?.clientId === id ? c : null;
}

export async function readProvider(s: Storage, n: string): Promise<Provider | null> {
  return (await getJSON<Provider>(s, PROVIDER + n)) ?? (n === DEFAULT_PROVIDER ? BUILTIN_PROVIDER : null);
}
export const writeProvider = (s: Storage, n: string, p: Provider): Promise<void> => putJSON(s, PROVIDER + n, p);
export const deleteProvider = (s: Storage, n: string): Promise<void> => s.delete(PROVIDER + n);
export const listProviders = async (s: Storage): Promise<string[]> => withBuiltin(await names(s, PROVIDER), DEFAULT_PROVIDER);

export const allowsClient = (p: Provider, clientId: string): boolean => p.allowedClientIds.some((id) => id === '*' || id === clientId);

/** The names (sorted) of providers listing `scope` in scopes_supported. */
export async function providersUsingScope(s: Storage, scope: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of await listProviders(s)) if ((await readProvider(s, n))?.scopesSupported.includes(scope)) out.push(n);
  return out;
}

const tokenKey = (token: string): string => ACCESS + createHash('sha256').update(token).digest('hex');
export const writeAccessToken = (s: Storage, token: string, t: AccessToken): Promise<void> => putJSON(s, tokenKey(token), t);
/** The access token's record while it is valid; an expired one is deleted on sight. */
export async function readAccessToken(s: Storage, token: string, now: number): Promise<AccessToken | null> {
  if (token === '') return null;
  const t = await getJSON<AccessToken>(s, tokenKey(token));
  if (t && t.expireAt <= now) {
    await s.delete(tokenKey(token));
    return null;
  }
  return t;
}

/** Deletes every expired access token record; answers how many went. */
export async function sweepAccessTokens(s: Storage, now: number): Promise<number> {
  let n = 0;
  for (const key of await listRecursive(s, ACCESS)) {
    const t = await getJSON<AccessToken>(s, key);
    if (t && t.expireAt <= now) {
      await s.delete(key);
      n++;
    }
  }
  return n;
}

/**
 * Whether the entity is enabled and named by one of `assignments` directly or through a
 * group it belongs to (directly or by inheritance); `allow_all` admits every entity.
 */
export async function entityAssigned(s: Storage, store: IdentityStore, entityId: string, assignments: string[]): Promise<boolean> {
  const entity = store.entity(entityId);
  if (!entity || entity.disabled) return false;
  if (assignments.includes(ALLOW_ALL)) return true;
  const groups = new Set(entityGroups(store, entityId).all);
  for (const n of assignments) {
    const a = await readAssignment(s, n);
    if (!a) continue;
    if (a.entityIds.includes(entityId) || a.groupIds.some((g) => groups.has(g))) return true;
  }
  return false;
}
