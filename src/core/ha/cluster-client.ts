/**
 * A standby's connection to the active node's cluster port: mutual TLS under the cluster
 * certificate from the leader advertisement (the server must present exactly that
 * certificate too), used to forward client requests and to send heartbeats.
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ForwardRequest, ForwardResponse } from '../api-types.js';
import { certDer } from './cluster-cert.js';
import type { LeaderAdvert } from './leader-advert.js';
import { ECHO_PATH, FORWARDED_CLIENT_CERTS, FORWARDED_FOR, FORWARDED_PORT, NOT_ACTIVE, endToEnd, type EchoInfo } from './wire.js';

/** Longer than Vault's default max_request_duration (90 s), so the active's own deadline answers first. */
const FORWARD_TIMEOUT_MS = 100_000;
const ECHO_TIMEOUT_MS = 5_000;
/** Caps a forwarded response kept in memory (Vault's request size limit, for symmetry). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The request never reached a serving active node: safe to try another (nothing was done). */
export class NotDeliveredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotDeliveredError';
  }
}

export class ClusterClient {
  private readonly agent: https.Agent;
  private readonly base: URL;

  constructor(readonly advert: LeaderAdvert) {
    const pin = certDer(advert.certPem);
    this.base = new URL(advert.clusterAddr);
    this.agent = new https.Agent({
      keepAlive: true,
      cert: advert.certPem,
      key: advert.keyPem,
      ca: advert.certPem,
      // The cluster certificate names no host: it is trusted by being exactly this one.
      checkServerIdentity: (_host, cert) => (Buffer.from(cert.raw).equals(pin) ? undefined : new Error('cluster certificate mismatch')),
    });
  }

  forward(r: ForwardRequest): Promise<ForwardResponse> {
    const headers = endToEnd(r.headers);
    headers.push(FORWARDED_FOR, r.remoteAddress, FORWARDED_PORT, String(r.remotePort), 'Content-Length', String(r.body.length));
    if (r.tls) headers.push(FORWARDED_CLIENT_CERTS, r.tls.peerCertificates.map((c) => Buffer.from(c).toString('base64')).join(','));
    return this.send(r.method, r.url, headers, r.body, FORWARD_TIMEOUT_MS).then(async (res) => {
      const body = await readAll(res);
      return { status: res.statusCode ?? 502, headers: endToEnd(res.rawHeaders), body };
    });
  }

  async echo(info: EchoInfo): Promise<void> {
    const body = Buffer.from(JSON.stringify(info));
    const res = await this.send('POST', ECHO_PATH, ['Content-Type', 'application/json', 'Content-Length', String(body.length)], body, ECHO_TIMEOUT_MS);
    res.resume();
    if (res.statusCode !== 204) throw new Error(`heartbeat answered ${res.statusCode}`);
  }

  close(): void {
    this.agent.destroy();
  }

  /** Resolves with the response head; a refused connection or a not-active answer is a NotDeliveredError. */
  private send(method: string, path: string, headers: string[], body: Buffer, timeoutMs: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      let sent = false;
      // Raw header arrays get no defaults from node; the cluster server requires Host.
      headers.push('Host', this.base.host);
      const req = https.request(
        { protocol: 'https:', hostname: this.base.hostname.replace(/^\[|\]$/g, ''), port: this.base.port || 8201, method, path, headers, agent: this.agent, timeout: timeoutMs },
        (res) => {
          if (res.headers[NOT_ACTIVE] !== undefined) {
            res.resume();
            reject(new NotDeliveredError('the cluster peer is not active'));
            return;
          }
          resolve(res);
        },
      );
      // Only a new connection: a kept-alive one finished its handshake long ago (and a
      // listener added to it per request would pile up).
      req.on('socket', (s) => {
        if (s.connecting) s.once('secureConnect', () => (sent = true));
      });
      req.on('timeout', () => req.destroy(new Error('forwarded request timed out')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // Before the TLS handshake finished nothing can have been processed.
        reject(!sent || e.code === 'ECONNREFUSED' ? new NotDeliveredError(e.message) : e);
      });
      req.end(body);
    });
  }
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('forwarded response too large'));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
