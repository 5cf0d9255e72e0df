/**
 * The client certificate chain of a TLS request, as DER, leaf first (Go's
 * `ConnectionState.PeerCertificates`), for the core's request input. Node exposes the chain
 * as linked `issuerCertificate` objects; the self-signed end links to itself.
 */
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/**
 * Per connection: the chain is the handshake's, and rebuilding it for every request of a
 * kept-alive connection would tax every request of a client that presents a certificate.
 */
const cache = new WeakMap<object, { peerCertificates: Uint8Array[] }>();

/** TLS state of the request's socket; undefined for plain HTTP. */
export function peerTls(socket: Socket): { peerCertificates: Uint8Array[] } | undefined {
  const s = socket as Partial<TLSSocket>;
  if (s.encrypted !== true || typeof s.getPeerCertificate !== 'function') return undefined;
  const hit = cache.get(socket);
  if (hit) return hit;
  const out = { peerCertificates: chainOf(s as TLSSocket) };
  cache.set(socket, out);
  return out;
}

function chainOf(s: TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let cert: DetailedPeerCertificate | undefined = s.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  // Bounded: a chain longer than this is nobody's real PKI.
  while (cert && cert.raw && chain.length < 16) {
    const fp = cert.fingerprint256 ?? '';
    if (seen.has(fp)) break;
    seen.add(fp);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}
