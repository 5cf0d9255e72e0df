/**
 * A server that cannot bind its address exits non-zero with the error (finding 12 of
 * issue 14): in dev mode too, whatever the dev store, and it leaves no temp store behind.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, runWard, sqliteConfig } from '../../helpers/process.js';

/** Holds a loopback port so that the server under test finds it in use. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

// Generous: a server that hangs is killed at this deadline and the test fails on `timedOut`.
const DEADLINE_MS = 30_000;

describe('bind failure (EADDRINUSE)', () => {
  const cleanups: (() => void)[] = [];
  after(() => cleanups.forEach((c) => c()));

  for (const storage of ['sqlite', 'inmem'] as const) {
    it(`ward server -dev -dev-storage=${storage} exits non-zero with the error`, { timeout: DEADLINE_MS + 10_000 }, async () => {
      const held = await occupy();
      cleanups.push(() => held.server.close());
      const tmp = mkdtempSync(join(tmpdir(), 'ward-bind-'));
      cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
      const r = await runWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${held.port}`, `-dev-storage=${storage}`], DEADLINE_MS, { TMPDIR: tmp });
      assert.equal(r.timedOut, false, `still running after ${DEADLINE_MS} ms\nstderr:\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /address already in use/);
      assert.doesNotMatch(r.stdout, /Root Token:/, 'no dev banner for a server that is not listening');
      assert.deepEqual(readdirSync(tmp), [], 'the throwaway dev store is removed');
    });
  }

  it('ward server -config exits non-zero with the error', { timeout: DEADLINE_MS + 10_000 }, async () => {
    const held = await occupy();
    cleanups.push(() => held.server.close());
    const cfg = configDir();
    cleanups.push(() => cfg.cleanup());
    const file = cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port: held.port, allowRoot: true, extra: 'disable_mlock = true' }));
    const r = await runWard(['server', `-config=${file}`], DEADLINE_MS);
    assert.equal(r.timedOut, false, `still running after ${DEADLINE_MS} ms\nstderr:\n${r.stderr}`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /address already in use/);
  });
});
