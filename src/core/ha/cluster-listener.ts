/**
 * The cluster port: an HTTPS listener that accepts only clients presenting the current
 * cluster certificate (pinned, byte for byte) and serves forwarded API requests and
 * standby heartbeats. It has no identity (every handshake fails) until this node becomes
 * active, and drops it again when the node steps down.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { certDer, type ClusterCert } from './cluster-cert.js';
import { ECHO_PATH, NOT_ACTIVE, type EchoInfo } from './wire.js';

export interface ClusterListenerOptions {
  /** `host:port` to bind. */
  address: { host: string; port: number };
  /** The API handler forwarded requests go to (trusting the forwarded-for headers). */
  api: (req: IncomingMessage, res: ServerResponse) => void;
  isActive(): boolean;
  onEcho(info: EchoInfo): void;
}

export interface ClusterListener {
  /** `https://host:port` as bound (the real port when 0 was asked for). */
  readonly url: string;
  /** Installs the certificate clients must present and the server shows; null refuses everyone. */
  setIdentity(cert: ClusterCert | null): void;
  close(): Promise<void>;
}

const ECHO_LIMIT = 16 * 1024;

export async function startClusterListener(o: ClusterListenerOptions): Promise<ClusterListener> {
  let pinned: Buffer | null = null;
  const trusted = (socket: TLSSocket): boolean => {
    const raw = socket.getPeerCertificate?.()?.raw;
    return pinned !== null && raw !== undefined && raw.equals(pinned);
  };
  const server = https.createServer({ requestCert: true, rejectUnauthorized: false, keepAlive: true }, (req, res) => {
    const socket = req.socket as TLSSocket;
    // Checked per request too: a kept-alive connection may predate a new certificate.
    if (!trusted(socket)) {
      socket.destroy();
      return;
    }
    if (req.url === ECHO_PATH && req.method === 'POST') return echo(req, res, o);
    if (!o.isActive()) {
      res.writeHead(503, { 'Content-Type': 'application/json', [NOT_ACTIVE]: '1' }).end('{"errors":["node is not active"]}');
      return;
    }
    o.api(req, res);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    if (!trusted(socket)) socket.destroy();
  });
  server.on('tlsClientError', () => {});
  // Every TCP socket, handshaking ones included: closeAllConnections only knows sockets
  // that finished their handshake, and server.close waits for the others.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.address.port, o.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  const port = (server.address() as AddressInfo).port;
  const host = o.address.host.includes(':') ? `[${o.address.host}]` : o.address.host;
  return {
    url: `https://${host}:${port}`,
    setIdentity(cert) {
      if (cert === null) {
        // Connections stay open so a response being written (to sys/step-down, say) still
        // arrives; their next request finds no pin and is refused.
        pinned = null;
        return;
      }
      server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
      pinned = certDer(cert.certPem);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function echo(req: IncomingMessage, res: ServerResponse, o: ClusterListenerOptions): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > ECHO_LIMIT) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<EchoInfo>;
      if (o.isActive() && typeof v.node_id === 'string') {
        const s = (x: unknown): string => (typeof x === 'string' ? x : '');
        o.onEcho({ node_id: v.node_id, hostname: s(v.hostname), api_address: s(v.api_address), cluster_address: s(v.cluster_address), version: s(v.version) });
      }
      res.writeHead(o.isActive() ? 204 : 503, o.isActive() ? {} : { [NOT_ACTIVE]: '1' }).end();
    } catch {
      res.writeHead(400).end();
    }
  });
  req.on('error', () => {});
}
