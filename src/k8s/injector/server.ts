/**
 * The webhook's HTTPS server: POST /mutate (AdmissionReview v1 in and out), GET
 * /health/ready, GET /metrics. TLS 1.2+ with the certificate from a ServingCertSource,
 * swapped in place when it changes. Bad bodies get 400 with a reason; close() stops
 * accepting, lets in-flight reviews finish, then closes the connections.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServingCertSource } from './cert-source.js';
import { InjectorMetrics, type Outcome } from './metrics.js';
import { mutate, type AdmissionRequest } from './mutate.js';
import type { InjectorOptions } from './options.js';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface ServerOptions {
  /** "" for every address. */
  host: string;
  port: number;
  certs: ServingCertSource;
  options: InjectorOptions;
  log?: LogFn;
  /** Largest accepted body (default 10 MiB; the API server's own objects are far smaller). */
  maxBodyBytes?: number;
  /** Lowest TLS version (default TLSv1.2). */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** How long close() waits for in-flight reviews before cutting connections (default 10 s). */
  drainMs?: number;
}

export interface InjectorServer {
  port: number;
  /** Reviews being answered right now. */
  readonly inFlight: number;
  close(): Promise<void>;
}

const VERSIONS = new Set(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit the rest is read and dropped, so the client gets the 413 instead of a reset.
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => (size > limit ? reject(new BadRequest(`request body larger than ${limit} bytes`, 413)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Decodes an AdmissionReview; throws BadRequest naming what is wrong. */
function decodeReview(text: string): { apiVersion: string; request: AdmissionRequest } {
  if (text.trim() === '') throw new BadRequest('empty body: expected an AdmissionReview');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`could not decode the AdmissionReview: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(body)) throw new BadRequest('body is not an AdmissionReview object');
  const request = body['request'];
  if (!isObj(request) || typeof request['uid'] !== 'string' || request['uid'] === '') throw new BadRequest('AdmissionReview has no request.uid');
  const v = body['apiVersion'];
  return { apiVersion: typeof v === 'string' && VERSIONS.has(v) ? v : 'admission.k8s.io/v1', request: request as unknown as AdmissionRequest };
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startInjectorServer(o: ServerOptions): Promise<InjectorServer> {
  const log: LogFn = o.log ?? (() => undefined);
  const metrics = new InjectorMetrics();
  const limit = o.maxBodyBytes ?? 10 * 1024 * 1024;
  let inFlight = 0;
  let closing = false;
  const minVersion = o.minVersion ?? 'TLSv1.2';
  const { certPem, keyPem } = o.certs.get();
  const server: Server = createServer({ cert: certPem, key: keyPem, minVersion });
  o.certs.onChange(() => {
    const c = o.certs.get();
    server.setSecureContext({ cert: c.certPem, key: c.keyPem, minVersion });
    log('info', 'serving a new TLS certificate');
  });

  async function review(req: IncomingMessage, res: ServerResponse): Promise<Outcome> {
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      const text = await readBody(req, limit);
      if (type !== 'application/json') throw new BadRequest(`Content-Type must be application/json, got "${req.headers['content-type'] ?? ''}"`);
      const { apiVersion, request } = decodeReview(text);
      const r = mutate(request, o.options);
      const response: Record<string, unknown> = { uid: request.uid, allowed: r.allowed };
      if (r.allowed && r.patch.length > 0) {
        response['patchType'] = 'JSONPatch';
        response['patch'] = Buffer.from(JSON.stringify(r.patch)).toString('base64');
      }
      if (!r.allowed) response['status'] = { message: r.message };
      if (r.warnings.length > 0) response['warnings'] = r.warnings;
      send(res, 200, JSON.stringify({ apiVersion, kind: 'AdmissionReview', response }));
      log('debug', r.allowed ? 'review allowed' : 'review denied', { uid: request.uid, namespace: request.namespace, patched: r.allowed && r.patch.length > 0 });
      return r.allowed ? 'allowed' : 'denied';
    } catch (e) {
      if (e instanceof BadRequest) {
        send(res, e.status, JSON.stringify({ error: e.message }));
        return 'bad_request';
      }
      log('error', `review failed: ${e instanceof Error ? e.message : String(e)}`);
      send(res, 500, JSON.stringify({ error: 'internal error' }));
      return 'error';
    }
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health/ready' && req.method === 'GET') return send(res, 200, '{"status":"ok"}');
    if (path === '/metrics' && req.method === 'GET') return send(res, 200, metrics.render(), 'text/plain; version=0.0.4');
    if (path !== '/mutate') return send(res, 404, '{"error":"not found"}');
    if (req.method !== 'POST') return send(res, 405, '{"error":"method not allowed: POST an AdmissionReview"}');
    inFlight++;
    const started = process.hrtime.bigint();
    res.on('close', () => {
      inFlight--;
      if (closing) server.closeIdleConnections();
    });
    void review(req, res).then((outcome) => metrics.observe(outcome, Number(process.hrtime.bigint() - started) / 1e9));
  });
  server.on('tlsClientError', (e) => log('debug', `TLS handshake failed: ${e.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (o.host === '') server.listen(o.port, done);
    else server.listen(o.port, o.host, done);
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    port,
    get inFlight() {
      return inFlight;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const cut = setTimeout(() => server.closeAllConnections(), o.drainMs ?? 10_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
