/**
 * logrotate against a real `ward server` process, as with Vault: the audit file is
 * renamed, SIGHUP makes the file device reopen its path, and the new file gets the new
 * records. Requests keep flowing throughout, and every one that was answered has its
 * request and response records in one of the two files: nothing is lost.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnWard, waitForHealth, type WardProcess } from '../../helpers/process.js';
import { api } from '../../helpers/server.js';
import { auditRecords } from '../../helpers/audit-log.js';
import { waitFor } from '../../helpers/wait.js';

const TOKEN = 'rotate-root-token';

describe('file audit device: SIGHUP reopens the file (logrotate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-rotate-'));
  let p: WardProcess | undefined;
  after(async () => {
    await p?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('rename, then HUP: new records go to the new file, and every answered request is in one of them', async () => {
    const port = await freePort();
    p = spawnWard(['server', '-dev', `-dev-root-token-id=${TOKEN}`, `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    const proc = p;
    await waitForHealth(proc);
    const log = join(dir, 'audit.log');
    const rotated = `${log}.1`;
    const e = await api(proc, 'PUT', 'sys/audit/file', { token: TOKEN, body: { type: 'file', options: { file_path: log } } });
    assert.equal(e.status, 204, JSON.stringify(e.body));

    // Load: four clients asking lookup-self until told to stop, keeping each answered request id.
    const answered: string[] = [];
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const r = await api(proc, 'GET', 'auth/token/lookup-self', { token: TOKEN });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        answered.push(r.body.request_id as string);
      }
    };
    const workers = [worker(), worker(), worker(), worker()];
    try {
      await waitFor('some records in the first file', () => auditRecords(log).length >= 40);
      renameSync(log, rotated);
      const answeredAtRename = answered.length;
      await waitFor('requests answered after the rename', () => answered.length >= answeredAtRename + 20);
      assert.ok(!existsSync(log), 'nothing reopens the file before SIGHUP');
      proc.child.kill('SIGHUP');
      await waitFor('records in the new file', () => auditRecords(log).length >= 40, { context: () => proc.stderr() });
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    const old = auditRecords(rotated);
    const fresh = auditRecords(log);
    assert.ok(old.length > 0 && fresh.length > 0);
    const seen = new Map<string, Set<string>>();
    for (const r of [...old, ...fresh]) {
      const id = r.request?.id as string;
      if (!seen.has(id)) seen.set(id, new Set());
      seen.get(id)!.add(r.type as string);
    }
    const missing = answered.filter((id) => !(seen.get(id)?.has('request') && seen.get(id)?.has('response')));
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests lack a record`);
    // A request's two records are in one file or the other, in order: none is duplicated.
    assert.equal(old.length + fresh.length, new Set([...old, ...fresh].map((r) => `${r.type} ${r.request?.id}`)).size);
  });
});
