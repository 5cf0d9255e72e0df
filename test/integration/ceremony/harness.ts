/** A non-dev server on SQLite, initialised with real Shamir shares and unsealed; restartable on the same file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

export interface Cluster {
  server: TestServer;
  keys: string[];
  root: string;
  /** Stops the server (as a crash would leave the file: nothing is flushed beyond what was acknowledged) and starts a new one on the same file, sealed. */
  restart(): Promise<TestServer>;
  close(): Promise<void>;
}

export async function initCluster(shares: number, threshold: number): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ward-ceremony-'));
  const file = join(dir, 'ward.db');
  let server = await startTestServer({ dev: false, sqlitePath: file });
  const init = await api(server, 'PUT', 'sys/init', { body: { secret_shares: shares, secret_threshold: threshold } });
  if (init.status !== 200) throw new Error(`init: ${init.status} ${JSON.stringify(init.body)}`);
  const keys = init.body.keys as string[];
  await unseal(server, keys.slice(0, threshold));
  const c: Cluster = {
    server,
    keys,
    root: init.body.root_token,
    async restart() {
      await server.close();
      server = await startTestServer({ dev: false, sqlitePath: file });
      c.server = server;
      return server;
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}

/** Submits shares one by one; returns the last sys/unseal answer. */
export async function unseal(s: Pick<TestServer, 'url'>, keys: string[]): Promise<{ status: number; body: any }> {
  // any: the seal-status body is asserted field by field by the callers.
  let last: { status: number; body: any } = { status: 0, body: null };
  for (const key of keys) {
    last = await api(s, 'PUT', 'sys/unseal', { body: { key } });
    if (last.status !== 200) return last;
  }
  return last;
}

/** Seals with the root token; the answer must be 204. */
export async function seal(s: Pick<TestServer, 'url'>, token: string): Promise<void> {
  const r = await api(s, 'PUT', 'sys/seal', { token });
  if (r.status !== 204) throw new Error(`seal: ${r.status} ${JSON.stringify(r.body)}`);
}
