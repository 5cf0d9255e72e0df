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

/** The standby and the active of a performance-standby cluster, found after start. */
export interface PerfPair {
  active: { url: string };
  standby: { url: string };
  rootToken: string;
}

/** `n` write/read pairs: each read on the standby carries the write's index; returns how many the standby served itself. */
export async function readYourWrites(p: PerfPair & { standbyLog?: () => string }, n: number): Promise<number> {
  let local = 0;
  for (let i = 0; i < n; i++) {
    const index = await write(p.active, 'POST', 'secret/data/loop', p.rootToken, { data: { n: i } });
    const r = await call(p.standby, 'GET', 'secret/data/loop', { token: p.rootToken, ...at(index) });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.data.n, i, `read ${i}`);
    if (r.local) local++;
  }
  if (local < n && p.standbyLog) {
    const why = p.standbyLog().split('\n').filter((l) => l.includes('forwarding a read')).slice(-5);
    process.stderr.write(`# standby forwarded ${n - local} of ${n} reads:\n${why.map((l) => `#   ${l}`).join('\n')}\n`);
  }
  return local;
}

/** A policy narrowed and a token revoked on the active: the standby served the token locally before, and refuses it after. */
export async function policyAndRevocationSeen(p: PerfPair): Promise<void> {
  const root = p.rootToken;
  await write(p.active, 'PUT', 'sys/policy/reader', root, { policy: 'path "secret/data/pol" { capabilities = ["read"] }' });
  await write(p.active, 'POST', 'secret/data/pol', root, { data: { v: 1 } });
  const created = await call(p.active, 'POST', 'auth/token/create', { token: root, body: { policies: ['reader'] } });
  const token = created.body.auth.client_token as string;
  const ok = await call(p.standby, 'GET', 'secret/data/pol', { token, ...at(created.index!) });
  assert.deepEqual([ok.status, ok.local], [200, true]);
  const self = await call(p.standby, 'GET', 'auth/token/lookup-self', { token });
  assert.deepEqual([self.status, self.local], [200, true]);
  const narrowed = await write(p.active, 'PUT', 'sys/policy/reader', root, { policy: 'path "secret/data/other" { capabilities = ["read"] }' });
  assert.equal((await call(p.standby, 'GET', 'secret/data/pol', { token, ...at(narrowed) })).status, 403);
  const revoked = await write(p.active, 'POST', 'auth/token/revoke', root, { token });
  assert.equal((await call(p.standby, 'GET', 'auth/token/lookup-self', { token, ...at(revoked) })).status, 403);
}
