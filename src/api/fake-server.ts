import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from './types.js';

/** A request as the fake server saw it; `path` is relative to `/v1/`. */
export type FakeRequest = { method: string; path: string; query: URLSearchParams; headers: IncomingHttpHeaders; body: JsonValue | undefined };

/** What a route answers; `body` undefined means an empty body. */
export type FakeReply = { status: number; body?: JsonValue; raw?: string; headers?: Record<string, string> };

/**
 * A tiny Vault-shaped HTTP server for client and CLI tests (no Ward internals): each
 * request is recorded and passed to `handler`; unmatched requests get 404 `{"errors":[]}`.
 */
export async function startFakeServer(handler: (r: FakeRequest) => FakeReply | undefined): Promise<{ url: string; requests: FakeRequest[]; close(): Promise<void> }> {
  const requests: FakeRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: JsonValue | undefined;
      try {
        body = text ? (JSON.parse(text) as JsonValue) : undefined;
      } catch {
        body = text;
      }
      const r: FakeRequest = { method: req.method ?? '', path: decodeURI(u.pathname.replace(/^\/v1\//, '')), query: u.searchParams, headers: req.headers, body };
      requests.push(r);
      const reply: FakeReply = handler(r) ?? { status: 404, body: { errors: [] } };
      res.setHeader('Content-Type', 'application/json');
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      res.statusCode = reply.status;
      res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // listening on TCP, so an AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A success envelope around `data` (§1.3), for canned replies. */
export function envelope(data: JsonValue, extra: { [k: string]: JsonValue } = {}): JsonValue {
  return { request_id: 'req-1', lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, mount_type: 'kv', ...extra };
}
