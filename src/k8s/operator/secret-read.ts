/** A Secret's data, base64-decoded, or undefined when there is no such Secret (login credentials). */
import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';

export async function readSecretData(kube: KubeClient, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const s = await kube.core.readNamespacedSecret({ namespace, name });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
    return out;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
