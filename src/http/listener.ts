/**
 * TCP listeners: plain HTTP (tls_disable) or HTTPS with TLS 1.2 as the floor, keep-alive
 * on, and a graceful close that drains in-flight requests within a bounded wait.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { enableListVerb } from './list-verb.js';

export interface ListenerConfig {
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsMinVersion?: 'tls12' | 'tls13';
  maxRequestSize?: number;
}

export interface Listener {
  server: Server;
  /** Base URL clients can use (`https://127.0.0.1:8200`); wildcard hosts become loopback. */
  url: string;
  /** Stops accepting, lets in-flight requests finish (at most `timeoutMs`, default 10 s), closes the rest. */
  close(timeoutMs?: number): Promise<void>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Splits `host:port`, `[v6]:port` or `:port`; an empty host means all interfaces. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`invalid listener address "${address}": expected host:port`);
  const port = Number.parseInt(m[3] ?? '', 10);
  if (port > 65535) throw new Error(`invalid listener address "${address}": port out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function tlsFloor(v: string | undefined): 'TLSv1.2' | 'TLSv1.3' {
  if (v === undefined || v === '' || v === 'tls12') return 'TLSv1.2';
  if (v === 'tls13') return 'TLSv1.3';
  throw new Error(`unsupported tls_min_version "${v}": only tls12 and tls13 are allowed`);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts one listener; rejects on config errors (bad address, TLS files) or bind failure. */
export async function startListener(cfg: ListenerConfig, handler: RequestHandler): Promise<Listener> {
  const { host, port } = parseAddress(cfg.address);
  let server: Server;
  if (cfg.tlsDisable) {
    server = http.createServer({ keepAlive: true }, handler);
  } else {
    if (!cfg.tlsCertFile || !cfg.tlsKeyFile) throw new Error('listener: tls_cert_file and tls_key_file are required unless tls_disable is set');
    const minVersion = tlsFloor(cfg.tlsMinVersion);
    server = https.createServer(
      { cert: readFileSync(cfg.tlsCertFile), key: readFileSync(cfg.tlsKeyFile), minVersion, keepAlive: true },
      handler,
    );
    // Failed handshakes (old TLS, port scanners) are the client's problem, not a server error.
    server.on('tlsClientError', () => {});
  }
  enableListVerb(server, !cfg.tlsDisable);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', () => {});

  const actual = (server.address() as AddressInfo).port;
  const url = `${cfg.tlsDisable ? 'http' : 'https'}://${urlHost(host)}:${actual}`;
  let closing: Promise<void> | undefined;
  const close = (timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // Idle keep-alive sockets are closed as soon as their in-flight request completes.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { server, url, close };
}
