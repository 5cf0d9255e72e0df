/**
 * Requests for performance-standby tests: each reply carries the X-Vault-Index it returned
 * and whether the standby answered it itself (`X-Ward-Served-By: perf-standby`).
 */
import assert from 'node:assert/strict';

export interface Reply {
  status: number;
  // any: response bodies are asserted field by field.
  body: any;
  index: string | null;
  local: boolean;
}

export async function call(n: { url: string }, method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token) headers['X-Vault-Token'] = o.token;
  const res = await fetch(`${n.url}/v1/${path}`, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, index: res.headers.get('x-vault-index'), local: res.headers.get('x-ward-served-by') === 'perf-standby' };
}

/** A write that must succeed; returns its X-Vault-Index. */
export async function write(n: { url: string }, method: string, path: string, token: string, body?: unknown): Promise<string> {
  const r = await call(n, method, path, { token, ...(body !== undefined ? { body } : {}) });
  assert.ok(r.status === 200 || r.status === 204, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.index ?? '', /^\d+$/, `${method} ${path} returns X-Vault-Index`);
  return r.index!;
}

/** Headers asking a standby to have applied `index` first. */
export const at = (index: string): { headers: Record<string, string> } => ({ headers: { 'X-Vault-Index': index } });
