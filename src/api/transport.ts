import { OutputStringError, curlString, policyString, type OutputMode } from './output-string.js';
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import * as https from 'node:https';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, ConnectionError } from './errors.js';
import type { ApiResponse, JsonValue, RequestOptions, VaultEnvelope } from './types.js';
import type { SocketTarget } from './events.js';

/** Constructor options of {@link WardClient}. File options are paths, or inline PEM text. */
export type ClientOptions = {
  address?: string;
  token?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsSkipVerify?: boolean;
  tlsServerName?: string;
  namespace?: string;
  wrapTtl?: string;
  timeoutMs?: number;
  /** Extra headers on every request (`-header`). */
  headers?: Record<string, string>;
  /** Sends `X-Vault-Policy-Override: true` (`-policy-override`). */
  policyOverride?: boolean;
  /** Print instead of send (`-output-curl-string`, `-output-policy`); the KV preflight still runs. */
  outputMode?: OutputMode;
};

/** Vault's client default; Ward's listener defaults to TLS too. */
export const DEFAULT_ADDRESS = 'https://127.0.0.1:8200';

/**
 * Endpoints never wrapped by the client-wide wrap TTL: wrapping itself, the raw
 * seal/health endpoints and the KV preflight (the vault CLI behaves the same).
 */
const NEVER_WRAP = /^(sys\/wrapping\/(lookup|unwrap|rewrap)|sys\/internal\/ui\/mounts|sys\/(seal-status|init|unseal|health|leader))(\/|$)/;

function pem(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

function caBundle(caCert: string | undefined, caPath: string | undefined): string[] | undefined {
  const out: string[] = [];
  if (caCert) out.push(pem(caCert));
  if (caPath) {
    for (const name of readdirSync(caPath).sort()) {
      const p = join(caPath, name);
      if (statSync(p).isFile()) out.push(readFileSync(p, 'utf8'));
    }
  }
  return out.length > 0 ? out : undefined;
}

/** HTTP transport: one keep-alive agent, Vault headers, JSON in and out, typed errors. */
export class Transport {
  readonly address: string;
  /** The client token sent as `X-Vault-Token` (empty: none). */
  token: string;
  namespace: string;
  /** Client-wide wrap TTL (`X-Vault-Wrap-TTL`), like `-wrap-ttl`/`VAULT_WRAP_TTL`. */
  wrapTtl: string;
  readonly timeoutMs: number;
  private readonly options: ClientOptions;
  private agent: http.Agent | undefined;

  constructor(o: ClientOptions = {}) {
    this.options = o;
    this.address = (o.address || DEFAULT_ADDRESS).replace(/\/+$/, '');
    this.token = o.token ?? '';
    this.namespace = o.namespace ?? '';
    this.wrapTtl = o.wrapTtl ?? '';
    this.timeoutMs = o.timeoutMs ?? 60_000;
    const u = new URL(this.address);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported address scheme ${u.protocol} in ${this.address}`);
  }

  private getAgent(): http.Agent {
    if (this.agent) return this.agent;
    const o = this.options;
    if (this.address.startsWith('https:')) {
      const tls: https.AgentOptions = { keepAlive: true, rejectUnauthorized: !o.tlsSkipVerify };
      const ca = caBundle(o.caCert, o.caPath);
      if (ca) tls.ca = ca;
      if (o.clientCert) tls.cert = pem(o.clientCert);
      if (o.clientKey) tls.key = pem(o.clientKey);
      if (o.tlsServerName) tls.servername = o.tlsServerName;
      this.agent = new https.Agent(tls);
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
    return this.agent;
  }

  /**
   * Where a websocket for `path` connects (`ws:`/`wss:`), with this client's TLS settings;
   * the headers are read at each (re)connect so a renewed token is picked up.
   */
  socketTarget(path: string, query: Record<string, string | string[]>): SocketTarget {
    const clean = path.replace(/^\/+/, '').replace(/^v1\//, '');
    const url = new URL(`${this.address}/v1/${encodeURI(clean)}`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, x);
    const o = this.options;
    const tls: SocketTarget['tls'] = {};
    if (url.protocol === 'wss:') {
      tls.rejectUnauthorized = !o.tlsSkipVerify;
      const ca = caBundle(o.caCert, o.caPath);
      if (ca) tls.ca = ca;
      if (o.clientCert) tls.cert = pem(o.clientCert);
      if (o.clientKey) tls.key = pem(o.clientKey);
      // ws passes unknown options on to tls.connect; its typings only miss this one.
      if (o.tlsServerName) Object.assign(tls, { servername: o.tlsServerName });
      // Never below TLS 1.2, whatever the platform default.
      tls.minVersion = 'TLSv1.2';
    }
    return {
      url: url.toString(),
      headers: () => {
        const h: Record<string, string> = {};
        if (this.token) h['X-Vault-Token'] = this.token;
        if (this.namespace) h['X-Vault-Namespace'] = this.namespace;
        return h;
      },
      tls,
    };
  }

  /** Releases pooled sockets. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  /** Sends one request to `/v1/<path>`. Resolves for 2xx/3xx, rejects with ApiError (>= 400) or ConnectionError. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse> {
    const { clean, url, headers } = this.prepare(path, o);
    let payload: Buffer | undefined;
    if (o.body !== undefined) {
      payload = Buffer.from(JSON.stringify(o.body));
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    this.intercept(method, clean, url, headers, payload);
    const { status, text } = await this.send(method, url, headers, payload);
    return this.answer(method, clean, status, text);
  }

  /**
   * A request whose 2xx body is handed over as a stream instead of parsed (a storage
   * snapshot), optionally sending `upload` as a streamed body. Errors as {@link request}.
   */
  async stream(method: string, path: string, upload?: Readable, o: RequestOptions = {}): Promise<IncomingMessage> {
    const { clean, url, headers } = this.prepare(path, o);
    if (upload !== undefined) headers['Content-Type'] = 'application/octet-stream';
    this.intercept(method, clean, url, headers, undefined);
    const res = await this.open(method, url, headers, upload);
    const status = res.statusCode ?? 0;
    if (status < 400) return res;
    const { text } = await this.collect(res);
    return this.answer(method, clean, status, text).then(() => res);
  }

  /** With an output mode, every request but the KV preflight becomes the text to print. */
  private intercept(method: string, clean: string, url: URL, headers: Record<string, string>, payload: Buffer | undefined): void {
    const mode = this.options.outputMode;
    if (!mode || clean.startsWith('sys/internal/ui/mounts')) return;
    throw new OutputStringError(mode === 'curl' ? curlString(method, url, headers, payload, this.options) : policyString(method, url));
  }

  private prepare(path: string, o: RequestOptions): { clean: string; url: URL; headers: Record<string, string> } {
    const clean = path.replace(/^\/+/, '').replace(/^v1\//, '');
    const url = new URL(`${this.address}/v1/${encodeURI(clean)}`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', ...this.options.headers, ...o.headers };
    if (this.options.policyOverride) headers['X-Vault-Policy-Override'] = 'true';
    const token = o.token ?? this.token;
    if (token) headers['X-Vault-Token'] = token;
    if (this.namespace) headers['X-Vault-Namespace'] = this.namespace;
    const wrap = o.wrapTtl ?? (NEVER_WRAP.test(clean) ? '' : this.wrapTtl);
    if (wrap) headers['X-Vault-Wrap-TTL'] = wrap;
    return { clean, url, headers };
  }

  /** Parses an answer's text; rejects with ApiError for >= 400. */
  private async answer(method: string, clean: string, status: number, text: string): Promise<ApiResponse> {
    let body: VaultEnvelope | null = null;
    let parsed = false;
    if (text.trim() !== '') {
      try {
        const v = JSON.parse(text) as JsonValue;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) body = v as VaultEnvelope; // object checked above
        parsed = true;
      } catch {
        parsed = false;
      }
    }
    if (status >= 400) {
      const errs = Array.isArray(body?.['errors']) ? (body['errors'] as JsonValue[]).map(String) : parsed ? [] : [text.trim()];
      throw new ApiError({ status, errors: errs, address: this.address, method, path: clean, body });
    }
    const res: ApiResponse = { status, body };
    if (!parsed && text !== '') res.text = text;
    return res;
  }

  /**
   * Sends and reads the answer. A standby that does not forward answers 307 with the active
   * node's address: like Vault's Go client, follow one redirect (301/302/307/308), re-sending
   * the body, and never from https to http (the token would travel in clear). A second
   * redirect is an error rather than a silent empty success.
   */
  private async send(method: string, url: URL, headers: Record<string, string>, payload: Buffer | undefined): Promise<{ status: number; text: string }> {
    const first = await this.open(method, url, headers, payload);
    const to = redirectTarget(first, url);
    if (!to) return this.collect(first);
    first.resume();
    const second = await this.open(method, to, headers, payload);
    const status = second.statusCode ?? 0;
    if (!redirectTarget(second, to)) return this.collect(second);
    second.resume();
    return { status: status >= 400 ? status : 508, text: JSON.stringify({ errors: [`redirected more than once (by ${url.host} to ${to.host}, then again)`] }) };
  }

  private collect(res: IncomingMessage): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => reject(new ConnectionError(this.address, e)));
    });
  }

  /** Sends the request (a Buffer, or a stream piped in) and resolves with the response head. */
  private open(method: string, url: URL, headers: Record<string, string>, payload: Buffer | Readable | undefined): Promise<IncomingMessage> {
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let agent: http.Agent;
      try {
        agent = this.getAgent();
      } catch (e) {
        reject(new ConnectionError(this.address, e));
        return;
      }
      // A redirect to the other scheme cannot reuse this address's agent.
      const req = lib.request(url, { method, headers, ...(url.protocol === new URL(this.address).protocol ? { agent } : {}) }, resolve);
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no response within ${this.timeoutMs}ms`), { code: 'ETIMEDOUT' }));
      });
      req.on('error', (e) => reject(new ConnectionError(this.address, e)));
      if (payload instanceof Readable) {
        payload.on('error', (e) => req.destroy(e));
        payload.pipe(req);
      } else {
        req.end(payload);
      }
    });
  }
}

/** Where a redirect answer points, or undefined; an https→http downgrade is refused as a ConnectionError. */
function redirectTarget(res: IncomingMessage, from: URL): URL | undefined {
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (![301, 302, 307, 308].includes(status) || !location) return undefined;
  const to = new URL(location, from);
  if (from.protocol === 'https:' && to.protocol !== 'https:') {
    res.resume();
    throw new ConnectionError(from.origin, new Error(`refusing to follow a redirect from https to ${to.origin}`));
  }
  return to;
}
