/**
 * TCP listeners: plain HTTP (tls_disable) or HTTPS (TLS 1.2 floor, forward-secret AEAD
 * suites), keep-alive on, Vault's listener timeouts, every connection guarded by the
 * framing tracker (connection.ts), and a graceful close that drains in-flight requests
 * within a bounded wait.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { guardConnections } from './connection.js';
import { tlsOptions, type TlsSettings } from './tls.js';
import type { UpgradeHandler } from './events-socket.js';

export interface ListenerConfig {
  address: string;
  /** `cluster_address`: where the cluster port listens (HA); default the API port + 1. */
  clusterAddress?: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsMinVersion?: 'tls12' | 'tls13';
  /** Go cipher suite names (`tls_cipher_suites`); default: ECDHE with AEAD only. */
  tlsCipherSuites?: string[];
  tlsPreferServerCipherSuites?: boolean;
  tlsRequireAndVerifyClientCert?: boolean;
  tlsClientCaFile?: string;
  tlsDisableClientCerts?: boolean;
  maxRequestSize?: number;
  /** `max_request_duration` in ms; 0 or absent = 90 s. */
  maxRequestDurationMs?: number;
  maxJsonDepth?: number;
  maxJsonStringValueLength?: number;
  maxJsonObjectEntryCount?: number;
  maxJsonArrayElementCount?: number;
  /** `http_read_header_timeout` in ms (default 10 s; 0 = none). */
  httpReadHeaderTimeoutMs?: number;
  /** `http_read_timeout` in ms (default 30 s; 0 = none). */
  httpReadTimeoutMs?: number;
  /** `http_write_timeout` in ms (default 0 = none). */
  httpWriteTimeoutMs?: number;
  /** `http_idle_timeout` in ms (default 5 min; 0 = the read timeout, as Go). */
  httpIdleTimeoutMs?: number;
  /** `telemetry { unauthenticated_metrics_access }`: sys/metrics answers without a token here. */
  unauthenticatedMetricsAccess?: boolean;
}

export const DEFAULT_READ_HEADER_TIMEOUT_MS = 10_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
export const DEFAULT_WRITE_TIMEOUT_MS = 0;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

export interface Listener {
  server: Server;
  /** Base URL clients can use (`https://127.0.0.1:8200`); wildcard hosts become loopback. */
  url: string;
  /** Stops accepting, lets in-flight requests finish (at most `timeoutMs`, default 10 s), closes the rest. */
  close(timeoutMs?: number): Promise<void>;
  /**
   * Re-reads the certificate, key and client CA files (SIGHUP). New connections get
   * them; on any error (unreadable file, bad PEM, key not matching) nothing changes and
   * the error is thrown. A no-op for plain HTTP.
   */
  reloadCertificates(): void;
}

export type RequestHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Serves upgrade requests (sys/events/subscribe websockets); see events-socket.ts. */
  upgrade?: UpgradeHandler;
};

const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** Splits `host:port`, `[v6]:port` or `:port`; an empty host means all interfaces. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`invalid listener address "${address}": expected host:port`);
  const port = Number.parseInt(m[3] ?? '', 10);
  if (port > 65535) throw new Error(`invalid listener address "${address}": port out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Node's timeouts for Go's (Vault's) four listener timeouts. */
export function httpTimeouts(cfg: ListenerConfig): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; checkEvery: number } {
  const header = cfg.httpReadHeaderTimeoutMs ?? DEFAULT_READ_HEADER_TIMEOUT_MS;
  const read = cfg.httpReadTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const idle = cfg.httpIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // Go: the whole-request read timeout also bounds the headers; a zero header timeout
  // means the read timeout, a zero idle timeout means the read timeout. Node requires
  // headersTimeout <= requestTimeout when both are set.
  const headersTimeout = header > 0 && read > 0 ? Math.min(header, read) : header > 0 ? header : read;
  const keepAliveTimeout = idle > 0 ? idle : read;
  // Node checks header and request timeouts on a timer (30 s by default): check often
  // enough that a 10 s timeout fires within about a tenth of itself.
  const shortest = Math.min(...[headersTimeout, read].filter((t) => t > 0), 10_000);
  const checkEvery = Math.max(50, Math.min(1000, Math.floor(shortest / 10)));
  return { headersTimeout, requestTimeout: read, keepAliveTimeout, checkEvery };
}

function tlsSettings(cfg: ListenerConfig): TlsSettings {
  if (!cfg.tlsCertFile || !cfg.tlsKeyFile) throw new Error('listener: tls_cert_file and tls_key_file are required unless tls_disable is set');
  const s: TlsSettings = { certFile: cfg.tlsCertFile, keyFile: cfg.tlsKeyFile };
  if (cfg.tlsMinVersion !== undefined) s.minVersion = cfg.tlsMinVersion;
  if (cfg.tlsCipherSuites !== undefined) s.cipherSuites = cfg.tlsCipherSuites;
  if (cfg.tlsPreferServerCipherSuites !== undefined) s.preferServerCipherSuites = cfg.tlsPreferServerCipherSuites;
  if (cfg.tlsRequireAndVerifyClientCert !== undefined) s.requireAndVerifyClientCert = cfg.tlsRequireAndVerifyClientCert;
  if (cfg.tlsClientCaFile !== undefined) s.clientCaFile = cfg.tlsClientCaFile;
  if (cfg.tlsDisableClientCerts !== undefined) s.disableClientCerts = cfg.tlsDisableClientCerts;
  return s;
}

/** Starts one listener; rejects on config errors (bad address, TLS files or suites) or bind failure. */
export async function startListener(cfg: ListenerConfig, handler: RequestHandler): Promise<Listener> {
  const { host, port } = parseAddress(cfg.address);
  const t = httpTimeouts(cfg);
  const base: http.ServerOptions = {
    keepAlive: true,
    headersTimeout: t.headersTimeout,
    requestTimeout: t.requestTimeout,
    connectionsCheckingInterval: t.checkEvery,
    // Pinned: the framing tracker models llhttp's strict mode.
    insecureHTTPParser: false,
  };
  let server: Server;
  let reloadCertificates = (): void => {};
  if (cfg.tlsDisable) {
    server = http.createServer(base);
  } else {
    const settings = tlsSettings(cfg);
    const secure = https.createServer({ ...base, ...tlsOptions(settings) });
    reloadCertificates = () => {
      const next = tlsOptions(settings);
      // Validate first (bad PEM, key not matching the certificate): setSecureContext
      // would throw too, but only after deciding to swap.
      createSecureContext(next);
      secure.setSecureContext(next);
    };
    // Failed handshakes (old TLS, port scanners) are the client's problem, not a server error.
    secure.on('tlsClientError', () => {});
    server = secure;
  }
  guardConnections(server, !cfg.tlsDisable, { writeTimeoutMs: cfg.httpWriteTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS }, handler);
  const upgrade = handler.upgrade;
  if (upgrade) server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head, server));
  server.keepAliveTimeout = t.keepAliveTimeout;

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
  return { server, url, close, reloadCertificates };
}
