/**
 * The claims the requested scopes' templates give an entity (ID token and userinfo), and
 * the public keys a provider publishes: those of the keys its allowed clients sign with.
 */
import type { JWK } from 'jose';
import type { Storage } from '../../sdk/storage.js';
import type { EffectiveIdentity } from './effective.js';
import { publicKeys, readKey, type NamedKey } from './oidc-keys.js';
import { clientById, listClients, readScope, type Provider } from './oidc-provider-store.js';
import { renderClaims } from './oidc-template.js';

export class ScopeConflict extends Error {}

/**
 * Merged claims of `scopes` (unknown scopes ignored, as OIDC says) for the entity. Two
 * scopes setting one top-level claim is Vault's conflict error, never a silent overwrite.
 */
export async function scopeClaims(s: Storage, effective: EffectiveIdentity, entityId: string, scopes: string[]): Promise<Record<string, unknown>> {
  const ti = effective.forToken(entityId, []);
  if (!ti) return {};
  const out: Record<string, unknown> = {};
  const owner = new Map<string, string>();
  for (const name of scopes) {
    const sc = await readScope(s, name);
    if (!sc) continue;
    for (const [k, v] of Object.entries(renderClaims(sc.template, ti.template()))) {
      const other = owner.get(k);
      if (other !== undefined) throw new ScopeConflict(`found scopes with conflicting top-level claim: claim "${k}" in scopes "${name}", "${other}"`);
      owner.set(k, name);
      out[k] = v;
    }
  }
  return out;
}

/** Every public key a relying party of this provider may need to verify an ID token. */
export async function providerPublicKeys(s: Storage, p: Provider, now: number): Promise<JWK[]> {
  const names = new Set<string>();
  if (p.allowedClientIds.includes('*')) for (const c of await listClients(s)) names.add(c.key);
  else for (const id of p.allowedClientIds) {
    const c = await clientById(s, id);
    if (c) names.add(c.key);
  }
  const keys = (await Promise.all([...names].sort().map((n) => readKey(s, n)))).filter((k): k is NamedKey => k !== null);
  return publicKeys(keys, now);
}
