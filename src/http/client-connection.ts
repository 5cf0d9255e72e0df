/**
 * Who sent a request: the client's address and TLS certificates, as the socket shows
 * them or as a forwarding standby passed them on.
 */
import type { IncomingMessage } from 'node:http';
import type { Connection } from '../sdk/logical.js';
import { FORWARDED_CLIENT_CERTS, FORWARDED_FOR, FORWARDED_PORT } from '../core/ha/wire.js';
import { peerTls } from './peer-certs.js';

/** The client's address and, over TLS, the certificates it presented. */
export function localConnection(req: IncomingMessage): Connection {
  const c: Connection = { remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort ?? 0 };
  const tls = peerTls(req.socket);
  if (tls) c.tls = tls;
  return c;
}

/** The client's address and certificates as the forwarding standby saw them (only the cluster listener trusts these headers). */
export function forwardedConnection(req: IncomingMessage): Connection {
  const a = req.headers[FORWARDED_FOR];
  const p = Number(req.headers[FORWARDED_PORT]);
  const c: Connection = { remoteAddress: typeof a === 'string' ? a : (req.socket.remoteAddress ?? ''), remotePort: Number.isInteger(p) ? p : 0 };
  const certs = req.headers[FORWARDED_CLIENT_CERTS];
  if (typeof certs === 'string') c.tls = { peerCertificates: certs === '' ? [] : certs.split(',').map((b) => new Uint8Array(Buffer.from(b, 'base64'))) };
  return c;
}
