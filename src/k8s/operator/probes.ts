/**
 * The manager's two HTTP endpoints, as controller-runtime serves them: health probes
 * (`/healthz`, `/readyz`: ready once the caches have synced) and Prometheus metrics. Plain
 * HTTP on purpose: kubelet probes and in-cluster scrapes of a manager use it; bind to
 * loopback or put a TLS proxy in front where that is not acceptable. "0" disables one.
 */
import { createServer, type Server } from 'node:http';

export interface Probes {
  ready: () => boolean;
  metrics: () => string;
}

/** `:8081` → all interfaces, port 8081; `host:port` as given. */
export function parseBindAddress(addr: string, flag: string): { host: string | undefined; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${flag}: invalid address ${JSON.stringify(addr)} (want host:port or :port)`);
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return { host: host || undefined, port };
}

export async function listen(addr: { host: string | undefined; port: number }, p: Probes, kind: 'health' | 'metrics'): Promise<Server> {
  const srv = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (kind === 'health' && (path === '/healthz' || path === '/readyz')) {
      const ok = path === '/healthz' || p.ready();
      res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'caches not synced');
      return;
    }
    if (kind === 'metrics' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(p.metrics());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(addr.port, addr.host, () => resolve());
  });
  return srv;
}
