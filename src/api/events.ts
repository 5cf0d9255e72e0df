/**
 * Event subscriptions (`sys/events/subscribe/:eventType`, websocket, CloudEvents JSON) for
 * the typed client: one socket, reconnected with exponential backoff and jitter whenever
 * it is refused or lost, until `close()`. Redirects from a standby to the active node are
 * followed. Consumers that must not miss changes treat "not connected" as "poll instead"
 * (the operator falls back to refreshAfter); events are best effort, as in Vault.
 */
import { WebSocket, type ClientOptions as WsClientOptions } from 'ws';
import { ApiError, ConnectionError } from './errors.js';
import type { JsonObject, VaultEnvelope } from './types.js';

/** One event as delivered (the CloudEvents envelope with Vault's `data` unpacked). */
export interface EventMessage {
  id: string;
  time: string;
  eventType: string;
  /** "" for the root namespace. */
  namespace: string;
  /** Strings only; `path`/`data_path` include the mount (`secret/data/app`). */
  metadata: Record<string, string>;
  pluginInfo: { mount_class?: string; mount_accessor?: string; mount_path?: string; plugin?: string };
  raw: JsonObject;
}

export interface SubscriptionState {
  connected: boolean;
  /** Why the last attempt failed or the socket ended (ApiError for refusals). */
  error?: Error;
  /** Consecutive failed attempts so far (0 once connected). */
  failures: number;
}

export interface SubscribeOptions {
  /** The event type glob, e.g. `kv*`. */
  eventType: string;
  /** A filter expression (`data_path == secret/data/app`). */
  filter?: string;
  namespaces?: string[];
  onEvent(e: EventMessage): void;
  /**
   * Extra headers for each (re)connect, e.g. a token obtained by logging in (a rejection
   * counts as a failed attempt and is retried with backoff).
   */
  headers?(): Promise<Record<string, string>>;
  onState?(s: SubscriptionState): void;
  /** Reconnect delays: the first retry after `initialMs` (default 500), doubling up to `maxMs` (default 30 s), ±20% jitter. */
  backoff?: { initialMs?: number; maxMs?: number };
}

export interface EventSubscription {
  readonly connected: boolean;
  /** Resolves once the first socket is open (never rejects: failures are retried). */
  opened(): Promise<void>;
  close(): void;
}

/** What the subscription needs from the client: where to connect and with what. */
export interface SocketTarget {
  /** `ws(s)://host/v1/sys/events/subscribe/<type>?json=true&...` */
  url: string;
  headers(): Record<string, string>;
  tls: WsClientOptions;
}

/** Parses one text frame; null when it is not a Vault event. */
export function parseEvent(text: string): EventMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const raw = v as JsonObject;
  const data = raw['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const event = (data as JsonObject)['event'];
  const md = event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as JsonObject)['metadata'] : undefined;
  const metadata: Record<string, string> = {};
  if (md !== null && typeof md === 'object' && !Array.isArray(md)) for (const [k, x] of Object.entries(md)) if (typeof x === 'string') metadata[k] = x;
  const pi = (data as JsonObject)['plugin_info'];
  return {
    id: String(raw['id'] ?? ''),
    time: String(raw['time'] ?? ''),
    eventType: String((data as JsonObject)['event_type'] ?? ''),
    namespace: String((data as JsonObject)['namespace'] ?? '').replace(/^\/+|\/+$/g, ''),
    metadata,
    pluginInfo: pi !== null && typeof pi === 'object' && !Array.isArray(pi) ? (pi as EventMessage['pluginInfo']) : {},
    raw,
  };
}

/** The delay before retry number `failures` (1-based): exponential, capped, with ±20% jitter. */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function openSubscription(target: SocketTarget, o: SubscribeOptions): EventSubscription {
  const initialMs = o.backoff?.initialMs ?? 500;
  const maxMs = o.backoff?.maxMs ?? 30_000;
  let ws: WebSocket | null = null;
  let connected = false;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let markOpened: () => void = () => {};
  const firstOpen = new Promise<void>((resolve) => (markOpened = resolve));

  const report = (error?: Error): void => {
    const s: SubscriptionState = { connected, failures };
    if (error !== undefined) s.error = error;
    o.onState?.(s);
  };
  const retry = (error: Error): void => {
    const wasConnected = connected;
    connected = false;
    ws = null;
    if (!wasConnected) failures++;
    report(error);
    if (closed) return;
    timer = setTimeout(connect, backoffDelay(Math.max(1, failures), initialMs, maxMs));
    timer.unref();
  };

  function connect(): void {
    timer = null;
    if (closed) return;
    if (o.headers === undefined) {
      dial({});
      return;
    }
    o.headers().then(dial, (e: unknown) => {
      if (!closed) retry(e instanceof Error ? e : new Error(String(e)));
    });
  }

  function dial(extra: Record<string, string>): void {
    if (closed) return;
    const sock = new WebSocket(target.url, { ...target.tls, headers: { ...target.headers(), ...extra }, followRedirects: true, maxRedirects: 5, handshakeTimeout: 30_000 });
    ws = sock;
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      sock.terminate();
      retry(e);
    };
    sock.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => fail(refusal(target.url, res.statusCode ?? 0, text)));
      res.on('error', (e) => fail(new ConnectionError(target.url, e)));
    });
    sock.on('error', (e) => fail(new ConnectionError(target.url, e)));
    sock.on('open', () => {
      connected = true;
      failures = 0;
      report();
      markOpened();
    });
    sock.on('message', (data, isBinary) => {
      if (isBinary) return;
      const e = parseEvent(String(data));
      if (e !== null) o.onEvent(e);
    });
    sock.on('close', (code, reason) => {
      if (settled) return;
      settled = true;
      retry(new Error(`event stream closed (${code}${reason.length > 0 ? `: ${String(reason)}` : ''})`));
    });
  }

  connect();
  return {
    get connected() {
      return connected;
    },
    opened: () => firstOpen,
    close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const sock = ws;
      if (sock !== null) sock.close(1000, 'closing');
      else report();
    },
  };
}

function refusal(url: string, status: number, text: string): ApiError {
  let body: VaultEnvelope | null = null;
  try {
    body = JSON.parse(text) as VaultEnvelope;
  } catch {
    body = null;
  }
  const errors = Array.isArray(body?.errors) ? body.errors.map(String) : [text.trim()];
  const u = new URL(url);
  return new ApiError({ status, errors, address: `${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`, method: 'GET', path: u.pathname.replace(/^\/v1\//, ''), body });
}
