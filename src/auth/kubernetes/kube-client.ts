/**
 * A minimal client for the Kubernetes API server: one JSON request over HTTPS with the
 * configured CA as the only trust anchor, a bounded timeout and a bounded response body.
 * Failures become 502s that name the host and the cause, never the bearer token.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { WardError } from '../../sdk/errors.js';

export interface KubeTarget {
  /** `https://host:port` with an optional path prefix. */
  host: string;
  /** PEM CA bundle; "" = the system roots. */
  caPem: string;
  bearer: string;
  timeoutMs: number;
}

export interface KubeResponse {
  status: number;
  body: string;
}

const MAX_BODY = 1 << 20;

/** OpenSSL and Node verification codes that mean "the server's certificate is not trusted". */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

function upstream(host: string, e: unknown): WardError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (TLS_CODES.has(code)) {
    return new WardError('upstream', [
      `TLS verification of the Kubernetes API server at ${host} failed (${code}); check kubernetes_ca_cert`,
    ]);
  }
  if (code === 'ETIMEDOUT_WARD') return new WardError('upstream', [`the Kubernetes API server at ${host} did not answer in time`]);
  const why = code !== '' ? code : e instanceof Error ? e.message : 'unknown error';
  return new WardError('upstream', [`could not reach the Kubernetes API server at ${host}: ${why}`]);
}

/** Sends one request; resolves with any HTTP status, rejects only on transport failures. */
export function kubeRequest(t: KubeTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<KubeResponse> {
  const base = new URL(t.host);
  const url = new URL(base.pathname.replace(/\/+$/, '') + path, base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${t.bearer}` };
  if (payload) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const isHttps = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method,
    headers,
    timeout: t.timeoutMs,
    ...(isHttps && t.caPem !== '' ? { ca: t.caPem } : {}),
  };
  return new Promise<KubeResponse>((resolve, reject) => {
    const timeoutError = (): Error => Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_WARD' });
    // `timeout` below only covers socket idleness; this bounds the whole exchange.
    const timer = setTimeout(() => req.destroy(timeoutError()), t.timeoutMs);
    const req = (isHttps ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          req.destroy(new Error('response body too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(upstream(t.host, e));
      });
    });
    req.on('timeout', () => req.destroy(timeoutError()));
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(upstream(t.host, e));
    });
    req.end(payload);
  });
}
