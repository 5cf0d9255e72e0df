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

/** A raw HTTPS call as the admin, for bodies a typed client would not send. */
export async function raw(k: FakeKubeApiServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: Record<string, unknown> }> {
  const { request } = await import('node:https');
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${k.url}${path}`, {
      method, ca: k.caPem,
      headers: { authorization: `Bearer ${k.adminToken}`, ...(payload !== undefined ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
