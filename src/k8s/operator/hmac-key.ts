/**
 * The key of the secret-data HMACs, kept in a Secret in the operator's namespace (as VSO's
 * `vso-cc-storage-hmac-key`): a restarted or newly elected operator computes the same MACs,
 * so it neither sees a change that did not happen nor restarts workloads for it.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.js';
import { isAlreadyExists, isNotFound } from '../kube/errors.js';

export const HMAC_KEY_SECRET = 'ward-secrets-operator-hmac-key';

export async function loadHmacKey(kube: KubeClient, namespace: string): Promise<Buffer> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const s = await kube.core.readNamespacedSecret({ namespace, name: HMAC_KEY_SECRET });
      const k = s.data?.['key'];
      if (!k) throw new Error(`Secret ${namespace}/${HMAC_KEY_SECRET} has no key`);
      return Buffer.from(k, 'base64');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      const key = randomBytes(32);
      await kube.core.createNamespacedSecret({ namespace, body: { metadata: { name: HMAC_KEY_SECRET, labels: { 'app.kubernetes.io/name': 'ward-secrets-operator' } }, data: { key: key.toString('base64') } } });
      return key;
    } catch (e) {
      // Another replica created it first: read theirs.
      if (!isAlreadyExists(e)) throw e;
    }
  }
  throw new Error(`could not load or create Secret ${namespace}/${HMAC_KEY_SECRET}`);
}
