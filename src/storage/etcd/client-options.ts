/**
 * What the etcd store needs to know (already read from the config stanza and any files),
 * and how that becomes the etcd3 client's options: TLS, password auth, per-call deadlines,
 * message size limits and the retry policy.
 */
import type { IOptions } from 'etcd3';
import { redactAddress } from './errors.js';
import { retryPolicy, skipRecentlyDown } from './retry-policy.js';

/** etcd's default `--max-request-bytes`: the largest request a member accepts. */
export const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

export interface EtcdTls {
  /** PEM bytes, not file names: the config layer reads the files. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name to verify the members' certificates against, when it differs from the address. */
  serverName?: string;
}

export interface EtcdOptions {
  /** Member URLs (http:// or https://). */
  endpoints: string[];
  /** Key prefix; Vault's default is "/vault/". */
  path: string;
  haEnabled: boolean;
  /** Replace `endpoints` with the cluster's advertised member list once connected (Vault's `sync`). */
  sync: boolean;
  tls?: EtcdTls;
  username?: string;
  password?: string;
  /** TTL of the HA lock's lease, whole seconds (etcd leases have 1 s resolution). */
  lockTtlSeconds: number;
  /** How long one call may take, retries on other members included (each attempt gets a third). */
  requestTimeoutMs: number;
  /** Largest response accepted (`max_receive_size`); unset: no limit beyond gRPC's 2 GiB. */
  maxReceiveSize?: number;
  /** Largest request sent; matches the members' --max-request-bytes. */
  maxRequestBytes: number;
}

/** Where log lines go: a subset of Ward's logger, so storage/ does not import server/. */
export interface StoreLogger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: StoreLogger = { error: () => undefined, warn: () => undefined, debug: () => undefined };

/** `text` with the configured password (should an error ever quote it) replaced. */
export function redactSecrets(text: string, o: Pick<EtcdOptions, 'password'>): string {
  return o.password ? text.split(o.password).join('[redacted]') : text;
}

/** The endpoints as one string for messages, without any credentials. */
export function describeEndpoints(endpoints: readonly string[]): string {
  return endpoints.map(redactAddress).join(',');
}

/**
 * One attempt's deadline: a third of request_timeout, so a call stuck on a member that lost
 * its leader (etcd holds such proposals for its own 5 s + 2 election timeouts) is abandoned
 * in time to retry on another member within request_timeout.
 */
export function attemptTimeoutMs(requestTimeoutMs: number): number {
  return Math.max(500, Math.floor(requestTimeoutMs / 3));
}

export function clientOptions(o: EtcdOptions, endpoints: readonly string[], log: StoreLogger): IOptions {
  const attemptMs = attemptTimeoutMs(o.requestTimeoutMs);
  const opts: IOptions = {
    // Credentials in a URL would only become part of the gRPC target (and its error texts).
    hosts: endpoints.map(redactAddress),
    dialTimeout: o.requestTimeoutMs,
    // Streams (watch, keepalive) live as long as the store; only unary calls get a deadline.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + attemptMs }),
    faultHandling: {
      host: skipRecentlyDown(),
      global: retryPolicy({
        budgetMs: o.requestTimeoutMs,
        onRetry: (e, attempt) => log.debug('etcd call failed; retrying on another member', { attempt, error: e.message }),
      }),
    },
    grpcOptions: {
      // A backstop behind the store's own size check: gRPC refuses to send anything larger.
      'grpc.max_send_message_length': o.maxRequestBytes + 64 * 1024,
      'grpc.max_receive_message_length': o.maxReceiveSize ?? 2 ** 31 - 1,
      ...(o.tls?.serverName ? { 'grpc.ssl_target_name_override': o.tls.serverName, 'grpc.default_authority': o.tls.serverName } : {}),
    },
  };
  if (o.tls && (o.tls.ca || o.tls.cert || o.tls.key)) {
    // grpc accepts a null root (the system's CAs); etcd3's type insists on a Buffer.
    const creds: NonNullable<IOptions['credentials']> = { rootCertificate: (o.tls.ca ?? null) as Buffer };
    if (o.tls.key) creds.privateKey = o.tls.key;
    if (o.tls.cert) creds.certChain = o.tls.cert;
    opts.credentials = creds;
  }
  if (o.username && o.password) opts.auth = { username: o.username, password: o.password };
  return opts;
}
