/**
 * Failures on demand: the next N requests (any route) answer with a chosen status and the
 * `Status` body the API server sends for it, before any authentication or routing, the way a
 * misbehaving or overloaded API server (or an aggregator in front of it) would.
 */
import type { ServerResponse } from 'node:http';
import { send, status, type Json } from './http-util.js';

export type FaultCode = 401 | 403 | 409 | 429 | 500 | 503;

function body(code: FaultCode, resource: string, name: string): Json {
  const details = name ? { name, kind: resource } : undefined;
  switch (code) {
    case 401:
      return status(401, 'Unauthorized', 'Unauthorized');
    case 403:
      return status(403, 'Forbidden', `${resource} "${name}" is forbidden: User "system:anonymous" cannot access this resource`, details);
    case 409:
      return status(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details);
    case 429:
      return status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
    case 500:
      return status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out', { causes: [{ message: 'etcdserver: request timed out' }] });
    case 503:
      return status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
  }
}

export class Faults {
  private readonly queue: FaultCode[] = [];

  failNext(code: FaultCode, count = 1): void {
    for (let i = 0; i < count; i++) this.queue.push(code);
  }

  /** Answers with the next queued failure, if any; true when it did. */
  take(path: string, res: ServerResponse): boolean {
    const code = this.queue.shift();
    if (code === undefined) return false;
    const parts = path.split('/').filter(Boolean);
    const last = parts.length >= 2 ? (parts[parts.length - 1] ?? '') : '';
    let name = last;
    try {
      name = decodeURIComponent(last);
    } catch {
      // a malformed escape: name the resource as sent
    }
    const resource = parts.length >= 2 ? (parts[parts.length - 2] ?? '') : '';
    send(res, code, body(code, resource, name), code === 429 ? { 'Retry-After': '1' } : {});
    return true;
  }
}
