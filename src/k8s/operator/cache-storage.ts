/**
 * `--client-cache-persistence-model=direct-encrypted`: each cached Ward token (and its expiry)
 * in a Secret of the operator's namespace, named and labelled as VSO's client cache
 * (`vso-cc-<method>-<hash>`, `app.kubernetes.io/component=client-cache-storage`), its payload
 * encrypted with Ward's transit under the key of the operator's own VaultAuth
 * (`spec.storageEncryption`) — never plaintext. Encryption is enforced: an entry that is not
 * marked encrypted, or does not decrypt, is an error and the caller logs in instead.
 */
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { isAlreadyExists, isNotFound } from '../kube/errors.js';
import type { LoginTarget, TokenStore } from './clients.js';
import type { CachedToken } from './token-cache.js';

/** Transit (transit-codec.ts); `keyRef` names the VaultAuth whose key encrypted the entry. */
export interface Codec {
  encrypt(plaintext: string): Promise<{ ciphertext: string; keyRef: string }>;
  decrypt(ciphertext: string, keyRef: string): Promise<string>;
}

export const CACHE_LABELS = {
  'app.kubernetes.io/name': 'vault-secrets-operator',
  'app.kubernetes.io/managed-by': 'vso',
  'app.kubernetes.io/component': 'client-cache-storage',
};

/** VSO's cache key shape: `<method>-<hash>` (also a valid label value). */
function cacheId(key: string, t: LoginTarget): string {
  return `${t.auth.method.toLowerCase()}-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

function parseEntry(text: string): CachedToken {
  let v: Partial<CachedToken>;
  try {
    v = JSON.parse(text) as Partial<CachedToken>;
  } catch {
    // Not the parser's message: it quotes the input, which may hold a token.
    throw new Error('the cached entry is not JSON');
  }
  if (typeof v.token !== 'string' || typeof v.ttlMs !== 'number' || typeof v.refreshedAt !== 'number') throw new Error('the cached entry is malformed');
  return { token: v.token, accessor: typeof v.accessor === 'string' ? v.accessor : '', renewable: v.renewable === true, ttlMs: v.ttlMs, refreshedAt: v.refreshedAt };
}

export function secretTokenStore(kube: KubeClient, namespace: string, codec: Codec): TokenStore {
  const read = async (name: string): Promise<V1Secret | undefined> => {
    try {
      return await kube.core.readNamespacedSecret({ namespace, name });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  return {
    async load(key, t) {
      const name = `vso-cc-${cacheId(key, t)}`;
      const s = await read(name);
      if (!s) return undefined;
      if (s.metadata?.labels?.['encrypted'] !== 'true') throw new Error(`client cache Secret ${namespace}/${name} is not encrypted; ignored`);
      const ct = s.data?.['secret'];
      if (!ct) throw new Error(`client cache Secret ${namespace}/${name} has no entry`);
      const plain = await codec.decrypt(Buffer.from(ct, 'base64').toString('utf8'), s.metadata.labels['vaultTransitRef'] ?? '');
      return parseEntry(plain);
    },
    async save(key, t, token) {
      const id = cacheId(key, t);
      const { ciphertext, keyRef } = await codec.encrypt(JSON.stringify(token));
      const a = t.authRef;
      const authLabels: Record<string, string> = a?.uid ? { 'auth/namespace': a.namespace, 'auth/UID': a.uid, 'auth/generation': String(a.generation) } : {};
      const body: V1Secret = {
        metadata: { name: `vso-cc-${id}`, namespace, labels: { ...CACHE_LABELS, ...authLabels, cacheKey: id, encrypted: 'true', vaultTransitRef: keyRef } },
        data: { secret: Buffer.from(ciphertext).toString('base64') },
      };
      try {
        await kube.core.createNamespacedSecret({ namespace, body });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        await kube.core.replaceNamespacedSecret({ namespace, name: `vso-cc-${id}`, body });
      }
      // A VaultAuth's older generations will never be used again (VSO prunes them too).
      if (a?.uid) {
        const stale = await kube.core.listNamespacedSecret({ namespace, labelSelector: `app.kubernetes.io/component=client-cache-storage,auth/UID=${a.uid},auth/generation!=${a.generation}` });
        for (const s of stale.items) {
          // Older only: a replica on a newer generation must not lose its entries to one that lags.
          if (Number(s.metadata?.labels?.['auth/generation']) < a.generation) await kube.core.deleteNamespacedSecret({ namespace, name: s.metadata?.name ?? '' }).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
        }
      }
    },
    async drop(key, t) {
      try {
        await kube.core.deleteNamespacedSecret({ namespace, name: `vso-cc-${cacheId(key, t)}` });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}

type Labelled = { metadata?: { namespace?: string; name?: string; labels?: Record<string, string> }; spec?: unknown };

/**
 * The operator's own VaultAuth for storage encryption (VSO: labelled
 * `cacheStorageEncryption=true` in the operator's namespace): the only one there with
 * `spec.storageEncryption`, or the labelled one among several.
 */
export function findEncryptionAuth(auths: Labelled[], operatorNamespace: string): string {
  const withKey = auths.filter((a) => a.metadata?.namespace === operatorNamespace && (a.spec as { storageEncryption?: unknown } | undefined)?.storageEncryption);
  const labelled = withKey.filter((a) => a.metadata?.labels?.['cacheStorageEncryption'] === 'true');
  const pick = labelled.length === 1 ? labelled[0] : withKey.length === 1 ? withKey[0] : undefined;
  if (pick) return pick.metadata?.name ?? '';
  if (withKey.length === 0) throw new Error(`no VaultAuth in namespace ${operatorNamespace} has spec.storageEncryption (needed by --client-cache-persistence-model=direct-encrypted)`);
  throw new Error(`several VaultAuths in namespace ${operatorNamespace} have spec.storageEncryption (${withKey.map((a) => a.metadata?.name).join(', ')}): label the one to use cacheStorageEncryption=true`);
}
