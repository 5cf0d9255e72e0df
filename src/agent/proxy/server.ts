/**
 * The API proxy: a local listener that forwards every request to Ward, adding the
 * auto-auth token (`use_auto_auth_token`), enforcing `require_request_header`, and
 * optionally answering leased reads from the cache.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { ListenerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { cacheKey, evictForRevocation, type LeaseCache } from './cache.js';

/** Settings of one proxy listener. */
export interface ProxyOptions {
  listener: ListenerConfig;
  /** Upstream server address (`http(s)://host:port`). */
  upstream: string;
  /** Connection pool (with TLS settings) for the upstream. */
  agent: http.Agent;
  useAutoAuthToken: boolean | 'force';
  /** The current auto-auth token ('' before the first login). */
  token(): string;
  cache?: LeaseCache;
  log: Logger;
  /** `POST /agent/v1/quit` (only with `agent_api { enable_quit = true }`). */
  onQuit(): void;
}

/** A started proxy listener. */
export interface RunningProxy {
  /** `http://host:port` or the socket path. */
  address: string;
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length']);
const MAX_BODY = 32 * 1024 * 1024;

function reply(res: http.ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status;
  if (body === undefined) return void res.end();
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) req.destroy(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the listener; resolves once it accepts connections. */
export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const server = http.createServer((req, res) => {
    handle(o, req, res).catch((e: unknown) => {
      o.log.error(`proxy: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) reply(res, 502, { errors: [`agent proxy: ${e instanceof Error ? e.message : String(e)}`] });
      else res.destroy();
    });
  });
  const l = o.listener;
  if (l.type === 'unix') rmSync(l.address, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (l.type === 'unix') server.listen(l.address, resolve);
    else {
      const m = /^\[?(.*?)\]?:(\d+)$/.exec(l.address);
      server.listen(Number(m?.[2] ?? 8200), m?.[1] || '127.0.0.1', resolve);
    }
  });
  const a = server.address();
  const address = typeof a === 'string' ? a : `http://${(a as AddressInfo).family === 'IPv6' ? `[${(a as AddressInfo).address}]` : (a as AddressInfo).address}:${(a as AddressInfo).port}`;
  o.log.info(`API proxy listening on ${address} (${l.where})`);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(o: ProxyOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  if (o.listener.requireRequestHeader && req.headers['x-vault-request'] !== 'true') {
    return reply(res, 412, { errors: ["missing 'X-Vault-Request' header"] });
  }
  const path = url.replace(/\?.*$/, '');
  if (path.startsWith('/agent/v1/')) return agentApi(o, method, path, body, res);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  const own = typeof req.headers['x-vault-token'] === 'string' ? req.headers['x-vault-token'] : '';
  const agentToken = o.token();
  if (agentToken && (o.useAutoAuthToken === 'force' || (o.useAutoAuthToken === true && own === ''))) headers['x-vault-token'] = agentToken;
  const token = typeof headers['x-vault-token'] === 'string' ? headers['x-vault-token'] : '';
  const cacheable = o.cache !== undefined && !path.startsWith('/v1/sys/') && req.headers['x-vault-wrap-ttl'] === undefined;
  const key = cacheable ? cacheKey(method, url, token, body) : '';
  const hit = cacheable ? o.cache?.get(key) : undefined;
  if (hit) {
    res.writeHead(hit.status, { ...hit.headers, 'x-cache': 'HIT', 'content-length': String(hit.body.length) });
    return void res.end(hit.body);
  }
  const up = await forward(o, method, url, headers, body);
  if (o.cache && up.status >= 200 && up.status < 300) evictForRevocation(o.cache, method, path, body, token);
  const outHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
  if (cacheable) {
    const stored = o.cache?.offer(key, { status: up.status, headers: outHeaders, body: up.body, token, path: path.replace(/^\/v1\//, '') }) ?? false;
    outHeaders['x-cache'] = stored ? 'MISS' : 'BYPASS';
  }
  res.writeHead(up.status, { ...outHeaders, 'content-length': String(up.body.length) });
  res.end(up.body);
}

function forward(o: ProxyOptions, method: string, url: string, headers: Record<string, string | string[]>, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const target = new URL(url, o.upstream);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = lib.request(target, { method, headers: { ...headers, 'content-length': String(body.length) }, agent: o.agent }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) }));
      up.on('error', reject);
    });
    r.on('error', (e) => reject(new Error(`cannot reach ${o.upstream}: ${e.message}`)));
    r.end(body);
  });
}

function agentApi(o: ProxyOptions, method: string, path: string, body: Buffer, res: http.ServerResponse): void {
  if (path === '/agent/v1/quit' && o.listener.enableQuit) {
    if (method !== 'POST') return reply(res, 405, { errors: ['method not allowed'] });
    reply(res, 200);
    return o.onQuit();
  }
  if (path === '/agent/v1/cache-clear') {
    if (method !== 'POST' && method !== 'PUT') return reply(res, 405, { errors: ['method not allowed'] });
    let req: { type?: unknown; value?: unknown } = {};
    try {
      req = JSON.parse(body.toString('utf8') || '{}') as typeof req;
    } catch {
      return reply(res, 400, { errors: ['failed to parse JSON input'] });
    }
    const value = typeof req.value === 'string' ? req.value : '';
    const c = o.cache;
    if (c) {
      if (req.type === 'all') c.clear();
      else if (req.type === 'lease') c.evictLease(value);
      else if (req.type === 'token') c.evictToken(value);
      else if (req.type === 'request_path') c.evictPath(value.replace(/^\/?(v1\/)?/, ''));
      else if (req.type !== 'token_accessor') return reply(res, 400, { errors: [`invalid type "${String(req.type)}"`] });
    }
    return reply(res, 200);
  }
  reply(res, 404, { errors: [] });
}
