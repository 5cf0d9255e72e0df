/**
 * Whether the cluster runs native sidecars (restartable init containers, on by default
 * from Kubernetes 1.29), read from the API server's /version with the injector's own
 * in-cluster service-account credentials.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

export interface ApiAccess {
  url: string;
  token: string;
  caPem: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In-cluster access from KUBERNETES_SERVICE_HOST/PORT and the mounted token; undefined outside a pod. */
export function inClusterAccess(env: NodeJS.ProcessEnv, dir = SA_DIR): ApiAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (!host) return undefined;
  try {
    return { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, token: readFileSync(`${dir}/token`, 'utf8').trim(), caPem: readFileSync(`${dir}/ca.crt`, 'utf8') };
  } catch {
    return undefined;
  }
}

/** True for 1.29 and later; minor versions may carry a suffix ("30+" on some distributions). */
export function supportsNativeSidecars(v: { major?: unknown; minor?: unknown }): boolean {
  const major = Number.parseInt(String(v.major ?? ''), 10);
  const minor = Number.parseInt(String(v.minor ?? ''), 10);
  if (Number.isNaN(major) || Number.isNaN(minor)) return false;
  return major > 1 || (major === 1 && minor >= 29);
}

/** GET /version; rejects on transport errors, non-200 answers and after 5 s. */
export function clusterVersion(a: ApiAccess): Promise<{ major?: string; minor?: string; gitVersion?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${a.url}/version`, { ca: a.caPem, headers: { authorization: `Bearer ${a.token}`, accept: 'application/json' }, timeout: 5000, minVersion: 'TLSv1.2' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET /version answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(body) as { major?: string; minor?: string; gitVersion?: string });
        } catch {
          reject(new Error('GET /version answered something that is not JSON'));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('GET /version timed out')));
    req.on('error', reject);
    req.end();
  });
}
