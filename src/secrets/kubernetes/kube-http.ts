/**
 * A small HTTPS client for the Kubernetes API server: the configured CA is the only trust
 * (no system roots when one is given), a bearer token, JSON in and out, a deadline per call.
 * Backends may not use @kubernetes/client-node (they import only sdk/ and lib/), and the
 * engine needs only a handful of verbs.
 */
import { request } from 'node:https';
import { badRequest, upstreamError } from '../../sdk/errors.js';

const TIMEOUT_MS = 15_000;
const MAX_BODY = 4 * 1024 * 1024;

export interface KubeConn {
  /** `https://host:port` (a bare host:port is taken as https). */
  host: string;
  /** PEM; empty = the system roots. */
  caCert: string;
  /** Bearer token; never logged or echoed. */
  token: string;
}

/** A non-2xx answer of the API server, with the message of its `Status` body. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The API server's base URL: https only (a bare `host:port` means https); null when unusable. */
export function httpsBase(host: string): URL | null {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  try {
    const url = new URL(withScheme);
    return url.protocol === 'https:' && url.hostname !== '' ? url : null;
  } catch {
    return null;
  }
}

export const HOST_ERROR = 'kubernetes_host must be an https URL (https://<host>[:<port>])';

function statusMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') return body.message;
  } catch {
    // not a Status body: fall through to the HTTP status
  }
  return `the server responded with status ${status}`;
}

/**
 * One API call. Resolves with the parsed body on 2xx; rejects with KubeApiError on an API
 * error and with a 502 WardError when the server cannot be reached at all.
 */
export function kubeRequest(conn: KubeConn, method: string, path: string, body?: unknown): Promise<unknown> {
  const base = httpsBase(conn.host);
  if (base === null) return Promise.reject(badRequest(HOST_ERROR));
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        minVersion: 'TLSv1.2',
        ...(conn.caCert ? { ca: conn.caCert } : {}),
        headers: {
          Accept: 'application/json',
          ...(conn.token ? { Authorization: `Bearer ${conn.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy(new Error('response too large'));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            reject(new KubeApiError(status, statusMessage(status, text)));
            return;
          }
          try {
            resolve(text === '' ? {} : (JSON.parse(text) as unknown));
          } catch {
            reject(upstreamError('the Kubernetes API server sent a response that is not JSON'));
          }
        });
        res.on('error', (e) => reject(upstreamError(`error reading from the Kubernetes API server: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)));
    req.on('error', (e) => reject(upstreamError(`error talking to the Kubernetes API server at ${url.origin}: ${e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** True for "not found": deleting something already gone is success. */
export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;

/** Maps a failure of `action` to the 502 clients see, naming the API server's own message. */
export function kubeFailure(action: string, e: unknown): Error {
  if (e instanceof KubeApiError) return upstreamError(`${action}: ${e.message}`);
  return e instanceof Error ? e : upstreamError(`${action}: ${String(e)}`);
}
