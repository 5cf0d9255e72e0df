/** Test support: @kubernetes/client-node clients for a running fake, and error decoding. */
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from './index.js';

export function kubeConfigFor(k: FakeKubeApiServer, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(k.kubeconfig(token));
  return kc;
}

/** The Status a client call failed with: its HTTP code and decoded body. */
export async function failure(p: Promise<unknown>): Promise<{ code: number; status: { reason?: string; message?: string; code?: number; details?: Record<string, unknown> } }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body: unknown = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { code: e.code, status: body as { reason?: string; message?: string } };
  }
  throw new Error('expected the call to fail');
}
