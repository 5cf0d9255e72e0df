/**
 * `ward … | head`: when the reader of a client command's stdout goes away, the command ends
 * quietly with the status a shell reports for SIGPIPE (141), as the Go vault CLI (killed by
 * SIGPIPE) does, instead of Node's unhandled 'error' event and its stack trace on stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/process.js';

test('a client command whose stdout reader has gone exits 141 with nothing on stderr', async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'ward'), 'version'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VAULT_ADDR: '' } });
  // Closed before node has even started: the command's first write finds no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  assert.equal(stderr, '');
  assert.deepEqual({ code, signal }, { code: 141, signal: null });
});
