/**
 * The wire between Ward nodes on the cluster port: HTTPS/1.1 with mutual TLS under the
 * cluster certificate. A forwarded client request is the original request replayed at
 * its original `/v1/…` URL, with the client's address in two headers that only the
 * cluster listener trusts; a standby's heartbeat is a POST to ECHO_PATH.
 */
export const ECHO_PATH = '/ward/cluster/echo';
export const FORWARDED_FOR = 'x-ward-forwarded-for';
export const FORWARDED_PORT = 'x-ward-forwarded-port';
/**
 * The client certificate chain the standby's TLS listener received (base64 DER, leaf
 * first, comma-separated; empty: TLS without a certificate; absent: plain HTTP), so the
 * cert auth method on the active node sees what the client presented, as Vault forwards it.
 */
export const FORWARDED_CLIENT_CERTS = 'x-ward-forwarded-client-certs';
/** Set by a cluster listener whose node is not active (any more): the sender looks for the new active. */
export const NOT_ACTIVE = 'x-ward-not-active';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones recomputed for each hop. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', FORWARDED_FOR, FORWARDED_PORT, FORWARDED_CLIENT_CERTS, NOT_ACTIVE]);

/** `raw` (node's rawHeaders shape) without the hop-by-hop headers. */
export function endToEnd(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (HOP.has(raw[i]!.toLowerCase())) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** What a standby heartbeat tells the active about the standby. */
export interface EchoInfo {
  node_id: string;
  hostname: string;
  api_address: string;
  cluster_address: string;
  version: string;
}
