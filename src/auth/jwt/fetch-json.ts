/**
 * GET one JSON document (OIDC discovery, JWKS, token endpoint replies) over HTTPS with
 * TLS 1.2+, the configured CA as the only trust anchor when one is given, a bound on the
 * whole exchange and on the body size. Failures are Errors whose text names the URL and
 * the cause; callers prefix them with Vault's wording.
 */
import * as https from 'node:https';

const MAX_BODY = 1 << 20;

export interface FetchOptions {
  caPem: string;
  timeoutMs: number;
  method?: 'GET' | 'POST';
  /** Form-encoded body (POST). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export function fetchJson(url: string, o: FetchOptions): Promise<{ status: number; body: unknown }> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new Error(`invalid URL "${url}"`));
  }
  if (u.protocol !== 'https:') return Promise.reject(new Error(`URL "${url}" must use https`));
  const payload = o.form ? Buffer.from(new URLSearchParams(o.form).toString(), 'utf8') : undefined;
  const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
  if (payload) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(payload.length);
  }
  const options: https.RequestOptions = {
    method: o.method ?? 'GET',
    headers,
    minVersion: 'TLSv1.2',
    timeout: o.timeoutMs,
    ...(o.caPem !== '' ? { ca: o.caPem } : {}),
  };
  return new Promise((resolve, reject) => {
    // `timeout` only covers socket idleness; the timer bounds the whole exchange.
    const timer = setTimeout(() => req.destroy(new Error(`no answer from ${u.origin} within ${o.timeoutMs} ms`)), o.timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      reject(new Error(`${u.origin}${u.pathname}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    };
    const req = https.request(u, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('response body too large'));
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          reject(new Error(`${u.origin}${u.pathname}: status ${res.statusCode ?? 0}, response is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(payload);
  });
}
